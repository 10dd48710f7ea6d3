r"""One simulation tick: (adaptive) LIF neurons, event-driven transmission, traces, eligibility.

For every alive neuron ``i`` at tick ``t`` (constants per neuron: leak beta, threshold theta,
reset v_r, refractory period t_ref, adaptation decay rho and jump alpha, bias b):

.. math::

    v_i[t] &= \beta_i v_i[t-1] + I_i[t] + I^{ext}_i[t] + b_i
        \quad\text{(held at } v_{r,i} \text{ while refractory)} \\
    s_i[t] &= \mathbb{1}[v_i[t] \ge \vartheta_i + a_i[t-1]] \text{ or forced by an encoder} \\
    \text{on a spike: } & v_i \leftarrow v_{r,i},\ \text{refractory for } t_{ref,i}
        \text{ ticks} \\
    a_i[t] &= \rho_i \, (a_i[t-1] + \alpha_i s_i[t])
        \quad\text{(threshold adaptation; } \alpha_i = 0 \text{ is plain LIF)}

Transmission is event-driven over alive synapses: only neurons that spiked push current, along
their out-table, and it arrives one tick later (``lambda = T_D_SYN``; 0 gives delta synapses):

.. math::

    I_j[t+1] = \lambda I_j[t] + \sum_{i \to j} w_{ij} s_i[t]

With traces on, per neuron (decays ``d = exp(-1/tau)``) and per synapse ``i -> j``, in this order:

.. math::

    \hat x^{pre}_i &= d_{pre} x^{pre}_i[t-1], \quad \hat x^{post}_j = d_{post} x^{post}_j[t-1] \\
    \varepsilon_{ij}[t] &= d_e \varepsilon_{ij}[t-1] - A_- \hat x^{post}_j s_i[t]
        + A_+ \hat x^{pre}_i s_j[t] \\
    x^{pre}_i[t] &= \hat x^{pre}_i + s_i[t], \quad x^{post}_i[t] = \hat x^{post}_i + s_i[t] \\
    \nu_i[t] &= d_\nu \nu_i[t-1] + (1 - d_\nu) s_i[t]

so eligibility grows when a presynaptic spike precedes a postsynaptic one (pair-based STDP,
all-to-all pairing through the traces) and shrinks for the reverse order. The eligibility decay
touches every used slot (a vectorised pass); the additive terms touch only synapses of neurons
that spiked. The read-out window accumulates spike counts, first-spike ticks and the pre-reset
membrane potential for decoders.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.snn.encoders import apply_drive
from devo.snn.state import (
    M_NEU_HI,
    M_NSPIKED,
    M_SYN_HI,
    M_TICK,
    M_WINDOW,
    T_A_MINUS,
    T_A_PLUS,
    T_D_ELIG,
    T_D_POST,
    T_D_PRE,
    T_D_RATE,
    T_D_SYN,
    NetState,
)
from devo.snn.structure import forget_activity

# The phases take explicit arrays and are inlined into callers that unpack a NetState once:
# taking the arrays out of the NetState inside a tick loop costs more than a small network's tick.
# (Each phase stays under 31 arguments: numba cannot inline calls with more.)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def neuron_phase(
    alive, v, i_syn, i_ext, force, adapt, refr, spike, spiked, count, first, v_acc, beta, thr,
    v_reset, t_ref, rho, a_inc, bias, meta,
):
    """Membrane, threshold, reset and adaptation of every alive neuron; returns spike count."""
    n_hi = meta[M_NEU_HI]
    win = meta[M_WINDOW]
    nsp = 0
    for i in range(n_hi):
        if alive[i] == 0:
            spike[i] = 0
            continue
        vi = v[i]
        fire = False
        if force[i] != 0:
            fire = True
            force[i] = 0
        elif refr[i] > 0:
            refr[i] -= 1
            vi = v_reset[i]
        else:
            vi = beta[i] * vi + np.float32(i_syn[i]) + i_ext[i] + bias[i]
            fire = vi >= thr[i] + adapt[i]
        v_acc[i] += vi
        a = adapt[i]
        if fire:
            vi = v_reset[i]
            refr[i] = t_ref[i]
            a += a_inc[i]
            spike[i] = 1
            spiked[nsp] = i
            nsp += 1
            count[i] += 1
            if first[i] < 0:
                first[i] = win
        else:
            spike[i] = 0
        adapt[i] = rho[i] * a
        v[i] = vi
    meta[M_NSPIKED] = nsp
    return nsp


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def synapse_phase(
    nsp, i_syn, spike, spiked, x_pre, x_post, rate, src, dst, w, elig, out_tab, out_n, in_tab,
    in_n, meta, tp, traces,
):
    """Current decay, transmission, and (with ``traces``) traces and eligibility."""
    n_hi = meta[M_NEU_HI]
    d_syn = np.float64(tp[T_D_SYN])
    if d_syn == 0.0:
        for i in range(n_hi):
            i_syn[i] = 0.0
    else:
        for i in range(n_hi):
            i_syn[i] *= d_syn
    if traces:
        d_pre = tp[T_D_PRE]
        d_post = tp[T_D_POST]
        for i in range(n_hi):
            x_pre[i] *= d_pre
            x_post[i] *= d_post
        d_e = tp[T_D_ELIG]
        for s in range(meta[M_SYN_HI]):
            elig[s] *= d_e
        # transmission along the out-tables of spiking neurons, with depression (post, then pre)
        a_minus = tp[T_A_MINUS]
        for k in range(nsp):
            i = spiked[k]
            for q in range(out_n[i]):
                s = out_tab[i, q]
                j = dst[s]
                i_syn[j] += w[s]
                elig[s] -= a_minus * x_post[j]
        # potentiation along the in-tables of spiking neurons (pre, then post)
        a_plus = tp[T_A_PLUS]
        for k in range(nsp):
            j = spiked[k]
            for q in range(in_n[j]):
                s = in_tab[j, q]
                elig[s] += a_plus * x_pre[src[s]]
        # spikes enter the traces; slow rate estimate
        d_rate = tp[T_D_RATE]
        one_m = np.float32(1.0) - d_rate
        for i in range(n_hi):
            si = np.float32(spike[i])
            x_pre[i] += si
            x_post[i] += si
            rate[i] = d_rate * rate[i] + one_m * si
    else:
        for k in range(nsp):
            i = spiked[k]
            for q in range(out_n[i]):
                s = out_tab[i, q]
                i_syn[dst[s]] += w[s]
    meta[M_TICK] += 1
    meta[M_WINDOW] += 1


@njit(cache=True, error_model="numpy", _nrt=False)
def run_ticks(net: NetState, n_ticks: int, traces: bool) -> int:
    """``n_ticks`` ticks in one compiled call; returns the total number of spikes."""
    alive, v, i_syn, i_ext, force = net.alive, net.v, net.i_syn, net.i_ext, net.force
    adapt, refr, spike, spiked = net.adapt, net.refr, net.spike, net.spiked
    x_pre, x_post, rate = net.x_pre, net.x_post, net.rate
    count, first, v_acc = net.count, net.first, net.v_acc
    beta, thr, v_reset, t_ref = net.beta, net.thr, net.v_reset, net.t_ref
    rho, a_inc, bias = net.rho, net.a_inc, net.bias
    src, dst, w, elig = net.src, net.dst, net.w, net.elig
    out_tab, out_n, in_tab, in_n = net.out_tab, net.out_n, net.in_tab, net.in_n
    meta, tp = net.meta, net.tp
    total = 0
    for _ in range(n_ticks):
        nsp = neuron_phase(
            alive, v, i_syn, i_ext, force, adapt, refr, spike, spiked, count, first, v_acc, beta,
            thr, v_reset, t_ref, rho, a_inc, bias, meta,
        )
        synapse_phase(
            nsp, i_syn, spike, spiked, x_pre, x_post, rate, src, dst, w, elig, out_tab, out_n,
            in_tab, in_n, meta, tp, traces,
        )
        total += nsp
    return total


@njit(cache=True, error_model="numpy", _nrt=False)
def run_step(
    net: NetState,
    n_ticks: int,
    traces: bool,
    inputs: np.ndarray,
    drive: np.ndarray,
    enc_kind: int,
    enc_params: np.ndarray,
    rng: np.ndarray,
    raster: np.ndarray,
    raster_row: int,
) -> int:
    """One env step of the substrate: clear the read-out window, then ``n_ticks`` ticks, each
    preceded by the encoder's drive of the ``inputs`` (:func:`devo.snn.encoders.apply_drive`).

    If ``0 <= raster_row`` and the rows fit, tick ``t``'s spikes go to ``raster[raster_row + t]``
    (uint8[rows, max_neurons]; pass a (0, N) array to record nothing). Returns the number of spikes.
    """
    alive, v, i_syn, i_ext, force = net.alive, net.v, net.i_syn, net.i_ext, net.force
    adapt, refr, spike, spiked = net.adapt, net.refr, net.spike, net.spiked
    x_pre, x_post, rate = net.x_pre, net.x_post, net.rate
    count, first, v_acc = net.count, net.first, net.v_acc
    beta, thr, v_reset, t_ref = net.beta, net.thr, net.v_reset, net.t_ref
    rho, a_inc, bias = net.rho, net.a_inc, net.bias
    src, dst, w, elig = net.src, net.dst, net.w, net.elig
    out_tab, out_n, in_tab, in_n = net.out_tab, net.out_n, net.in_tab, net.in_n
    meta, tp = net.meta, net.tp
    for i in range(meta[M_NEU_HI]):
        count[i] = 0
        first[i] = -1
        v_acc[i] = 0.0
    meta[M_WINDOW] = 0
    total = 0
    for t in range(n_ticks):
        apply_drive(i_ext, force, inputs, drive, enc_kind, enc_params, t, n_ticks, rng)
        nsp = neuron_phase(
            alive, v, i_syn, i_ext, force, adapt, refr, spike, spiked, count, first, v_acc, beta,
            thr, v_reset, t_ref, rho, a_inc, bias, meta,
        )
        synapse_phase(
            nsp, i_syn, spike, spiked, x_pre, x_post, rate, src, dst, w, elig, out_tab, out_n,
            in_tab, in_n, meta, tp, traces,
        )
        total += nsp
        row = raster_row + t
        if raster_row >= 0 and row < raster.shape[0]:
            for k in range(nsp):
                raster[row, spiked[k]] = 1
    return total


@njit(cache=True, error_model="numpy", _nrt=False)
def tick(net: NetState, traces: bool) -> int:
    """Advance the network one tick; returns the number of neurons that spiked.

    ``traces=False`` runs neurons and transmission only; ``True`` adds traces and eligibility.
    """
    return run_ticks(net, 1, traces)


@njit(cache=True, error_model="numpy", _nrt=False)
def clear_window(net: NetState) -> None:
    """Start a new read-out window: zero spike counts and membrane sums, forget first spikes."""
    for i in range(net.meta[M_NEU_HI]):
        net.count[i] = 0
        net.first[i] = -1
        net.v_acc[i] = 0.0
    net.meta[M_WINDOW] = 0


@njit(cache=True, error_model="numpy", _nrt=False)
def reset_activity(net: NetState) -> None:
    """Forget all activity, keep every synapse: membrane potentials to the reset potential,
    synaptic currents, threshold adaptation, refractory counts, spikes, the pre/post traces, the
    firing-rate estimate and the eligibility traces to zero (LNDP's network restarts each env step
    from zero activity; ``lifetime.activity_reset``). Weights, synapse states and the plastic
    weight component are untouched, so any memory across the boundary lives in synapses."""
    for i in range(net.meta[M_NEU_HI]):
        forget_activity(net, i)
    for s in range(net.meta[M_SYN_HI]):
        net.elig[s] = 0.0
    net.meta[M_NSPIKED] = 0
