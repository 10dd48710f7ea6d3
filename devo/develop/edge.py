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

assert E_DIM == 4, "edge_rule's per-synapse body is written out for E = 4 synapse-state components"


@njit(cache=True, error_model="numpy", _nrt=False)
def edge_rule(net: NetState, ag: Agent, R: Rules) -> None:
    """The learned rule on every synapse slot (see module docstring).

    The per-neuron projections go into rows (``ag.pre[i] = [a_i, a'_i]``, ``ag.post[j] = [b_j,
    b'_j]``), so a synapse gathers two rows and loads its state ``e[s]`` in one 16-byte row; the
    per-synapse body is written out for ``E = 4`` so LLVM packs the four components into one SIMD
    register. Dead slots are zeroed (their src/dst of -1 read a valid neuron row).
    """
    n = net.meta[M_NEU_HI]
    syn_hi = net.meta[M_SYN_HI]
    h, e, w = net.h, net.e, net.w
    E = E_DIM
    pre, post = ag.pre, ag.post
    x_pre, x_post = net.x_pre, net.x_post
    ea, eb, ec, ed, ebias, erate = R.edge_a, R.edge_b, R.edge_c, R.edge_d, R.edge_bias, R.edge_rate
    ea2, eb2 = R.edge_a2, R.edge_b2
    m = np.float32(ag.ms[MS_M])
    wmax = np.float32(ag.cf[F_WMAX])
    f0 = np.float32(0.0)
    # per-neuron projections, one row per neuron
    for i in range(n):
        xa = x_pre[i]
        xb = x_post[i]
        pi = pre[i]
        qi = post[i]
        for c in range(E):
            a = ebias[c] + ed[c, 2] * xa
            b = ed[c, 4] * m + ed[c, 3] * xb
            a2 = f0
            b2 = f0
            for k in range(H_DIM):
                hk = h[k, i]
                a += ea[c, k] * hk
                b += eb[c, k] * hk
                a2 += ea2[c, k] * hk
                b2 += eb2[c, k] * hk
            pi[c] = a
            qi[c] = b
            pi[E + c] = a2
            qi[E + c] = b2
    # per synapse: u = a_i + b_j + a'_i * b'_j + g * elig + C e, then the relaxation and the weight
    row = 1 if developing(ag) else 0
    l0 = _rate(erate[row, 0])
    l1 = _rate(erate[row, 1])
    l2 = _rate(erate[row, 2])
    l3 = _rate(erate[row, 3])
    g0 = ed[0, 0] * m + ed[0, 1]
    g1 = ed[1, 0] * m + ed[1, 1]
    g2 = ed[2, 0] * m + ed[2, 1]
    g3 = ed[3, 0] * m + ed[3, 1]
    c00, c01, c02, c03 = ec[0, 0], ec[0, 1], ec[0, 2], ec[0, 3]
    c10, c11, c12, c13 = ec[1, 0], ec[1, 1], ec[1, 2], ec[1, 3]
    c20, c21, c22, c23 = ec[2, 0], ec[2, 1], ec[2, 2], ec[2, 3]
    c30, c31, c32, c33 = ec[3, 0], ec[3, 1], ec[3, 2], ec[3, 3]
    src, dst, elig, alive, kind, gain = net.src, net.dst, net.elig, net.s_alive, net.kind, R.syn_gain
    for s in range(syn_hi):
        i = src[s]
        j = dst[s]
        el = elig[s]
        x = e[s]
        a = pre[i]
        b = post[j]
        x0 = x[0]
        x1 = x[1]
        x2 = x[2]
        x3 = x[3]
        u0 = a[0] + b[0] + a[4] * b[4] + g0 * el + c00 * x0 + c01 * x1 + c02 * x2 + c03 * x3
        u1 = a[1] + b[1] + a[5] * b[5] + g1 * el + c10 * x0 + c11 * x1 + c12 * x2 + c13 * x3
        u2 = a[2] + b[2] + a[6] * b[6] + g2 * el + c20 * x0 + c21 * x1 + c22 * x2 + c23 * x3
        u3 = a[3] + b[3] + a[7] * b[7] + g3 * el + c30 * x0 + c31 * x1 + c32 * x2 + c33 * x3
        n0 = x0 + l0 * (softsign(u0) - x0)
        n1 = x1 + l1 * (softsign(u1) - x1)
        n2 = x2 + l2 * (softsign(u2) - x2)
        n3 = x3 + l3 * (softsign(u3) - x3)
        if alive[s] == 0:
            n0 = f0
            n1 = f0
            n2 = f0
            n3 = f0
        x[0] = n0
        x[1] = n1
        x[2] = n2
        x[3] = n3
        w[s] = wmax * gain[3 * kind[i] + kind[j]] * n0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _rate(logit: np.float32) -> np.float32:
    return np.float32(1.0 / (1.0 + math.exp(-float(logit))))


@njit(cache=True, error_model="numpy", _nrt=False)
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


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def synapse_type(kind_src: int, kind_dst: int) -> int:
    """0 input->hidden, 1 hidden->hidden, 2 hidden->output, 3 input->output."""
    if kind_src == INPUT:
        return 3 if kind_dst == OUTPUT else 0
    if kind_dst == HIDDEN:
        return 1
    return 2


@njit(cache=True, error_model="numpy", _nrt=False)
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
