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

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from devo.develop.agent import C_TICKS, MS_M, Agent, developing
from devo.develop.blocks import Array
from devo.develop.dims import (
    H_DIM,
    MSG_DIM,
    NODE_IN,
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
)
from devo.develop.mathx import add8, axpy8, gate, row8, softsign, store8
from devo.genome import Block
from devo.snn.state import M_NEU_HI, NetState

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules

assert MSG_DIM == 4, "the message sums are written out for M = 4"

_H, _M, _X = H_DIM, MSG_DIM, NODE_IN
BLOCKS = (
    Block("msg.w", (_M, _H), help="message each neuron sends, from its state"),
    Block("msg.b", (_M,), "const", 0.0, "message bias"),
    Block("node.wx", (3 * _H, _X), help="node GRU: input weights (update, reset, candidate)"),
    Block("node.uh", (3 * _H, _H), help="node GRU: recurrent weights"),
    # the update gate starts mostly closed: h changes slowly
    Block("node.b", (3 * _H,), "values", help="node GRU: biases", values=(-1.0,) * _H + (0.0,) * (2 * _H)),
)
ARRAYS = (
    Array("msg_w", ("msg.w",)),  # (M, H)  message mu_j = softsign(msg_w h_j + msg_b)
    Array("msg_b", ("msg.b",)),  # (M,)
    Array("gru_wx", ("node.wx",), lambda new, w: w.T),  # (X, 3H)  input weights, transposed: columns z, r, n
    Array("gru_uh", ("node.uh",), lambda new, u: u.T),  # (H, 3H)  recurrent weights, transposed
    Array("gru_b", ("node.b",)),  # (3H,)
)


@njit(cache=True, error_model="numpy", _nrt=False)
def node_rule(net: NetState, ag: Agent, R: Rules) -> None:
    """One node-rule update of every alive neuron (see module docstring).

    Works neuron by neuron: ``H``, ``M`` and ``X`` are compile-time constants and the GRU weights
    are stored transposed, so each input's contribution to all ``3H`` gates is a few vector ops.
    """
    n = net.meta[M_NEU_HI]
    h = net.h
    mu = ag.mu
    x = ag.xin
    g = ag.gates
    f0 = np.float32(0.0)
    one = np.float32(1.0)
    msg_w, msg_b = R.msg_w, R.msg_b
    alive, kind, pos, rate, count = net.alive, net.kind, net.pos, net.rate, net.count
    src, dst, w = net.src, net.dst, net.w
    in_tab, in_n, out_tab, out_n = net.in_tab, net.in_n, net.out_tab, net.out_n
    # 1. messages mu_i = softsign(W h_i + b), one row per neuron
    for i in range(n):
        h0, h1, h2, h3, h4, h5, h6, h7 = h[0, i], h[1, i], h[2, i], h[3, i], h[4, i], h[5, i], h[6, i], h[7, i]
        for m in range(MSG_DIM):
            wm = msg_w[m]
            acc = (msg_b[m] + wm[0] * h0 + wm[1] * h1 + wm[2] * h2 + wm[3] * h3
                   + wm[4] * h4 + wm[5] * h5 + wm[6] * h6 + wm[7] * h7)
            mu[i, m] = softsign(acc)
    # 2. inputs: mean weighted messages over the in- and out-tables (gathers, no scatter)
    inv_k = np.float32(1.0 / ag.ci[C_TICKS])
    mod = np.float32(ag.ms[MS_M])
    dev = one if developing(ag) else f0
    four = np.float32(4.0)
    for i in range(n):
        xi = x[i]
        for r in range(NODE_IN):
            xi[r] = f0
        if alive[i] == 0:
            continue
        din = in_n[i]
        dout = out_n[i]
        # sums in registers (the rows of x and mu could alias, so += on x would go to memory)
        a0 = f0
        a1 = f0
        a2 = f0
        a3 = f0
        for q in range(din):
            s = in_tab[i, q]
            ws = w[s]
            mj = mu[src[s]]
            a0 += ws * mj[0]
            a1 += ws * mj[1]
            a2 += ws * mj[2]
            a3 += ws * mj[3]
        b0 = f0
        b1 = f0
        b2 = f0
        b3 = f0
        for q in range(dout):
            s = out_tab[i, q]
            ws = w[s]
            mj = mu[dst[s]]
            b0 += ws * mj[0]
            b1 += ws * mj[1]
            b2 += ws * mj[2]
            b3 += ws * mj[3]
        fin = np.float32(din)
        fout = np.float32(dout)
        a_in = one / max(fin, one)
        a_out = one / max(fout, one)
        xi[X_MIN] = a0 * a_in
        xi[X_MIN + 1] = a1 * a_in
        xi[X_MIN + 2] = a2 * a_in
        xi[X_MIN + 3] = a3 * a_in
        xi[X_MOUT] = b0 * a_out
        xi[X_MOUT + 1] = b1 * a_out
        xi[X_MOUT + 2] = b2 * a_out
        xi[X_MOUT + 3] = b3 * a_out
        xi[X_RATE] = np.float32(10.0) * rate[i]
        xi[X_COUNT] = np.float32(count[i]) * inv_k
        xi[X_KIND + kind[i]] = one
        xi[X_DEG_IN] = fin / (fin + four)
        xi[X_DEG_OUT] = fout / (fout + four)
        xi[X_MOD] = mod
        xi[X_POS] = pos[i, 0]
        xi[X_POS + 1] = pos[i, 1]
        xi[X_DEV] = dev
    # 3. the GRU, neuron by neuron: the three groups of 8 pre-activations (z, r, n) accumulate
    # side by side in 8-tuples (one SIMD register each), and the gates are taken on the scratch row
    # ``g`` = [W_z x + U_z h + b_z, W_r x + U_r h + b_r, W_n x + b_n, U_n h], 8 contiguous entries
    # at a time, so each group's 8 divisions are one vector division
    wx, uh, gb = R.gru_wx, R.gru_uh, R.gru_b
    zero = (f0, f0, f0, f0, f0, f0, f0, f0)
    bz = row8(gb, 0)
    br = row8(gb, H_DIM)
    bn = row8(gb, 2 * H_DIM)
    for i in range(n):
        if alive[i] == 0:
            for o in range(H_DIM):
                h[o, i] = f0
            continue
        xi = x[i]
        az, ar, an = bz, br, bn
        for k in range(NODE_IN):
            xk = xi[k]
            wk = wx[k]
            az = axpy8(az, wk, 0, xk)
            ar = axpy8(ar, wk, H_DIM, xk)
            an = axpy8(an, wk, 2 * H_DIM, xk)
        uz, ur, un = zero, zero, zero
        for k in range(H_DIM):
            hk = h[k, i]
            uk = uh[k]
            uz = axpy8(uz, uk, 0, hk)
            ur = axpy8(ur, uk, H_DIM, hk)
            un = axpy8(un, uk, 2 * H_DIM, hk)
        store8(g, 0, add8(az, uz))
        store8(g, H_DIM, add8(ar, ur))
        store8(g, 2 * H_DIM, an)
        store8(g, 3 * H_DIM, un)
        for o in range(H_DIM):  # r
            g[H_DIM + o] = gate(g[H_DIM + o])
        for o in range(H_DIM):  # n = softsign(W_n x + b_n + r * (U_n h))
            g[2 * H_DIM + o] = softsign(g[2 * H_DIM + o] + g[H_DIM + o] * g[3 * H_DIM + o])
        for o in range(H_DIM):  # z
            g[o] = gate(g[o])
        for o in range(H_DIM):
            ho = h[o, i]
            h[o, i] = ho + g[o] * (g[2 * H_DIM + o] - ho)
