"""Static figures of a recorded lifetime (matplotlib, no display needed).

- :func:`plot_topology`: the network at each stage on one layout (inputs left, outputs right,
  hidden neurons near their grown positions, moved apart so no marker hides another:
  :mod:`devo.inspect.layout`); edge colour = sign, width = |weight|; marker size = firing rate;
  and the adjacency matrix at the end of life, sorted by kind.
- :func:`plot_raster`: the spike raster of one episode over ticks, the output neurons on their own
  rows with the action of each step beneath them, the observations below.
- :func:`plot_timeline`: the whole life (LNDP's Figs. 3-4): neurons, synapses, synapses added and
  pruned per step, divisions, weight mean and variance, mean firing rate, phases shaded; and the
  trajectory of the weights in (mean, variance) space.
- :func:`plot_fitness`: best, mean and median fitness per generation from ``metrics.jsonl``.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no global state),
so they render with the Agg canvas anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from devo.inspect.recording import STAGES, GrowthRecording
from devo.snn import state as S
from devo.snn.snapshot import NetworkSnapshot

__all__ = [
    "KIND_COLOURS",
    "adjacency",
    "draw_adjacency",
    "draw_network",
    "legend_handles",
    "plot_fitness",
    "plot_raster",
    "plot_timeline",
    "plot_topology",
    "timeline_figure",
    "read_metrics",
]

KIND_COLOURS = ("#2ca02c", "#555555", "#ff7f0e")  # input, hidden, output
KIND_EDGE = (1.4, 0.5, 1.4)  # marker edge widths: inputs and outputs outlined
EXCITATORY = "#d62728"
INHIBITORY = "#1f77b4"
PHASE_COLOURS = {"development": "#e8f0ff", "spontaneous": "#fff3d6"}
EPISODE_COLOURS = ("#eef7ee", "#f7f7f7")
DPI = 100
_RGBA_EXC = np.array(to_rgba(EXCITATORY))
_RGBA_INH = np.array(to_rgba(INHIBITORY))
BLOWN_UP = -1e5  # fitness values below this (devo.lifetime.WORST_FITNESS and means it dominates)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=DPI, format=path.suffix.lstrip(".") or "png")
    return path


# ---------------------------------------------------------------------------------------- topology
def legend_handles() -> list[Line2D]:
    """Legend entries of :func:`draw_network`: the three kinds and the two weight signs."""
    return [
        Line2D([], [], marker="o", color="w", markerfacecolor=KIND_COLOURS[k], markeredgecolor="black",
               markeredgewidth=KIND_EDGE[k], markersize=7, label=name)
        for k, name in enumerate(("input", "hidden", "output"))
    ] + [
        Line2D([], [], color=EXCITATORY, lw=2, label="w > 0"),
        Line2D([], [], color=INHIBITORY, lw=2, label="w < 0"),
    ]


def marker_diameters(snap: NetworkSnapshot, d_min: float) -> np.ndarray:
    r"""Marker diameters in data units: :math:`d_{min} (0.45 + 0.5 \sqrt{rate})`, below
    ``0.95 d_min`` for any rate in [0, 1], so markers ``d_min`` apart never overlap."""
    rate = np.clip(snap.rate.astype(np.float64), 0.0, 1.0)
    return d_min * (0.45 + 0.5 * np.sqrt(rate))


def draw_network(
    ax: Axes, snap: NetworkSnapshot, weight_max: float, legend: bool = True, xy: np.ndarray | None = None,
    d_min: float = 0.1,
) -> list[Any]:
    """Draw one network snapshot on ``ax``; returns the artists added.

    ``xy`` are the drawing positions of the snapshot's neurons (:meth:`devo.inspect.layout.Layout.positions`;
    default: the grown positions), ``d_min`` their smallest spacing: markers are circles whose
    diameter in data units stays below it (:func:`marker_diameters`), so none hides another.
    """
    artists: list[Any] = []
    xy = snap.pos.astype(np.float64) if xy is None else np.asarray(xy, np.float64)
    pos = {int(n): xy[k] for k, n in enumerate(snap.neuron_id.tolist())}
    wmax = weight_max if weight_max > 0 else max(float(np.abs(snap.weight).max(initial=0.0)), 1e-9)
    if snap.n_synapses:
        p0 = np.array([pos[int(s)] for s in snap.src], np.float64)
        p1 = np.array([pos[int(d)] for d in snap.dst], np.float64)
        mag = np.clip(np.abs(snap.weight) / wmax, 0.0, 1.0)
        colours = np.where((snap.weight >= 0)[:, None], _RGBA_EXC, _RGBA_INH)  # RGBA rows: no per-draw parsing
        order = np.argsort(mag)  # strong edges on top
        segs = np.stack([p0, p1], axis=1)[order]
        artists.append(ax.add_collection(
            LineCollection(segs, colors=colours[order], linewidths=0.25 + 2.0 * mag[order], alpha=0.5, zorder=1)
        ))
        vec = p1 - p0
        length = np.linalg.norm(vec, axis=1)
        keep = length > d_min
        if keep.any():
            unit = vec[keep] / length[keep, None]
            tip = p1[keep] - 0.5 * d_min * unit  # at the target's marker
            head = 0.35 * d_min * unit
            artists.append(ax.quiver(
                tip[:, 0], tip[:, 1], head[:, 0], head[:, 1], color=colours[keep], angles="xy",
                scale_units="xy", scale=1, pivot="tip", width=0.0025, headwidth=4, headlength=5,
                headaxislength=4.5, alpha=0.75, zorder=2,
            ))
    diam = marker_diameters(snap, d_min)
    for kind in range(3):
        m = snap.kind == kind
        if not m.any():
            continue
        artists.append(ax.add_collection(EllipseCollection(
            diam[m], diam[m], np.zeros(int(m.sum())), units="xy", offsets=xy[m], offset_transform=ax.transData,
            facecolors=KIND_COLOURS[kind], edgecolors="black", linewidths=KIND_EDGE[kind], zorder=3,
        )))
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.25 if legend else 1.15)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if legend:
        ax.legend(handles=legend_handles(), loc="upper center", ncol=5, fontsize=7, frameon=False,
                  handletextpad=0.3, columnspacing=0.8, borderaxespad=0.1)
    return artists


def kind_order(snap: NetworkSnapshot) -> np.ndarray:
    """Positions in the snapshot's arrays sorted by kind (inputs, hidden, outputs), then by id."""
    return np.lexsort((snap.neuron_id, snap.kind))


def adjacency(snap: NetworkSnapshot) -> tuple[np.ndarray, np.ndarray]:
    """The weight matrix ``A[source, target]`` with rows and columns sorted by kind
    (:func:`kind_order`; NaN where there is no synapse), and the sorted kinds."""
    order = kind_order(snap)
    rank = {int(snap.neuron_id[k]): r for r, k in enumerate(order)}
    a = np.full((snap.n_neurons, snap.n_neurons), np.nan)
    for s, d, w in zip(snap.src.tolist(), snap.dst.tolist(), snap.weight.tolist(), strict=True):
        a[rank[s], rank[d]] = w
    return a, snap.kind[order].astype(np.int64)


def draw_adjacency(ax: Axes, snap: NetworkSnapshot, weight_max: float) -> None:
    """Every synapse as one cell of the kind-sorted weight matrix (row = source, column = target;
    red w > 0, blue w < 0, the colour scale up to the largest |w| present; grey: no synapse)."""
    a, kinds = adjacency(snap)
    present = np.abs(a[np.isfinite(a)])
    wmax = float(present.max()) if present.size and present.max() > 0 else (weight_max if weight_max > 0 else 1.0)
    ax.set_facecolor("#e6e6e6")
    im = ax.imshow(np.ma.masked_invalid(a), cmap="bwr", vmin=-wmax, vmax=wmax, interpolation="nearest",
                   origin="upper", extent=(-0.5, len(kinds) - 0.5, len(kinds) - 0.5, -0.5))
    ticks, labels = [], []
    for kind, name in enumerate(("in", "hidden", "out")):
        rows = np.flatnonzero(kinds == kind)
        if not rows.size:
            continue
        ticks.append((rows[0] + rows[-1]) / 2)
        labels.append(f"{name}\n({rows.size})" if kind == 1 else name)
        if rows[-1] < len(kinds) - 1:
            ax.axhline(rows[-1] + 0.5, color="black", lw=0.6)
            ax.axvline(rows[-1] + 0.5, color="black", lw=0.6)
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlabel("target", fontsize=8)
    ax.set_ylabel("source", fontsize=8)
    ax.figure.colorbar(im, ax=ax, shrink=0.7, label="weight")


def plot_topology(rec: GrowthRecording, path: str | Path, stages: Sequence[str] = STAGES) -> Path:
    """One panel per stage (the network after development, after spontaneous activity, at the
    end, on one layout that separates every neuron: :func:`devo.inspect.layout.layout`), and the
    adjacency matrix at the end of life sorted by kind."""
    from devo.inspect.layout import layout

    names = [s for s in stages if s in rec.stages] or list(rec.stages)
    lay = layout(rec)
    n = max(len(names), 1)
    fig = Figure(figsize=(4.6 * (n + 1), 5.0))
    axes = fig.subplots(1, n + 1, squeeze=False)[0]
    titles = {"development": "after development", "spontaneous": "after spontaneous activity",
              "final": "end of life"}
    for ax, name in zip(axes, names, strict=False):
        snap = rec.stage(name)
        draw_network(ax, snap, rec.weight_max, xy=lay.positions(snap), d_min=lay.d_min)
        ax.set_title(f"{titles.get(name, name)} (step {rec.stage_step(name)})\n"
                     f"{snap.n_neurons} neurons ({snap.count(1)} hidden), {snap.n_synapses} synapses", fontsize=9)
    last = names[-1] if names else "final"
    if rec.stages:
        draw_adjacency(axes[-1], rec.stage(last), rec.weight_max)
        axes[-1].set_title(f"adjacency, {titles.get(last, last)}\n(row = source, column = target; grey: none)",
                           fontsize=9)
    fig.suptitle(f"{rec.env}: grown network (hidden neurons moved apart from their grown positions so none "
                 f"overlaps; edge width = |w|, marker size = firing rate)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return _save(fig, path)


# ------------------------------------------------------------------------------------------ raster
def episode_span(rec: GrowthRecording, episode: int = -1) -> tuple[int, int, int]:
    """(episode, first step, stop step) of an episode (negative indices count from the end)."""
    eps = [p for p in rec.phases() if p.kind == "episode"]
    if not eps:
        raise ValueError("the recording holds no episode")
    ph = eps[episode]
    return ph.episode, ph.start, ph.stop


def _neuron_order(rec: GrowthRecording) -> tuple[np.ndarray, np.ndarray]:
    kinds = rec.neuron_kinds()
    ids = sorted(kinds, key=lambda i: (kinds[i], i))
    return np.array(ids, np.int64), np.array([kinds[i] for i in ids], np.int64)


def _spikes(ax: Axes, block: np.ndarray, kinds: np.ndarray, k: int, row_pt: float, width: float) -> None:
    t_idx, n_idx = np.nonzero(block)
    x = t_idx / k
    for kind in range(3):
        m = kinds[n_idx] == kind
        ax.scatter(x[m], n_idx[m], s=(0.85 * row_pt) ** 2, marker="|", c=KIND_COLOURS[kind], linewidths=width)


def plot_raster(rec: GrowthRecording, path: str | Path, episode: int = -1) -> Path:
    """Spike raster of one episode: inputs and hidden neurons (one row each), then the output
    neurons on their own, larger rows with the action each step chose beneath them, then the
    normalised observations."""
    ep, a, b = episode_span(rec, episode)
    k = rec.ticks_per_step
    ids, kinds = _neuron_order(rec)
    block = rec.recording.raster[a * k : b * k][:, ids] if ids.size else np.zeros((0, 0))
    out_rows = np.flatnonzero(kinds == S.OUTPUT)
    rest = np.flatnonzero(kinds != S.OUTPUT)
    n_rest, n_out = max(len(rest), 1), max(len(out_rows), 1)
    fig = Figure(figsize=(10, 8.5))
    axes = fig.subplots(4, 1, sharex=True, gridspec_kw={"height_ratios": [3.0, 0.35 + 0.25 * n_out, 0.55, 1.1]})
    ax = axes[0]
    _spikes(ax, block[:, rest], kinds[rest], k, 8.5 * 0.5 * 72 / n_rest, 1.0)
    rows = np.flatnonzero(kinds[rest] == S.INPUT)
    if rows.size:
        ax.axhline(rows[-1] + 0.5, color="#bbbbbb", lw=0.6)
    ax.set_ylim(-0.5, n_rest - 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("input / hidden\nneuron (row)")
    ret = rec.result.returns[ep] if ep < len(rec.result.returns) else float("nan")
    ax.set_title(f"{rec.env}: episode {ep}, {b - a} steps x {k} ticks, return {ret:.4g}, "
                 f"{int(block.sum())} spikes", fontsize=10, loc="left")
    ax.legend(
        handles=[Line2D([], [], color=KIND_COLOURS[j], lw=2, label=name)
                 for j, name in enumerate(("input", "hidden", "output"))],
        loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, ncol=3, frameon=False, borderaxespad=0.1,
    )
    ax = axes[1]  # the outputs that decide the action, emphasised
    ax.set_facecolor("#fff4e8")
    _spikes(ax, block[:, out_rows], kinds[out_rows], k, 8.5 * (0.35 + 0.25 * n_out) / 5.5 * 72 / n_out * 0.8, 2.2)
    ax.set_ylim(-0.5, n_out - 0.5)
    ax.set_yticks(range(len(out_rows)), [f"output {j}" for j in range(len(out_rows))], fontsize=8)
    ax.set_ylabel("outputs\n(" + rec.decoder + ")", fontsize=9)
    steps = np.arange(b - a) + 0.5
    act = rec.column("action")[a:b]
    ax = axes[2]
    if rec.action_kind == "discrete":
        levels = max(rec.n_actions, 1)
        ax.imshow(act[None, :], aspect="auto", cmap="tab10", vmin=0, vmax=9, interpolation="nearest",
                  extent=(0, b - a, -0.5, 0.5))
        if b - a <= 60:
            for x_, v in zip(steps, act, strict=True):
                ax.text(x_, 0, f"{int(v)}", ha="center", va="center", fontsize=7, color="white")
        ax.set_yticks([])
        ax.set_ylabel(f"action\n(0-{levels - 1})", fontsize=9)
        cmap = matplotlib.colormaps["tab10"]
        ax.legend(handles=[Patch(color=cmap(a_ / 9), label=f"action {a_}") for a_ in range(min(levels, 10))],
                  loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, ncol=min(levels, 10), frameon=False,
                  borderaxespad=0.1)
    else:
        ax.step(steps, act, where="mid", color="black", lw=1.0)
        ax.set_ylabel("action", fontsize=9)
    obs = rec.recording.inputs[a:b]
    for d in range(obs.shape[1]):
        axes[3].plot(steps, obs[:, d], lw=1.0, label=f"x{d}")
    axes[3].set_ylabel("observation\n(normalised)")
    if obs.shape[1] <= 8:
        axes[3].legend(loc="upper right", fontsize=7, ncol=min(obs.shape[1], 8))
    axes[3].set_xlabel(f"env step of the episode (each step = {k} ticks)")
    axes[3].set_xlim(0, max(b - a, 1))
    fig.tight_layout()
    return _save(fig, path)


# ---------------------------------------------------------------------------------------- timeline
def per_step(cumulative: np.ndarray) -> np.ndarray:
    """Per-step increments of a cumulative counter."""
    return np.diff(cumulative, prepend=0.0)


def firing_rate(rec: GrowthRecording) -> np.ndarray:
    """Mean spikes per neuron per tick, per step."""
    n = np.maximum(rec.column("neurons"), 1.0)
    return rec.column("spikes") / (n * rec.ticks_per_step)


def _shade_phases(rec: GrowthRecording, axes: Iterable[Axes], label_ax: Axes) -> None:
    phases = rec.phases()
    n_ep = sum(p.kind == "episode" for p in phases)
    for ph in phases:
        colour = PHASE_COLOURS.get(ph.kind) or EPISODE_COLOURS[ph.episode % 2]
        for ax in axes:
            ax.axvspan(ph.start - 0.5, ph.stop - 0.5, color=colour, zorder=0, lw=0)
            ax.axvline(ph.start - 0.5, color="#999999", lw=0.5, zorder=0)
        if ph.kind == "episode":
            text = f"ep {ph.episode}" if n_ep > 6 else f"episode {ph.episode}"
            if ph.episode < len(rec.result.returns) and n_ep <= 12:
                text += f"\nR={rec.result.returns[ph.episode]:.4g}"
        else:
            text = {"development": "dev", "spontaneous": "spont."}[ph.kind]
        label_ax.text((ph.start + ph.stop - 1) / 2, 1.02, text, transform=label_ax.get_xaxis_transform(),
                      ha="center", va="bottom", fontsize=7)


def plot_timeline(rec: GrowthRecording, path: str | Path) -> Path:
    """Growth and plasticity over the whole life, phases marked (:func:`timeline_figure`)."""
    return _save(timeline_figure(rec), path)


def timeline_figure(rec: GrowthRecording) -> Figure:
    """The figure of :func:`plot_timeline`. Every axis label is at most two short lines, so the
    labels of neighbouring rows (and of the twin axes on the right) never touch."""
    t = np.arange(rec.n_steps)
    fig = Figure(figsize=(13, 10))
    gs = fig.add_gridspec(5, 2, width_ratios=[3.2, 1.3], hspace=0.2, wspace=0.4)
    axes = [fig.add_subplot(gs[0, 0])]
    for r in range(1, 5):
        axes.append(fig.add_subplot(gs[r, 0], sharex=axes[0]))
    c = rec.column
    ax = axes[0]
    ax.plot(t, c("neurons"), color="#2ca02c", label="neurons")
    ax.set_ylabel("neurons", color="#2ca02c")
    ax2 = ax.twinx()
    ax2.plot(t, c("synapses"), color="#9467bd", label="synapses")
    ax2.set_ylabel("synapses", color="#9467bd")
    ax = axes[1]
    ax.plot(t, per_step(c("added")), color=EXCITATORY, lw=0.9, label="added")
    ax.plot(t, -per_step(c("pruned")), color=INHIBITORY, lw=0.9, label="pruned (negative)")
    ax.set_ylabel("synapses\nper step")
    ax.legend(loc="upper right", fontsize=7, ncol=2)
    ax = axes[2]
    ax.bar(t, per_step(c("divisions")), width=1.0, color="#8c564b", label="divisions per step")
    ax.set_ylabel("divisions\nper step")
    ax3 = ax.twinx()
    ax3.plot(t, c("divisions"), color="black", lw=0.9, label="total")
    ax3.set_ylabel("divisions\n(total)", fontsize=8)
    ax = axes[3]
    mean, var = c("w_mean"), c("w_var")
    sd = np.sqrt(np.maximum(var, 0.0))
    ax.fill_between(t, mean - sd, mean + sd, color="#1f77b4", alpha=0.2, lw=0)
    ax.plot(t, mean, color="#1f77b4", label="weight mean (+- sd)")
    ax.set_ylabel("weight\nmean", color="#1f77b4")
    ax4 = ax.twinx()
    ax4.plot(t, var, color="#ff7f0e", lw=0.9, label="variance")
    ax4.set_ylabel("weight\nvariance", color="#ff7f0e", fontsize=8)
    ax = axes[4]
    ax.plot(t, firing_rate(rec), color="black", lw=0.8)
    ax.set_ylabel("firing rate\n(spikes/neuron/tick)")
    ax.set_xlabel("lifetime step (development, spontaneous activity, episodes)")
    ax.set_xlim(-0.5, max(rec.n_steps, 1) - 0.5)
    for a_ in axes[:-1]:
        a_.tick_params(labelbottom=False)
    _shade_phases(rec, axes, axes[0])
    # LNDP Fig. 4d: the path of the weights in (mean, variance) space
    tr = fig.add_subplot(gs[1:4, 1])
    sc = tr.scatter(mean, var, c=t, cmap="viridis", s=6, zorder=2)
    tr.plot(mean, var, color="#aaaaaa", lw=0.5, zorder=1)
    for ph in rec.phases():
        if 0 < ph.start < rec.n_steps:
            tr.scatter(mean[ph.start], var[ph.start], marker="x", color="red", s=25, zorder=3)
    tr.set_xlabel("weight mean")
    tr.set_ylabel("weight variance")
    tr.set_title("weights in (mean, variance)\nx = start of a phase", fontsize=9)
    fig.colorbar(sc, ax=tr, label="lifetime step", shrink=0.8)
    r = rec.result
    fig.suptitle(
        f"{rec.env}: one lifetime (seed {rec.seed}), fitness {r.fitness:.4g}; {r.divisions} divisions, "
        f"{r.added} synapses added, {r.pruned} pruned", fontsize=11,
    )
    fig.subplots_adjust(left=0.07, right=0.95, top=0.91, bottom=0.06)
    return fig


# ----------------------------------------------------------------------------------------- fitness
def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The generation records of ``metrics.jsonl``; lines that do not parse (a line still being
    written by a live run) are skipped."""
    rows = []
    p = Path(path)
    if not p.is_file():
        return rows
    for line in p.read_text(errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "generation" in row:
            rows.append(row)
    return rows


def plot_fitness(metrics: str | Path | Sequence[dict[str, Any]], path: str | Path) -> Path | None:
    """Best, mean and median fitness per generation (and the best so far); ``None`` when there is
    no generation yet."""
    rows = read_metrics(metrics) if isinstance(metrics, (str, Path)) else list(metrics)
    if not rows:
        return None
    gen = np.array([r["generation"] for r in rows], np.float64)

    def col(name: str) -> np.ndarray:
        y = np.array([r.get(name) if isinstance(r.get(name), (int, float)) else np.nan for r in rows], np.float64)
        return np.where(y > BLOWN_UP, y, np.nan)  # a blown-up genome's -1e9 would flatten the plot

    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    marker = "o" if len(rows) < 30 else None
    for name, colour, style in (("best", "#d62728", "-"), ("mean", "#1f77b4", "-"), ("median", "#2ca02c", "-"),
                                ("best_so_far", "black", "--")):
        y = col(name)
        if np.isfinite(y).any():
            ax.plot(gen, y, style, color=colour, marker=marker, ms=3, lw=1.2, label=name.replace("_", " "))
    ax.set_xlabel("generation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("fitness")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"fitness per generation ({len(rows)} generation{'s' if len(rows) != 1 else ''})", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
