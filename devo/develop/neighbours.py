"""Spatial neighbourhoods: each neuron keeps its ``KN`` nearest allowed partners.

Synaptogenesis proposes partners from these lists, so a proposal costs O(1) instead of a scan of
every neuron. Neurons never move, so a list changes only when a neuron is born: the newborn gets
its own list (one scan) and enters the lists of the neurons it is nearer to than their farthest
entry (one pass, O(N * KN)). A list holds only partners the allowed-edge mask lets its owner
connect to, nearest first; ties keep the lower index first.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.develop.agent import Agent
from devo.snn.mask import edge_allowed
from devo.snn.state import M_ALLOW_IO, M_NEU_HI, NetState


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _insert(nbr: np.ndarray, nbr_d: np.ndarray, nbr_n: np.ndarray, i: int, j: int, d: np.float32) -> None:
    """Insert ``j`` at distance ``d`` into ``i``'s sorted list if it belongs there."""
    kn = nbr.shape[1]
    m = nbr_n[i]
    if m == kn and d >= nbr_d[i, m - 1]:
        return
    p = m if m < kn else kn - 1
    while p > 0 and nbr_d[i, p - 1] > d:
        if p < kn:
            nbr[i, p] = nbr[i, p - 1]
            nbr_d[i, p] = nbr_d[i, p - 1]
        p -= 1
    nbr[i, p] = j
    nbr_d[i, p] = d
    if m < kn:
        nbr_n[i] = m + 1


@njit(cache=True, error_model="numpy", _nrt=False)
def build_list(net: NetState, ag: Agent, i: int) -> None:
    """Rebuild neuron ``i``'s list from a scan of every alive neuron."""
    nbr, nbr_d, nbr_n = ag.nbr, ag.nbr_d, ag.nbr_n
    alive, kind, pos = net.alive, net.kind, net.pos
    allow_io = net.meta[M_ALLOW_IO]
    nbr_n[i] = 0
    xi = pos[i, 0]
    yi = pos[i, 1]
    ki = kind[i]
    for j in range(net.meta[M_NEU_HI]):
        if alive[j] == 0 or not edge_allowed(ki, kind[j], i == j, allow_io):
            continue
        dx = pos[j, 0] - xi
        dy = pos[j, 1] - yi
        _insert(nbr, nbr_d, nbr_n, i, j, dx * dx + dy * dy)


@njit(cache=True, error_model="numpy", _nrt=False)
def rebuild_all(net: NetState, ag: Agent) -> None:
    for i in range(net.meta[M_NEU_HI]):
        if net.alive[i] != 0:
            build_list(net, ag, i)
        else:
            ag.nbr_n[i] = 0


@njit(cache=True, error_model="numpy", _nrt=False)
def neuron_born(net: NetState, ag: Agent, c: int) -> None:
    """Update the lists after neuron ``c`` became alive."""
    build_list(net, ag, c)
    nbr, nbr_d, nbr_n = ag.nbr, ag.nbr_d, ag.nbr_n
    alive, kind, pos = net.alive, net.kind, net.pos
    allow_io = net.meta[M_ALLOW_IO]
    kc = kind[c]
    xc = pos[c, 0]
    yc = pos[c, 1]
    for i in range(net.meta[M_NEU_HI]):
        if i == c or alive[i] == 0 or not edge_allowed(kind[i], kc, False, allow_io):
            continue
        dx = pos[i, 0] - xc
        dy = pos[i, 1] - yc
        _insert(nbr, nbr_d, nbr_n, i, c, dx * dx + dy * dy)
