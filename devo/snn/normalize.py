r"""Observation normalisation onto [-1, 1], per dimension, before an encoder sees it.

Modes (one per observation dimension):

- ``BOUNDS``: from the space's finite bounds, :math:`\hat x = \mathrm{clip}(2 (x - l)/(h - l) - 1, -1, 1)`;
- ``RUNNING``: from running statistics over the lifetime (Welford),
  :math:`\hat x = \mathrm{clip}((x - \mu) / (c \sqrt{\sigma^2 + 10^{-8}}), -1, 1)` with ``c`` the
  clip in standard deviations (default 3); statistics are updated before use;
- ``SCALE``: from the running second moment only, not centred,
  :math:`\hat x = \mathrm{clip}(x / (c \sqrt{\sigma^2 + \mu^2 + 10^{-8}}), -1, 1)`, so a value that
  settles away from zero (a cart drifting at a steady speed) still reads as non-zero, where
  ``RUNNING`` would re-centre on it and show zero (``network.running_centre = false``);
- ``RAW``: :math:`\hat x = x` (the encoder sees the raw value).

:func:`modes_for_bounds` picks ``BOUNDS`` where both bounds are finite and ``RUNNING`` (or
``SCALE``) elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

BOUNDS = 0
RUNNING = 1
RAW = 2
SCALE = 3
MODE_NAMES = {"bounds": BOUNDS, "running": RUNNING, "raw": RAW}

# a span wider than this is treated as unbounded (e.g. float32 max used as a bound)
MAX_SPAN = 1e6


def modes_for_bounds(low: np.ndarray, high: np.ndarray, unbounded: int = RUNNING) -> np.ndarray:
    """``BOUNDS`` for dimensions with finite, reasonably narrow bounds; ``unbounded`` (``RUNNING``
    or ``SCALE``) for the rest."""
    low = np.asarray(low, np.float64).ravel()
    high = np.asarray(high, np.float64).ravel()
    if low.shape != high.shape:
        raise ValueError(f"low and high differ in shape: {low.shape} vs {high.shape}")
    ok = np.isfinite(low) & np.isfinite(high) & ((high - low) < MAX_SPAN) & (high > low)
    return np.where(ok, BOUNDS, unbounded).astype(np.int8)


def new_stats(dim: int) -> np.ndarray:
    """Empty running statistics: rows count, mean, M2 (sum of squared deviations)."""
    return np.zeros((3, dim), np.float64)


@njit(cache=True, error_model="numpy", _nrt=False)
def all_finite(x: np.ndarray) -> bool:
    for k in range(x.shape[0]):
        if not math.isfinite(x[k]):
            return False
    return True


@njit(cache=True, error_model="numpy", _nrt=False)
def normalize(
    obs: np.ndarray,
    mode: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    stats: np.ndarray,
    update: bool,
    clip_sd: float,
    out: np.ndarray,
) -> None:
    """Write the normalised ``obs`` (float64) into ``out`` (float32); see the module docstring."""
    for k in range(obs.shape[0]):
        x = obs[k]
        m = mode[k]
        if m == BOUNDS:
            y = 2.0 * (x - low[k]) / (high[k] - low[k]) - 1.0
        elif m == RUNNING or m == SCALE:
            if update:
                c = stats[0, k] + 1.0
                delta = x - stats[1, k]
                stats[0, k] = c
                stats[1, k] += delta / c
                stats[2, k] += delta * (x - stats[1, k])
            c = stats[0, k]
            var = stats[2, k] / c if c >= 2.0 else 1.0
            if m == RUNNING:
                y = (x - stats[1, k]) / (clip_sd * math.sqrt(var + 1e-8))
            else:
                mu = stats[1, k] if c >= 2.0 else 0.0
                y = x / (clip_sd * math.sqrt(var + mu * mu + 1e-8))
        else:
            out[k] = np.float32(x)
            continue
        if y > 1.0:
            y = 1.0
        elif y < -1.0:
            y = -1.0
        out[k] = np.float32(y)
