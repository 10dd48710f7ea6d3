r"""Node rule: every neuron updates its developmental state with one shared GRU.

Messages are aggregated over actual synapses (sparse, through each neuron's in- and out-table),
not over all N^2 pairs. The message size is fixed at 4 (``MSG_DIM``). With
:math:`\mu_j = \mathrm{softsign}(W_\mu h_j + b_\mu)` the message neuron ``j`` sends, the input of
neuron ``i`` is

.. math::

    x_i = \Big[\tfrac{1}{\max(1, d^{in}_i)} \sum_{j \to i} w_{ji} \mu_j,\;
               \tfrac{1}{\max(1, d^{out}_i)} \sum_{i \to k} w_{ik} \mu_k,\;
               10\,\nu_i,\; c_i / K,\; \mathrm{onehot}(\mathrm{kind}_i),\;
               \tfrac{d^{in}_i}{d^{in}_i + 4},\; \tfrac{d^{out}_i}{d^{out}_i + 4},\;
               m,\; p_i,\; \mathbb{1}[\text{developing}]\Big]

(firing-rate estimate :math:`\nu`, spikes in the last window :math:`c`, modulator :math:`m`,
position :math:`p`), and the GRU (gates ``g(x) = (1 + softsign(x))/2``) is

.. math::

    z &= g(W_z x + U_z h + b_z), \quad r = g(W_r x + U_r h + b_r) \\
    n &= \mathrm{softsign}(W_n x + b_n + r \odot (U_n h)) \\
    h &\leftarrow (1 - z) \odot h + z \odot n

Loops run over neurons innermost (state is structure-of-arrays), so they vectorise.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.develop.agent import C_TICKS, MS_M, Agent, developing
from devo.develop.mathx import gate, softsign
from devo.develop.rules import (
    MSG_DIM,
    X_COUNT,
    X_DEG_IN,
    X_DEG_OUT,
    X_DEV,
    X_KIND,
    X_MIN,
    X_MOD,
    X_MOUT,
    X_POS,
    X_RATE,
    Rules,
)
from devo.snn.state import M_NEU_HI, NetState


@njit(cache=True)
def node_rule(net: NetState, ag: Agent, R: Rules) -> None:
    """One node-rule update of every alive neuron (see module docstring)."""
    n = net.meta[M_NEU_HI]
    h = net.h
    H = h.shape[0]
    mu = ag.mu
    x = ag.xin
    g = ag.gates
    X = x.shape[0]
    f0 = np.float32(0.0)
    one = np.float32(1.0)
    msg_w, msg_b = R.msg_w, R.msg_b
    alive, kind, pos, rate, count = net.alive, net.kind, net.pos, net.rate, net.count
    src, dst, w = net.src, net.dst, net.w
    in_tab, in_n, out_tab, out_n = net.in_tab, net.in_n, net.out_tab, net.out_n
    # 1. messages mu = softsign(W h + b)
    for m in range(MSG_DIM):
        mm = mu[m]
        b = msg_b[m]
        for i in range(n):
            mm[i] = b
        for k in range(H):
            wk = msg_w[m, k]
            hk = h[k]
            for i in range(n):
                mm[i] += wk * hk[i]
        for i in range(n):
            mm[i] = softsign(mm[i])
    # 2. inputs: mean weighted messages over the in- and out-tables (gathers, no scatter)
    inv_k = np.float32(1.0 / ag.ci[C_TICKS])
    mod = np.float32(ag.ms[MS_M])
    dev = one if developing(ag) else f0
    four = np.float32(4.0)
    for i in range(n):
        for r in range(X):
            x[r, i] = f0
        if alive[i] == 0:
            continue
        din = in_n[i]
        dout = out_n[i]
        a0 = f0
        a1 = f0
        a2 = f0
        a3 = f0
        for q in range(din):
            s = in_tab[i, q]
            j = src[s]
            ws = w[s]
            a0 += ws * mu[0, j]
            a1 += ws * mu[1, j]
            a2 += ws * mu[2, j]
            a3 += ws * mu[3, j]
        inv = one / max(np.float32(din), one)
        x[X_MIN, i] = a0 * inv
        x[X_MIN + 1, i] = a1 * inv
        x[X_MIN + 2, i] = a2 * inv
        x[X_MIN + 3, i] = a3 * inv
        a0 = f0
        a1 = f0
        a2 = f0
        a3 = f0
        for q in range(dout):
            s = out_tab[i, q]
            j = dst[s]
            ws = w[s]
            a0 += ws * mu[0, j]
            a1 += ws * mu[1, j]
            a2 += ws * mu[2, j]
            a3 += ws * mu[3, j]
        inv = one / max(np.float32(dout), one)
        x[X_MOUT, i] = a0 * inv
        x[X_MOUT + 1, i] = a1 * inv
        x[X_MOUT + 2, i] = a2 * inv
        x[X_MOUT + 3, i] = a3 * inv
        fin = np.float32(din)
        fout = np.float32(dout)
        x[X_RATE, i] = np.float32(10.0) * rate[i]
        x[X_COUNT, i] = np.float32(count[i]) * inv_k
        x[X_KIND + kind[i], i] = one
        x[X_DEG_IN, i] = fin / (fin + four)
        x[X_DEG_OUT, i] = fout / (fout + four)
        x[X_MOD, i] = mod
        x[X_POS, i] = pos[i, 0]
        x[X_POS + 1, i] = pos[i, 1]
        x[X_DEV, i] = dev
    # 3. GRU pre-activations: g = b + Wx x (+ U h for the update and reset gates)
    wx, uh, gb = R.gru_wx, R.gru_uh, R.gru_b
    for o in range(3 * H):
        go = g[o]
        bo = gb[o]
        for i in range(n):
            go[i] = bo
        for k in range(X):
            wk = wx[o, k]
            if wk != f0:
                xk = x[k]
                for i in range(n):
                    go[i] += wk * xk[i]
        if o < 2 * H:
            for k in range(H):
                uk = uh[o, k]
                hk = h[k]
                for i in range(n):
                    go[i] += uk * hk[i]
    # reset gate applied to U_n h, then the candidate and the blend
    for o in range(H):
        gr = g[H + o]
        for i in range(n):
            gr[i] = gate(gr[i])
    for o in range(H):
        gn = g[2 * H + o]
        gr = g[H + o]
        for k in range(H):
            uk = uh[2 * H + o, k]
            hk = h[k]
            for i in range(n):
                gn[i] += gr[i] * (uk * hk[i])
    for o in range(H):
        gz = g[o]
        gn = g[2 * H + o]
        ho = h[o]
        for i in range(n):
            z = gate(gz[i])
            cand = softsign(gn[i])
            hn = ho[i] + z * (cand - ho[i])
            ho[i] = hn if alive[i] != 0 else f0
