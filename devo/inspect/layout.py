r"""Where the pictures put each neuron: grown positions, relaxed apart so no two markers overlap.

A child neuron is born ``develop.child_distance`` (0.1) from its parent, along similar directions
for a whole lineage, so grown positions crowd: drawn as they are, most hidden neurons and the
synapses between them hide under each other's markers. :func:`layout` keeps the picture's meaning
(inputs on the left at their birth places, outputs on the right, hidden neurons near where they
grew) and moves hidden neurons apart until every pair is at least ``d_min`` apart:

.. math::

    d_{min} = \min\Big(0.12,\ 0.75 \sqrt{\tfrac{A}{0.866\, n_h}},\ s_{fixed}\Big)

with ``A`` the area hidden neurons may use (``[-0.88, 0.88] x [-1.05, 1.05]``), ``n_h`` hidden
neurons (hexagonal packing at spacing ``d`` holds ``A / (0.866 d^2)`` points) and ``s_fixed`` the
smallest spacing of the inputs and outputs, which do not move. Each relaxation round pushes every
pair closer than ``d_min`` apart along the line between them (a hidden neuron takes the whole push
from a fixed one, half from another hidden one; coincident points separate along a fixed
golden-angle direction), then clips hidden neurons to their box; it stops when no pair is too
close. The layout covers every neuron of the life at once, so a neuron keeps its place in every
stage and every frame of the growth animation. Markers drawn with a diameter below ``d_min``
(:func:`devo.inspect.plots.draw_network`) cannot overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devo.inspect.recording import GrowthRecording
from devo.snn import state as S
from devo.snn.snapshot import NetworkSnapshot

__all__ = ["Layout", "layout", "min_distance", "relax"]

D_MAX = 0.12
HIDDEN_BOX = ((-0.88, 0.88), (-1.05, 1.05))
_GOLDEN = np.pi * (3.0 - np.sqrt(5.0))


@dataclass(frozen=True)
class Layout:
    """Drawing positions of every neuron of a life and the spacing they keep.

    Attributes:
        ids: int64[n] neuron ids (slots); ``grown``: float64[n, 2] their grown positions;
        xy: float64[n, 2] drawing positions; kind: int64[n];
        d_min: every pair of drawing positions is at least this far apart.
    """

    ids: np.ndarray
    kind: np.ndarray
    grown: np.ndarray
    xy: np.ndarray
    d_min: float

    def positions(self, snap: NetworkSnapshot) -> np.ndarray:
        """Drawing positions of a snapshot's neurons (in its ``neuron_id`` order)."""
        index = {(int(i), float(x), float(y)): k for k, (i, (x, y)) in enumerate(zip(self.ids, self.grown,
                                                                                     strict=True))}
        out = np.empty((snap.n_neurons, 2), np.float64)
        for k in range(snap.n_neurons):
            key = (int(snap.neuron_id[k]), float(snap.pos[k, 0]), float(snap.pos[k, 1]))
            out[k] = self.xy[index[key]] if key in index else snap.pos[k]
        return out


def min_distance(xy: np.ndarray) -> float:
    """The smallest distance between two of the points (inf for fewer than two)."""
    if len(xy) < 2:
        return float("inf")
    diff = xy[:, None, :] - xy[None, :, :]
    dist = np.sqrt((diff**2).sum(-1))
    dist[np.diag_indices(len(xy))] = np.inf
    return float(dist.min())


def relax(xy: np.ndarray, movable: np.ndarray, d_min: float, rounds: int = 2000) -> np.ndarray:
    """Push the movable points apart until no two points are closer than ``d_min`` (see the
    module docstring); fixed points stay. Deterministic."""
    p = np.asarray(xy, np.float64).copy()
    n = len(p)
    if n < 2 or not movable.any():
        return p
    (x0, x1), (y0, y1) = HIDDEN_BOX
    mov = movable.astype(np.float64)
    # the share of a pair's push each point takes: all of it against a fixed point, half otherwise
    share = np.where(mov[:, None] * mov[None, :] > 0, 0.5, 1.0) * mov[:, None]
    angle = _GOLDEN * np.arange(n)
    fallback = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    target = d_min * 1.02  # a little slack so rounding never leaves a pair just short
    for _ in range(rounds):
        diff = p[:, None, :] - p[None, :, :]
        dist = np.sqrt((diff**2).sum(-1))
        np.fill_diagonal(dist, np.inf)
        close = dist < d_min
        if not close.any():
            break
        unit = np.where(dist[..., None] > 1e-9, diff / np.maximum(dist, 1e-9)[..., None],
                        np.sign(np.arange(n)[:, None] - np.arange(n)[None, :])[..., None] * fallback[:, None, :])
        push = np.where(close, target - np.minimum(dist, target), 0.0)
        p += ((share * push)[..., None] * unit).sum(axis=1)
        p[movable, 0] = np.clip(p[movable, 0], x0, x1)
        p[movable, 1] = np.clip(p[movable, 1], y0, y1)
    return p


def _neurons_of_life(rec: GrowthRecording) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (id, grown position) of the life, once, with its kind, in order of appearance."""
    seen: dict[tuple[int, float, float], int] = {}
    for _, snap in rec.snapshots:
        for k in range(snap.n_neurons):
            key = (int(snap.neuron_id[k]), float(snap.pos[k, 0]), float(snap.pos[k, 1]))
            seen.setdefault(key, int(snap.kind[k]))
    ids = np.array([k[0] for k in seen], np.int64)
    grown = np.array([[k[1], k[2]] for k in seen], np.float64).reshape(-1, 2)
    kind = np.array(list(seen.values()), np.int64)
    return ids, grown, kind


def layout(rec: GrowthRecording) -> Layout:
    """The drawing positions of every neuron the life had (see the module docstring)."""
    ids, grown, kind = _neurons_of_life(rec)
    movable = kind == S.HIDDEN
    (x0, x1), (y0, y1) = HIDDEN_BOX
    d_min = D_MAX
    n_h = int(movable.sum())
    if n_h:
        d_min = min(d_min, 0.75 * float(np.sqrt((x1 - x0) * (y1 - y0) / (0.866 * n_h))))
    fixed = grown[~movable]
    d_min = min(d_min, min_distance(fixed))
    start = grown.copy()
    start[movable, 0] = np.clip(start[movable, 0], x0, x1)
    start[movable, 1] = np.clip(start[movable, 1], y0, y1)
    xy = relax(start, movable, d_min)
    return Layout(ids=ids, kind=kind, grown=grown, xy=xy, d_min=float(min(d_min, min_distance(xy))))
