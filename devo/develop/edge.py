r"""Synaptic plasticity: how a synapse's state and weight change, per plasticity family.

**learned** (default). Per-neuron projections are computed once, then combined per synapse
``i -> j`` with its state :math:`e_{ij} \in \mathbb{R}^E`, eligibility :math:`\varepsilon_{ij}`,
traces and the modulator :math:`m` -- a few dozen flops per synapse:

.. math::

    a_i &= A h_i + b + D_{:,2}\, x^{pre}_i, \qquad b_j = B h_j + D_{:,3}\, x^{post}_j + D_{:,4}\, m \\
    u_{ij} &= a_i + b_j + (A' h_i) \odot (B' h_j) + C e_{ij} + (D_{:,0}\, m + D_{:,1})\, \varepsilon_{ij} \\
    e_{ij} &\leftarrow e_{ij} + \lambda \odot (\mathrm{softsign}(u_{ij}) - e_{ij}),
        \quad \lambda = \sigma(\rho_{life}) \text{ or } \sigma(\rho_{dev}) \\
    w_{ij} &= w_{max}\, g_{t(ij)}\, e_{ij,0}

with :math:`g_t` an evolved gain per synapse type :math:`t` (input->hidden, hidden->hidden,
hidden->output, input->output), so the state stays in (-1, 1) and the weight is a bounded read-out
of its first component. The rate has its own logit while developing and in the lifetime; the
lifetime logit starts low, so at the search's start a lifetime keeps the weights development made
and evolution turns learning up where it pays. The
bilinear term lets a synapse's fate depend on *which* pre and post neurons it joins (input 2 to
output 0, say) and not only on each side separately: with a sum alone, every presynaptic neuron
would favour the same postsynaptic one.

**rstdp** (reward-modulated STDP, evolved global coefficients :math:`\eta_m, \eta_0, \delta`):

.. math::

    w_{ij} \leftarrow \mathrm{clip}(w_{ij} + \eta_m\, m\, \varepsilon_{ij} + \eta_0\, \varepsilon_{ij}
        - \delta\, w_{ij},\; \pm w_{max})

With :math:`\eta_0 = \delta = 0` a weight changes only where pre/post activity (eligibility) and a
non-zero modulator coincide.

**hebbian** (evolved ABCD rule per synapse type: input->hidden, hidden->hidden, hidden->output,
input->output), with pre/post activity the spike counts of the last window divided by ``K``:

.. math::

    w_{ij} \leftarrow \mathrm{clip}(w_{ij} + \eta_t (A_t\, \mathrm{pre}\, \mathrm{post}
        + B_t\, \mathrm{pre} + C_t\, \mathrm{post} + D_t),\; \pm w_{max})

**frozen** changes nothing after development.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.develop.agent import C_TICKS, F_WMAX, MS_M, Agent, developing
from devo.develop.mathx import softsign
from devo.develop.rules import E_DIM, H_DIM, Rules
from devo.snn.state import HIDDEN, INPUT, M_NEU_HI, M_SYN_HI, OUTPUT, NetState


@njit(cache=True)
def edge_rule(net: NetState, ag: Agent, R: Rules, eu: np.ndarray) -> None:
    """The learned rule on every alive synapse; ``eu`` is float32[E, S] scratch.

    Written as passes over the synapse slots (one per term), so each pass vectorises; dead slots
    are computed too and zeroed at the end (their src/dst of -1 read a valid neuron row).
    """
    n = net.meta[M_NEU_HI]
    syn_hi = net.meta[M_SYN_HI]
    h, e, w = net.h, net.e, net.w
    H, E = H_DIM, E_DIM
    pa, pb, pa2, pb2 = ag.pa, ag.pb, ag.pa2, ag.pb2
    x_pre, x_post = net.x_pre, net.x_post
    ea, eb, ec, ed, ebias, erate = R.edge_a, R.edge_b, R.edge_c, R.edge_d, R.edge_bias, R.edge_rate
    ea2, eb2 = R.edge_a2, R.edge_b2
    m = np.float32(ag.ms[MS_M])
    wmax = np.float32(ag.cf[F_WMAX])
    # per-neuron projections
    for c in range(E):
        pac = pa[c]
        pbc = pb[c]
        pa2c = pa2[c]
        pb2c = pb2[c]
        bc = ebias[c]
        dpre = ed[c, 2]
        dpost = ed[c, 3]
        dm = ed[c, 4] * m
        for i in range(n):
            pac[i] = bc + dpre * x_pre[i]
            pbc[i] = dm + dpost * x_post[i]
            pa2c[i] = np.float32(0.0)
            pb2c[i] = np.float32(0.0)
        for k in range(H):
            ak = ea[c, k]
            bk = eb[c, k]
            a2k = ea2[c, k]
            b2k = eb2[c, k]
            hk = h[k]
            for i in range(n):
                pac[i] += ak * hk[i]
                pbc[i] += bk * hk[i]
                pa2c[i] += a2k * hk[i]
                pb2c[i] += b2k * hk[i]
    # per synapse: u = a_src + b_dst + a2_src * b2_dst + ge * elig + C e
    src, dst, elig, alive = net.src, net.dst, net.elig, net.s_alive
    for c in range(E):
        euc = eu[c]
        pac = pa[c]
        pbc = pb[c]
        pa2c = pa2[c]
        pb2c = pb2[c]
        ge = ed[c, 0] * m + ed[c, 1]
        for s in range(syn_hi):
            i = src[s]
            j = dst[s]
            euc[s] = pac[i] + pbc[j] + pa2c[i] * pb2c[j] + ge * elig[s]
        for k in range(E):
            ck = ec[c, k]
            ek = e[k]
            for s in range(syn_hi):
                euc[s] += ck * ek[s]
    f0 = np.float32(0.0)
    row = 1 if developing(ag) else 0
    for c in range(E):
        lam = np.float32(1.0 / (1.0 + math.exp(-float(erate[row, c]))))
        euc = eu[c]
        ecc = e[c]
        for s in range(syn_hi):
            v = ecc[s] + lam * (softsign(euc[s]) - ecc[s])
            ecc[s] = v if alive[s] != 0 else f0
    e0 = e[0]
    kind, gain = net.kind, R.syn_gain
    for s in range(syn_hi):  # dead slots: e0 = 0, and src/dst = -1 read a valid row
        w[s] = wmax * gain[3 * kind[src[s]] + kind[dst[s]]] * e0[s]


@njit(cache=True)
def rstdp_rule(net: NetState, ag: Agent, R: Rules) -> None:
    """Reward-modulated STDP on the weights (see module docstring)."""
    m = np.float32(ag.ms[1])
    wmax = np.float32(ag.cf[F_WMAX])
    eta_m = R.rstdp[0] * m + R.rstdp[1]
    decay = R.rstdp[2]
    w, elig, alive = net.w, net.elig, net.s_alive
    for s in range(net.meta[M_SYN_HI]):
        if alive[s] == 0:
            continue
        v = w[s] + eta_m * elig[s] - decay * w[s]
        w[s] = min(max(v, -wmax), wmax)


@njit(cache=True, inline="always")
def synapse_type(kind_src: int, kind_dst: int) -> int:
    """0 input->hidden, 1 hidden->hidden, 2 hidden->output, 3 input->output."""
    if kind_src == INPUT:
        return 3 if kind_dst == OUTPUT else 0
    if kind_dst == HIDDEN:
        return 1
    return 2


@njit(cache=True)
def hebbian_rule(net: NetState, ag: Agent, R: Rules) -> None:
    """The ABCD rule per synapse type on the weights (see module docstring)."""
    wmax = np.float32(ag.cf[F_WMAX])
    inv_k = np.float32(1.0 / ag.ci[C_TICKS])
    w, alive, src, dst, kind, count = net.w, net.s_alive, net.src, net.dst, net.kind, net.count
    for s in range(net.meta[M_SYN_HI]):
        if alive[s] == 0:
            continue
        i = src[s]
        j = dst[s]
        t = synapse_type(kind[i], kind[j])
        pre = np.float32(count[i]) * inv_k
        post = np.float32(count[j]) * inv_k
        dw = R.hebb[t, 0] * (R.hebb[t, 1] * pre * post + R.hebb[t, 2] * pre + R.hebb[t, 3] * post + R.hebb[t, 4])
        v = w[s] + dw
        w[s] = min(max(v, -wmax), wmax)
