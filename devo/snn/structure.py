"""Structural edits as compiled kernels: add and remove synapses and neurons.

Every edit keeps these invariants (tests check them after random edit sequences):

- ``s_alive[s]`` iff slot ``s`` is listed exactly once in ``out_tab[src[s]]`` and in
  ``in_tab[dst[s]]``, at ``out_pos[s]`` and ``in_pos[s]``;
- every alive synapse joins two alive neurons and is allowed by the mask;
- at most one synapse per ordered pair; free slots are exactly the dead ones.

A full buffer refuses: the kernel returns ``ERR_FULL`` (or ``ERR_DEGREE``), counts the refusal
in ``meta[M_REFUSED]`` and changes nothing else. Nothing is ever overwritten.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.snn.mask import edge_allowed
from devo.snn.state import (
    ERR_DEAD,
    ERR_DEGREE,
    ERR_EXISTS,
    ERR_FORBIDDEN,
    ERR_FULL,
    ERR_RANGE,
    M_ALLOW_IO,
    M_NEU_HI,
    M_NFREE,
    M_NNEU,
    M_NSYN,
    M_REFUSED,
    M_SYN_HI,
    P_AINC,
    P_BETA,
    P_BIAS,
    P_RHO,
    P_THR,
    P_TREF,
    P_VRESET,
    NetState,
)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def find_synapse(net: NetState, i: int, j: int) -> int:
    """Slot of the synapse ``i -> j``, or -1. Scans the shorter of the two tables."""
    if net.out_n[i] <= net.in_n[j]:
        for k in range(net.out_n[i]):
            s = net.out_tab[i, k]
            if net.dst[s] == j:
                return s
    else:
        for k in range(net.in_n[j]):
            s = net.in_tab[j, k]
            if net.src[s] == i:
                return s
    return -1


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def add_synapse(net: NetState, i: int, j: int, w: float, e0: np.ndarray) -> int:
    """Add synapse ``i -> j`` with weight ``w`` and state ``e0`` (length ``e_dim``).

    Returns the slot (>= 0), or ERR_RANGE, ERR_DEAD, ERR_FORBIDDEN, ERR_EXISTS, ERR_FULL (no free
    slot) or ERR_DEGREE (``i``'s out-table or ``j``'s in-table is full). Eligibility and the plastic
    weight component start at 0.
    """
    n = net.alive.shape[0]
    if i < 0 or i >= n or j < 0 or j >= n:
        return ERR_RANGE
    if net.alive[i] == 0 or net.alive[j] == 0:
        return ERR_DEAD
    if not edge_allowed(net.kind[i], net.kind[j], i == j, net.meta[M_ALLOW_IO]):
        return ERR_FORBIDDEN
    if find_synapse(net, i, j) >= 0:
        return ERR_EXISTS
    if net.meta[M_NFREE] == 0:
        net.meta[M_REFUSED] += 1
        return ERR_FULL
    d = net.out_tab.shape[1]
    if net.out_n[i] >= d or net.in_n[j] >= d:
        net.meta[M_REFUSED] += 1
        return ERR_DEGREE
    top = net.meta[M_NFREE] - 1
    s = net.free[top]
    net.meta[M_NFREE] = top
    net.s_alive[s] = 1
    net.src[s] = i
    net.dst[s] = j
    net.w[s] = w
    net.elig[s] = 0.0
    net.hp[s] = 0.0
    for c in range(net.e.shape[1]):
        net.e[s, c] = e0[c]
    k = net.out_n[i]
    net.out_tab[i, k] = s
    net.out_pos[s] = k
    net.out_n[i] = k + 1
    k = net.in_n[j]
    net.in_tab[j, k] = s
    net.in_pos[s] = k
    net.in_n[j] = k + 1
    net.meta[M_NSYN] += 1
    if s + 1 > net.meta[M_SYN_HI]:
        net.meta[M_SYN_HI] = s + 1
    return s


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def remove_synapse(net: NetState, s: int) -> bool:
    """Remove the synapse in slot ``s``; False if ``s`` is out of range or not alive.

    The last entry of each adjacency table moves into the freed place (O(1)); the slot's weight,
    eligibility, plastic component and state are zeroed and the slot goes back on the free stack.
    """
    if s < 0 or s >= net.s_alive.shape[0] or net.s_alive[s] == 0:
        return False
    i = net.src[s]
    j = net.dst[s]
    # out-table of i: move the last entry into s's place
    k = net.out_pos[s]
    last = net.out_n[i] - 1
    moved = net.out_tab[i, last]
    net.out_tab[i, k] = moved
    net.out_pos[moved] = k
    net.out_tab[i, last] = -1
    net.out_n[i] = last
    # in-table of j
    k = net.in_pos[s]
    last = net.in_n[j] - 1
    moved = net.in_tab[j, last]
    net.in_tab[j, k] = moved
    net.in_pos[moved] = k
    net.in_tab[j, last] = -1
    net.in_n[j] = last
    net.s_alive[s] = 0
    net.src[s] = -1
    net.dst[s] = -1
    net.w[s] = 0.0
    net.elig[s] = 0.0
    net.hp[s] = 0.0
    for c in range(net.e.shape[1]):
        net.e[s, c] = 0.0
    net.out_pos[s] = -1
    net.in_pos[s] = -1
    net.free[net.meta[M_NFREE]] = s
    net.meta[M_NFREE] += 1
    net.meta[M_NSYN] -= 1
    return True


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def forget_activity(net: NetState, i: int) -> None:
    """Neuron ``i`` at rest: membrane at its reset potential; synaptic current, threshold
    adaptation, refractory count, spike, pre/post traces and rate estimate at zero."""
    net.v[i] = net.v_reset[i]
    net.i_syn[i] = 0.0
    net.adapt[i] = 0.0
    net.refr[i] = 0
    net.spike[i] = 0
    net.x_pre[i] = 0.0
    net.x_post[i] = 0.0
    net.rate[i] = 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def add_neuron(net: NetState, kind: int, x: float, y: float, params: np.ndarray) -> int:
    """Switch on the lowest dead neuron slot with ``kind``, position ``(x, y)`` and ``params``
    (packed ``P_*`` vector). Dynamic state, traces and ``h`` start at zero.

    Returns the neuron index, or ERR_FULL when every slot is alive (counted in ``M_REFUSED``).
    """
    n = net.alive.shape[0]
    i = -1
    for k in range(n):
        if net.alive[k] == 0:
            i = k
            break
    if i < 0:
        net.meta[M_REFUSED] += 1
        return ERR_FULL
    net.alive[i] = 1
    net.kind[i] = kind
    net.pos[i, 0] = x
    net.pos[i, 1] = y
    net.i_ext[i] = 0.0
    net.force[i] = 0
    net.count[i] = 0
    net.first[i] = -1
    net.v_acc[i] = 0.0
    net.beta[i] = params[P_BETA]
    net.thr[i] = params[P_THR]
    net.v_reset[i] = params[P_VRESET]
    net.t_ref[i] = np.int32(params[P_TREF])
    net.rho[i] = params[P_RHO]
    net.a_inc[i] = params[P_AINC]
    net.bias[i] = params[P_BIAS]
    forget_activity(net, i)
    for c in range(net.h.shape[0]):
        net.h[c, i] = 0.0
    net.meta[M_NNEU] += 1
    if i + 1 > net.meta[M_NEU_HI]:
        net.meta[M_NEU_HI] = i + 1
    return i


@njit(cache=True, error_model="numpy", _nrt=False)
def remove_neuron(net: NetState, i: int) -> bool:
    """Remove neuron ``i`` and every synapse that touches it; False if not alive or out of range."""
    if i < 0 or i >= net.alive.shape[0] or net.alive[i] == 0:
        return False
    while net.out_n[i] > 0:
        remove_synapse(net, net.out_tab[i, net.out_n[i] - 1])
    while net.in_n[i] > 0:
        remove_synapse(net, net.in_tab[i, net.in_n[i] - 1])
    net.alive[i] = 0
    net.spike[i] = 0
    net.force[i] = 0
    net.v[i] = 0.0
    net.i_syn[i] = 0.0
    net.i_ext[i] = 0.0
    net.x_pre[i] = 0.0
    net.x_post[i] = 0.0
    net.rate[i] = 0.0
    net.count[i] = 0
    net.first[i] = -1
    net.v_acc[i] = 0.0
    net.meta[M_NNEU] -= 1
    return True


@njit(cache=True, error_model="numpy")
def add_synapses(net: NetState, src: np.ndarray, dst: np.ndarray, w: np.ndarray, out: np.ndarray) -> int:
    """Add many synapses (zero state); ``out[k]`` receives each result code. Returns how many were added."""
    e0 = np.zeros(net.e.shape[1], np.float32)
    added = 0
    for k in range(src.shape[0]):
        r = add_synapse(net, src[k], dst[k], w[k], e0)
        out[k] = r
        if r >= 0:
            added += 1
    return added
