"""Plain-numpy twins of every spiking kernel. Only tests and benchmarks use them.

They are written for clarity, vectorised over whole arrays, and use the synapse list (``s_alive``,
``src``, ``dst``) rather than the adjacency tables, so they check the kernels' bookkeeping as well
as their arithmetic. Float32 operations are done in the kernels' order, so results agree to the
last bit except where a sum's order differs (synaptic current, summed in float64 on both sides).
"""

from __future__ import annotations

import math

import numpy as np

from devo.rng import PyRng
from devo.snn import decoders as D
from devo.snn import encoders as E
from devo.snn import normalize as NZ
from devo.snn import state as S
from devo.snn.mask import allowed_mask

f32 = np.float32


# ------------------------------------------------------------------------------ dynamics
def tick_reference(st: S.NetState, traces: bool) -> int:
    """One tick, in place, on a :class:`NetState`; returns the number of spikes."""
    alive = st.alive.astype(bool)
    forced = alive & (st.force != 0)
    refractory = alive & ~forced & (st.refr > 0)
    integ = alive & ~forced & ~refractory
    v_int = st.beta * st.v + st.i_syn.astype(f32) + st.i_ext + st.bias
    v_pre = np.where(integ, v_int, np.where(refractory, st.v_reset, st.v)).astype(f32)
    fire = forced | (integ & (v_int >= st.thr + st.adapt))
    st.refr[:] = np.where(refractory, st.refr - 1, st.refr)
    st.refr[:] = np.where(fire, st.t_ref, st.refr)
    st.v_acc[:] = np.where(alive, st.v_acc + v_pre, st.v_acc)
    a = np.where(fire, st.adapt + st.a_inc, st.adapt).astype(f32)
    st.adapt[:] = np.where(alive, st.rho * a, st.adapt)
    st.v[:] = np.where(fire, st.v_reset, np.where(alive, v_pre, st.v))
    st.force[forced] = 0
    st.spike[:] = fire
    window = st.meta[S.M_WINDOW]
    st.first[:] = np.where(fire & (st.first < 0), window, st.first)
    st.count[:] += fire
    idx = np.flatnonzero(fire)
    st.spiked[: len(idx)] = idx
    st.meta[S.M_NSPIKED] = len(idx)

    tp = st.tp
    st.i_syn[:] = st.i_syn * np.float64(tp[S.T_D_SYN])
    sa = np.flatnonzero(st.s_alive)
    src, dst = st.src[sa], st.dst[sa]
    spk = fire.astype(f32)
    contrib = st.w[sa].astype(np.float64) * spk[src]
    st.i_syn[:] += np.bincount(dst, weights=contrib, minlength=st.max_neurons)
    if traces:
        x_pre = st.x_pre * tp[S.T_D_PRE]
        x_post = st.x_post * tp[S.T_D_POST]
        e = st.elig * tp[S.T_D_ELIG]
        e[sa] = e[sa] - (tp[S.T_A_MINUS] * x_post[dst]) * spk[src]
        e[sa] = e[sa] + (tp[S.T_A_PLUS] * x_pre[src]) * spk[dst]
        st.elig[:] = e
        st.x_pre[:] = x_pre + spk
        st.x_post[:] = x_post + spk
        d_rate = tp[S.T_D_RATE]
        st.rate[:] = d_rate * st.rate + (f32(1.0) - d_rate) * spk
    st.meta[S.M_TICK] += 1
    st.meta[S.M_WINDOW] += 1
    return len(idx)


def run_ticks_reference(st: S.NetState, n_ticks: int, traces: bool) -> list[np.ndarray]:
    """``n_ticks`` reference ticks; returns the spike vector (bool) of every tick."""
    out = []
    for _ in range(n_ticks):
        tick_reference(st, traces)
        out.append(st.spike.astype(bool).copy())
    return out


# ------------------------------------------------------------------------------ structure
class StructureModel:
    """Reference for the structural kernels: a set of edges and the capacities, nothing else.

    Methods take and return what the kernels do, except that synapses are named by their pair
    ``(i, j)`` instead of a slot: success is ``0``, failures are the kernels' ``ERR_*`` codes.
    """

    def __init__(self, max_neurons: int, max_synapses: int, max_degree: int, allow_io: bool) -> None:
        self.n, self.s, self.d = max_neurons, max_synapses, max_degree
        self.allow_io = allow_io
        self.alive = np.zeros(max_neurons, bool)
        self.kind = np.full(max_neurons, S.HIDDEN, np.int8)
        self.edges: set[tuple[int, int]] = set()
        self.refused = 0

    def add_neuron(self, kind: int) -> int:
        dead = np.flatnonzero(~self.alive)
        if len(dead) == 0:
            self.refused += 1
            return S.ERR_FULL
        i = int(dead[0])
        self.alive[i] = True
        self.kind[i] = kind
        return i

    def remove_neuron(self, i: int) -> bool:
        if not (0 <= i < self.n and self.alive[i]):
            return False
        self.edges = {(a, b) for (a, b) in self.edges if a != i and b != i}
        self.alive[i] = False
        return True

    def add_synapse(self, i: int, j: int) -> int:
        if not (0 <= i < self.n and 0 <= j < self.n):
            return S.ERR_RANGE
        if not (self.alive[i] and self.alive[j]):
            return S.ERR_DEAD
        if not allowed_mask(self.kind, self.allow_io)[i, j]:
            return S.ERR_FORBIDDEN
        if (i, j) in self.edges:
            return S.ERR_EXISTS
        if len(self.edges) >= self.s:
            self.refused += 1
            return S.ERR_FULL
        out_deg = sum(1 for (a, _) in self.edges if a == i)
        in_deg = sum(1 for (_, b) in self.edges if b == j)
        if out_deg >= self.d or in_deg >= self.d:
            self.refused += 1
            return S.ERR_DEGREE
        self.edges.add((i, j))
        return 0

    def remove_synapse(self, i: int, j: int) -> bool:
        if (i, j) in self.edges:
            self.edges.remove((i, j))
            return True
        return False


# ------------------------------------------------------------------------------ input / output
def normalize_reference(
    obs: np.ndarray, mode: np.ndarray, low: np.ndarray, high: np.ndarray, stats: np.ndarray,
    update: bool, clip_sd: float,
) -> np.ndarray:
    """Reference of :func:`devo.snn.normalize.normalize` (updates ``stats`` in place)."""
    out = np.empty(len(obs), f32)
    for k, x in enumerate(np.asarray(obs, np.float64)):
        if mode[k] == NZ.BOUNDS:
            y = 2.0 * (x - low[k]) / (high[k] - low[k]) - 1.0
        elif mode[k] in (NZ.RUNNING, NZ.SCALE):
            if update:
                c = stats[0, k] + 1.0
                delta = x - stats[1, k]
                stats[0, k] = c
                stats[1, k] += delta / c
                stats[2, k] += delta * (x - stats[1, k])
            c = stats[0, k]
            var = stats[2, k] / c if c >= 2.0 else 1.0
            if mode[k] == NZ.RUNNING:
                y = (x - stats[1, k]) / (clip_sd * math.sqrt(var + 1e-8))
            else:  # root mean square: E[x^2] = var + mean^2 (no mean before two values)
                second = var + (stats[1, k] ** 2 if c >= 2.0 else 0.0)
                y = x / (clip_sd * math.sqrt(second + 1e-8))
        else:
            out[k] = f32(x)
            continue
        out[k] = f32(min(1.0, max(-1.0, y)))
    return out


def encode_reference(xn: np.ndarray, kind: int, params: np.ndarray) -> np.ndarray:
    """Reference of :func:`devo.snn.encoders.encode`."""
    xn = np.asarray(xn, f32)
    if kind == E.POPULATION:
        m = int(params[E.E_POP])
        inv = f32(1.0) / (f32(2.0) * params[E.E_SIGMA] * params[E.E_SIGMA])
        centres = f32(-1.0) + (f32(2.0) / f32(m - 1)) * np.arange(m, dtype=f32)
        diff = xn[:, None] - centres[None, :]
        return np.exp((-diff * diff * inv).astype(np.float64)).astype(f32).ravel()
    if kind == E.CURRENT:
        return xn.copy()
    return ((xn + f32(1.0)) * f32(0.5)).astype(f32)


def apply_drive_reference(
    st: S.NetState, inputs: np.ndarray, drive: np.ndarray, kind: int, params: np.ndarray,
    tick_in_step: int, ticks_per_step: int, rng: PyRng,
) -> None:
    """Reference of :func:`devo.snn.encoders.apply_drive` (``rng`` is a :class:`PyRng`)."""
    g = params[E.E_GAIN]
    if kind in (E.CURRENT, E.POPULATION):
        st.i_ext[inputs] = g * drive + params[E.E_OFFSET]
    elif kind == E.POISSON:
        for k, i in enumerate(inputs):
            if rng.uniform() < g * drive[k]:
                st.force[i] = 1
    else:
        for k, i in enumerate(inputs):
            if drive[k] > 0.0:
                t_k = int(math.floor((1.0 - float(drive[k])) * (ticks_per_step - 1) + 0.5))
                if t_k == tick_in_step:
                    st.force[i] = 1


def decode_discrete_reference(st: S.NetState, outputs: np.ndarray, kind: int) -> int:
    """Reference of :func:`devo.snn.decoders.decode_discrete` (lexicographic keys)."""
    keys = []
    for k, i in enumerate(outputs):
        if kind == D.COUNT:
            keys.append((-int(st.count[i]), -float(st.v_acc[i]), k))
        else:
            f = int(st.first[i])
            keys.append((f if f >= 0 else 1 << 30, -float(st.v_acc[i]), k))
    return min(keys)[2]


def decode_continuous_reference(
    st: S.NetState, outputs: np.ndarray, kind: int, low: np.ndarray, high: np.ndarray, gain: float
) -> np.ndarray:
    """Reference of :func:`devo.snn.decoders.decode_continuous`."""
    t = float(max(st.meta[S.M_WINDOW], 1))
    n = len(low)
    if kind == D.COUNT_DIFF:
        a = (st.count[outputs[0 : 2 * n : 2]].astype(np.float64) - st.count[outputs[1 : 2 * n : 2]]) / t
    else:
        a = np.tanh(gain * st.v_acc[outputs[:n]].astype(np.float64) / t)
    a = np.clip(a, -1.0, 1.0)
    return low + (high - low) * (1.0 + a) * 0.5
