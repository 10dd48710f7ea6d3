"""Recording for inspection: off by default and free when off.

A :class:`Recorder` is preallocated for a whole lifetime. When recording is off every array has
zero rows and the kernels skip it after one flag test. When on, each step writes one row of
counters (:data:`COLUMNS`), the spike count of every neuron, the normalised input, and the tick
raster; every ``snap_every`` steps (and at the phase boundaries) a snapshot of the network goes
into the snapshot arrays, which :mod:`devo.lifetime` turns into
:class:`~devo.snn.snapshot.NetworkSnapshot` objects.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from devo.develop.agent import (
    K_ADDED,
    K_DIVISIONS,
    K_EP_STEP,
    K_EPISODE,
    K_PHASE,
    K_PRUNED,
    MS_M,
    PHASE_DEVELOP,
    PHASE_EPISODE,
    PHASE_NAMES,
    PHASE_SPONTANEOUS,
    Agent,
)

__all__ = ["PHASE_DEVELOP", "PHASE_EPISODE", "PHASE_NAMES", "PHASE_SPONTANEOUS", "Recorder", "make_recorder"]
from devo.snn.state import M_NEU_HI, M_NNEU, M_NSYN, M_SYN_HI, M_TICK, NetState

COLUMNS = (
    "phase", "episode", "step", "neurons", "synapses", "added", "pruned", "divisions",
    "w_mean", "w_var", "spikes", "reward", "modulator", "action",
)
R_PHASE, R_EPISODE, R_STEP, R_NEURONS, R_SYNAPSES, R_ADDED, R_PRUNED, R_DIVISIONS = range(8)
R_W_MEAN, R_W_VAR, R_SPIKES, R_REWARD, R_MOD, R_ACTION = range(8, 14)
N_COLUMNS = len(COLUMNS)



class Recorder(NamedTuple):
    rows: np.ndarray  # int64[1] rows written
    steps: np.ndarray  # float64[T, N_COLUMNS]
    counts: np.ndarray  # uint8[T, N] spikes per neuron per step
    inputs: np.ndarray  # float32[T, d] normalised input (observation or spontaneous activity)
    raster: np.ndarray  # uint8[T * K, N] spikes per tick
    snap_step: np.ndarray  # int64[n_snap] step of each snapshot (-1 unused)
    snap_tick: np.ndarray  # int64[n_snap]
    snap_alive: np.ndarray  # uint8[n_snap, N]
    snap_kind: np.ndarray  # int8[n_snap, N]
    snap_pos: np.ndarray  # float32[n_snap, N, 2]
    snap_v: np.ndarray  # float32[n_snap, N]
    snap_thr: np.ndarray  # float32[n_snap, N]
    snap_adapt: np.ndarray  # float32[n_snap, N]
    snap_rate: np.ndarray  # float32[n_snap, N]
    snap_h: np.ndarray  # float32[n_snap, H, N]
    snap_s_alive: np.ndarray  # uint8[n_snap, S]
    snap_src: np.ndarray  # int32[n_snap, S]
    snap_dst: np.ndarray  # int32[n_snap, S]
    snap_w: np.ndarray  # float32[n_snap, S]
    snap_elig: np.ndarray  # float32[n_snap, S]
    snap_e: np.ndarray  # float32[n_snap, E, S]
    snap_n: np.ndarray  # int64[1] snapshots taken


def make_recorder(
    on: bool, max_steps: int, ticks: int, n: int, s: int, h_dim: int, e_dim: int, d: int, n_snap: int
) -> Recorder:
    """Allocate for ``max_steps`` steps and ``n_snap`` snapshots (all zero-sized when ``on`` is False)."""
    t = max_steps if on else 0
    k = n_snap if on else 0
    return Recorder(
        rows=np.zeros(1, np.int64),
        steps=np.zeros((t, N_COLUMNS), np.float64),
        counts=np.zeros((t, n), np.uint8),
        inputs=np.zeros((t, d), np.float32),
        raster=np.zeros((t * ticks, n), np.uint8),
        snap_step=np.full(k, -1, np.int64),
        snap_tick=np.full(k, -1, np.int64),
        snap_alive=np.zeros((k, n), np.uint8),
        snap_kind=np.zeros((k, n), np.int8),
        snap_pos=np.zeros((k, n, 2), np.float32),
        snap_v=np.zeros((k, n), np.float32),
        snap_thr=np.zeros((k, n), np.float32),
        snap_adapt=np.zeros((k, n), np.float32),
        snap_rate=np.zeros((k, n), np.float32),
        snap_h=np.zeros((k, h_dim, n), np.float32),
        snap_s_alive=np.zeros((k, s), np.uint8),
        snap_src=np.zeros((k, s), np.int32),
        snap_dst=np.zeros((k, s), np.int32),
        snap_w=np.zeros((k, s), np.float32),
        snap_elig=np.zeros((k, s), np.float32),
        snap_e=np.zeros((k, e_dim, s), np.float32),
        snap_n=np.zeros(1, np.int64),
    )


@njit(cache=True, error_model="numpy", _nrt=False)
def record_step(net: NetState, ag: Agent, rec: Recorder, spikes: int, reward: float, action: float) -> None:
    """Write one row of counters (when recording is on and rows remain)."""
    r = rec.rows[0]
    if r >= rec.steps.shape[0]:
        return
    row = rec.steps[r]
    row[R_PHASE] = ag.counters[K_PHASE]
    row[R_EPISODE] = ag.counters[K_EPISODE]
    row[R_STEP] = ag.counters[K_EP_STEP]
    row[R_NEURONS] = net.meta[M_NNEU]
    row[R_SYNAPSES] = net.meta[M_NSYN]
    row[R_ADDED] = ag.counters[K_ADDED]
    row[R_PRUNED] = ag.counters[K_PRUNED]
    row[R_DIVISIONS] = ag.counters[K_DIVISIONS]
    total = 0.0
    sq = 0.0
    m = 0
    for s in range(net.meta[M_SYN_HI]):
        if net.s_alive[s] != 0:
            x = float(net.w[s])
            total += x
            sq += x * x
            m += 1
    mean = total / m if m > 0 else 0.0
    row[R_W_MEAN] = mean
    row[R_W_VAR] = sq / m - mean * mean if m > 0 else 0.0
    row[R_SPIKES] = spikes
    row[R_REWARD] = reward
    row[R_MOD] = ag.ms[MS_M]
    row[R_ACTION] = action
    for i in range(net.meta[M_NEU_HI]):
        rec.counts[r, i] = min(net.count[i], 255)
    for k in range(ag.xn.shape[0]):
        rec.inputs[r, k] = ag.xn[k]
    rec.rows[0] = r + 1


@njit(cache=True, error_model="numpy", _nrt=False)
def take_snapshot(net: NetState, rec: Recorder, step: int) -> None:
    """Copy the network into the next snapshot slot (if any is left)."""
    k = rec.snap_n[0]
    if k >= rec.snap_step.shape[0]:
        return
    rec.snap_step[k] = step
    rec.snap_tick[k] = net.meta[M_TICK]
    for i in range(net.alive.shape[0]):
        rec.snap_alive[k, i] = net.alive[i]
        rec.snap_kind[k, i] = net.kind[i]
        rec.snap_pos[k, i, 0] = net.pos[i, 0]
        rec.snap_pos[k, i, 1] = net.pos[i, 1]
        rec.snap_v[k, i] = net.v[i]
        rec.snap_thr[k, i] = net.thr[i]
        rec.snap_adapt[k, i] = net.adapt[i]
        rec.snap_rate[k, i] = net.rate[i]
        for c in range(net.h.shape[0]):
            rec.snap_h[k, c, i] = net.h[c, i]
    for s in range(net.s_alive.shape[0]):
        rec.snap_s_alive[k, s] = net.s_alive[s]
        rec.snap_src[k, s] = net.src[s]
        rec.snap_dst[k, s] = net.dst[s]
        rec.snap_w[k, s] = net.w[s]
        rec.snap_elig[k, s] = net.elig[s]
        for c in range(net.e.shape[1]):
            rec.snap_e[k, c, s] = net.e[s, c]
    rec.snap_n[0] = k + 1
