"""Put a used network back to the state :func:`devo.snn.state.allocate` gives, in place.

A worker lives many lifetimes on one preallocated :class:`~devo.snn.state.NetState`; between two
lifetimes :func:`reset_network` restores every array, entry for entry, to a fresh allocation
(tests compare the two), keeping only the constants set once per evaluator: ``tp`` and
``meta[M_ALLOW_IO]``. It touches only what a lifetime can have written:

- every per-neuron array in full (``max_neurons`` entries, a few hundred bytes each);
- synapse slots below ``meta[M_SYN_HI]`` (no kernel writes a slot above the highest one used);
- in each adjacency row, the entries below its count (a removal writes -1 behind the last entry,
  so entries at or beyond the count are always -1);
- the free-slot stack in full (``free[p] = S - 1 - p``).

So the cost is proportional to what was used, not to the capacity.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.snn.state import HIDDEN, M_ALLOW_IO, M_NFREE, M_SYN_HI, NetState


@njit(cache=True, error_model="numpy", _nrt=False)
def reset_network(net: NetState) -> None:
    """``net`` as :func:`~devo.snn.state.allocate` returns it (same capacities, ``tp`` and
    ``allow_input_output`` kept)."""
    n = net.alive.shape[0]
    f0 = np.float32(0.0)
    for i in range(n):
        net.alive[i] = 0
        net.kind[i] = HIDDEN
        net.pos[i, 0] = f0
        net.pos[i, 1] = f0
        net.v[i] = f0
        net.i_syn[i] = 0.0
        net.i_ext[i] = f0
        net.force[i] = 0
        net.adapt[i] = f0
        net.refr[i] = 0
        net.spike[i] = 0
        net.spiked[i] = 0
        net.x_pre[i] = f0
        net.x_post[i] = f0
        net.rate[i] = f0
        net.count[i] = 0
        net.first[i] = -1
        net.v_acc[i] = f0
        net.beta[i] = f0
        net.thr[i] = np.float32(1.0)
        net.v_reset[i] = f0
        net.t_ref[i] = 0
        net.rho[i] = f0
        net.a_inc[i] = f0
        net.bias[i] = f0
        for k in range(net.out_n[i]):
            net.out_tab[i, k] = -1
        for k in range(net.in_n[i]):
            net.in_tab[i, k] = -1
        net.out_n[i] = 0
        net.in_n[i] = 0
    for c in range(net.h.shape[0]):
        for i in range(n):
            net.h[c, i] = f0
    for s in range(net.meta[M_SYN_HI]):
        net.s_alive[s] = 0
        net.src[s] = -1
        net.dst[s] = -1
        net.w[s] = f0
        net.elig[s] = f0
        net.hp[s] = f0
        for c in range(net.e.shape[1]):
            net.e[s, c] = f0
        net.out_pos[s] = -1
        net.in_pos[s] = -1
    total = net.free.shape[0]
    for p in range(total):
        net.free[p] = total - 1 - p
    allow_io = net.meta[M_ALLOW_IO]
    for k in range(net.meta.shape[0]):
        net.meta[k] = 0
    net.meta[M_NFREE] = total
    net.meta[M_ALLOW_IO] = allow_io
