r"""Synaptic plasticity: how a synapse's state and weight change, per plasticity family.

**learned** (default). Per-neuron projections are computed once, then combined per synapse
``i -> j`` with its state :math:`e_{ij} \in \mathbb{R}^E`, eligibility :math:`\varepsilon_{ij}`,
traces and the modulator :math:`m` -- a few dozen flops per synapse:

.. math::

    a_i &= A h_i + b + D_{:,2}\, x^{pre}_i, \qquad b_j = B h_j + D_{:,3}\, x^{post}_j + D_{:,4}\, m \\
    u_{ij} &= a_i + b_j + (A' h_i) \odot (B' h_j) + C e_{ij} + (D_{:,0}\, m + D_{:,1})\, \varepsilon_{ij} \\
    e_{ij} &\leftarrow e_{ij} + \lambda \odot (\mathrm{softsign}(u_{ij}) - e_{ij}),
        \quad \lambda = \sigma(\rho_{life}) \text{ or } \sigma(\rho_{dev})

The synapse state is the slow, developmental part of the synapse. On top of it, during the
episodes, every synapse carries a **plastic weight component** :math:`H_{ij}` (zero when the
synapse is born, so it can never erase what development built; Miconi et al. 2018/2019's
:math:`w = w_{fixed} + \alpha\, \mathrm{Hebb}`), changed by a three-factor rule whose coefficients
depend on the synapse type :math:`t` (input->hidden, hidden->hidden, hidden->output, input->output):

.. math::

    H_{ij} &\leftarrow \mathrm{clip}\big((1 - \delta) H_{ij}
        + (\eta_{m,t}\, m + \eta_{0,t})\, \varepsilon_{ij}
        + (\beta_{m,t}\, m + \beta_{0,t})\, c_i c_j,\; \pm 1\big), \quad \delta = \sigma(\rho_H) \\
    w_{ij} &= w_{max}\, \mathrm{clip}\big(g_t\, e_{ij,0} + \alpha_t \tfrac{1 + e_{ij,1}}{2} H_{ij},\; \pm 1\big)

with :math:`c_i` the spikes of neuron ``i`` in the last env step divided by ``K`` -- except that
for an output neuron of a discrete action, :math:`c_j` is the *choice*: 1 for the output whose
action was taken, 0 for the others (an efference copy: the postsynaptic factor of actor learning,
REINFORCE's :math:`\partial \log \pi / \partial w` has this form; spike counts alone cannot
tell which output decided when several fired) -- and :math:`g_t`, :math:`\alpha_t` evolved gains
per synapse type. The plastic gain of each synapse,
:math:`\alpha_t (1 + e_{ij,1}) / 2`, is grown by development: its second state component says how
plastic the synapse is. At initialisation only the modulated terms :math:`\eta_m, \beta_m` are
non-zero (``PLASTIC_INIT``; :math:`\delta = \sigma(0)`, a memory of a few steps): a synapse changes
only where its eligibility or its pre x choice coincidence meets a reward-prediction error
(Backpropamine's retroactive form :math:`\Delta H = M\, \mathrm{ET}`, Soltoggio et al. 2008's
gated plasticity), so nothing drifts while the reward is predicted (the modulator's running mean
is ~0, :mod:`devo.develop.modulator`), and a moderate rate is safe from generation 0. The
ungated terms (:math:`\eta_0`, :math:`\beta_0`) let evolution build memories that need no reward
(a running direction, a last choice). During development :math:`H = 0` and
:math:`w_{ij} = w_{max}\, g_t\, e_{ij,0}`. ``develop.plastic_weights = false`` keeps :math:`H = 0`
for life (an ablation switch).

The rate of the slow part has its own logit while developing and in the lifetime; the lifetime
logit starts low, so at the search's start a lifetime keeps the states development made. The
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
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from devo.develop.agent import C_ACT_KIND, C_PLASTIC, C_TICKS, F_WMAX, MS_M, Agent, developing
from devo.develop.blocks import Array, transposed, type_table
from devo.develop.dims import E_DIM, H_DIM
from devo.develop.mathx import accumulate_pair, softsign, store8
from devo.environments.spec import ACT_DISCRETE
from devo.genome import Block
from devo.snn.state import HIDDEN, INPUT, M_NEU_HI, M_SYN_HI, OUTPUT, NetState

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules

assert E_DIM == 4, "edge_rule's per-synapse body is written out for E = 4 synapse-state components"

N_EDGE_IN = 5  # edge-rule scalar inputs: elig*m, elig, x_pre, x_post, m
# initial coefficients of the plastic weight component, per synapse type: eta_m, eta_0, beta_m,
# beta_0, alpha. Only the modulated terms are on: a synapse changes where its eligibility (or its
# pre x post / choice coincidence) meets a reward-prediction error, and nothing drifts while the
# reward is predicted.
PLASTIC_INIT = (0.5, 0.0, 0.5, 0.0, 0.5)

_H, _E = H_DIM, E_DIM
BLOCKS = (
    Block("edge.a", (_E, _H), scale=0.5, help="synaptic plasticity: presynaptic projection"),
    Block("edge.b", (_E, _H), scale=0.5, help="synaptic plasticity: postsynaptic projection"),
    Block("edge.a2", (_E, _H), scale=1.0, help="synaptic plasticity: presynaptic factor of the pre x post term"),
    Block("edge.b2", (_E, _H), scale=1.0, help="synaptic plasticity: postsynaptic factor of the pre x post term"),
    Block("edge.c", (_E, _E), scale=0.3, help="synaptic plasticity: synapse-state recurrence"),
    Block("edge.d", (_E, N_EDGE_IN), scale=0.3, help="synaptic plasticity: elig*m, elig, x_pre, x_post, m"),
    Block("edge.bias", (_E,), "const", 0.0, "synaptic plasticity: bias"),
    Block("edge.rate", (2, _E), "values", values=(-9.0,) * _E + (-4.0,) * _E,
          help="synaptic plasticity: update-rate logits, lifetime (slow at first) and development"),
)
ARRAYS = (
    Array("edge_c", ("edge.c",)),  # (E, E)  synapse-state recurrence
    Array("edge_d", ("edge.d",)),  # (E, 5)  weights of elig*m, elig, x_pre, x_post, m
    Array("edge_bias", ("edge.bias",)),  # (E,)
    Array("edge_rate", ("edge.rate",)),  # (2, E)  lambda = sigmoid(edge_rate[0]) in the lifetime, [1] while developing
    # (H, 2E): edge.a (projection of the presynaptic state) and edge.a2 (its factor of the bilinear
    # term), transposed: row k = coefficients of h_k; edge_post_w the same for the postsynaptic side
    Array("edge_pre_w", ("edge.a", "edge.a2"), transposed),
    Array("edge_post_w", ("edge.b", "edge.b2"), transposed),
)
# the blocks of the plasticity family's lifetime rule (at the end of the genome)
FAMILY_BLOCKS = {
    "learned": (
        Block("plastic", (4, 5), "values", values=PLASTIC_INIT * 4,
              help="plastic weight component per synapse type (in->hid, hid->hid, hid->out, in->out): "
                   "eta_m (modulated eligibility), eta_0 (eligibility), beta_m (modulated pre x post), "
                   "beta_0 (pre x post), alpha (gain)"),
        Block("plastic.decay", (1,), "values", values=(0.0,),
              help="plastic weight component: decay-rate logit per env step"),
    ),
    "rstdp": (
        Block("rstdp", (3,), "values", help="R-STDP: eta with modulator, eta without, decay",
              values=(0.05, 0.0, 0.0)),
    ),
    "hebbian": (
        Block("hebb", (4, 5), "normal", 0.1,
              help="ABCD rule per synapse type (in->hid, hid->hid, hid->out, in->out): eta,A,B,C,D"),
    ),
    "frozen": (),
}
FAMILY_ARRAYS = (
    # (9, 5)  by (source kind, target kind), index 3 kind_src + kind_dst: eta_m, eta_0, beta_m,
    # beta_0, alpha (zero rows for forbidden edges and for families other than learned); alpha
    # clipped to [-1, 1]
    Array("plastic", ("plastic",), type_table, absent=((9, 5), 0.0), clip=np.s_[:, 4]),
    Array("plastic_decay", ("plastic.decay",), absent=((1,), -np.inf)),  # (1,)  decay logit of the plastic component
    Array("rstdp", ("rstdp",), absent=((0,), 0.0)),  # (3,) or (0,)  eta with modulator, eta without, weight decay
    Array("hebb", ("hebb",), absent=((0, 5), 0.0)),  # (4, 5) or (0, 5)  per synapse type: eta, A, B, C, D
)


@njit(cache=True, error_model="numpy", _nrt=False)
def edge_rule(net: NetState, ag: Agent, R: Rules) -> None:
    """The learned rule on every synapse slot (see module docstring).

    The per-neuron projections go into rows (``ag.pre[i] = [a_i, a'_i]``, ``ag.post[j] = [b_j,
    b'_j]``), so a synapse gathers two rows and loads its state ``e[s]`` in one 16-byte row; the
    per-synapse body is written out for ``E = 4`` so LLVM packs the four components into one SIMD
    register. Dead slots are computed too (reading neuron row 0) and zeroed.
    """
    n = net.meta[M_NEU_HI]
    syn_hi = net.meta[M_SYN_HI]
    h, e, w = net.h, net.e, net.w
    pre, post = ag.pre, ag.post
    x_pre, x_post = net.x_pre, net.x_post
    ec, ed, ebias, erate = R.edge_c, R.edge_d, R.edge_bias, R.edge_rate
    m = np.float32(ag.ms[MS_M])
    wmax = np.float32(ag.cf[F_WMAX])
    f0 = np.float32(0.0)
    # per-neuron projections, one row per neuron: [a_i, a'_i] and [b_j, b'_j]
    wa, wb = R.edge_pre_w, R.edge_post_w
    for i in range(n):
        xa = x_pre[i]
        xb = x_post[i]
        pa = (ebias[0] + ed[0, 2] * xa, ebias[1] + ed[1, 2] * xa, ebias[2] + ed[2, 2] * xa,
              ebias[3] + ed[3, 2] * xa, f0, f0, f0, f0)
        qb = (ed[0, 4] * m + ed[0, 3] * xb, ed[1, 4] * m + ed[1, 3] * xb, ed[2, 4] * m + ed[2, 3] * xb,
              ed[3, 4] * m + ed[3, 3] * xb, f0, f0, f0, f0)
        pa, qb = accumulate_pair(h, i, wa, wb, pa, qb)
        store8(pre[i], 0, pa)
        store8(post[i], 0, qb)
    # per synapse: u = a_i + b_j + a'_i * b'_j + g * elig + C e, then the relaxation and the weight
    dev = developing(ag)
    row = 1 if dev else 0
    life_plastic = not dev and ag.ci[C_PLASTIC] != 0
    keep = np.float32(1.0) - _rate(R.plastic_decay[0])
    hp, cpost, gain = net.hp, ag.post_act, R.syn_gain
    # the coefficients of each synapse type for this step, one 16-byte row per type
    ptab, pt = R.plastic, ag.plastic_t.reshape(ag.plastic_t.size)
    if life_plastic:
        post_activity(net, ag)
        for t in range(9):
            pt[4 * t] = ptab[t, 0] * m + ptab[t, 1]
            pt[4 * t + 1] = ptab[t, 2] * m + ptab[t, 3]
            pt[4 * t + 2] = gain[t]
            pt[4 * t + 3] = ptab[t, 4]
    f1 = np.float32(1.0)
    half = np.float32(0.5)
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
    src, dst, elig, alive, kind = net.src, net.dst, net.elig, net.s_alive, net.kind
    # flat views: constant strides (8 per neuron row, 4 per synapse row) need no multiply by a
    # stride loaded from the array header
    pf = pre.reshape(pre.size)
    qf = post.reshape(post.size)
    ef = e.reshape(e.size)
    for s in range(syn_hi):
        i = max(src[s], 0)  # a dead slot (-1) reads row 0; its result is zeroed below
        j = max(dst[s], 0)
        el = elig[s]
        ai = i * 8
        bj = j * 8
        es = s * 4
        x0 = ef[es]
        x1 = ef[es + 1]
        x2 = ef[es + 2]
        x3 = ef[es + 3]
        u0 = pf[ai] + qf[bj] + pf[ai + 4] * qf[bj + 4] + g0 * el + c00 * x0 + c01 * x1 + c02 * x2 + c03 * x3
        u1 = pf[ai + 1] + qf[bj + 1] + pf[ai + 5] * qf[bj + 5] + g1 * el + c10 * x0 + c11 * x1 + c12 * x2 + c13 * x3
        u2 = pf[ai + 2] + qf[bj + 2] + pf[ai + 6] * qf[bj + 6] + g2 * el + c20 * x0 + c21 * x1 + c22 * x2 + c23 * x3
        u3 = pf[ai + 3] + qf[bj + 3] + pf[ai + 7] * qf[bj + 7] + g3 * el + c30 * x0 + c31 * x1 + c32 * x2 + c33 * x3
        n0 = x0 + l0 * (softsign(u0) - x0)
        n1 = x1 + l1 * (softsign(u1) - x1)
        n2 = x2 + l2 * (softsign(u2) - x2)
        n3 = x3 + l3 * (softsign(u3) - x3)
        if alive[s] == 0:
            n0 = f0
            n1 = f0
            n2 = f0
            n3 = f0
        ef[es] = n0
        ef[es + 1] = n1
        ef[es + 2] = n2
        ef[es + 3] = n3
        t = 3 * kind[i] + kind[j]
        if life_plastic:
            # a presynaptic neuron is never an output, so post_act[i] is its spike count / K
            hebb = cpost[i] * cpost[j]
            ts = 4 * t
            hv = keep * hp[s] + pt[ts] * el + pt[ts + 1] * hebb
            hv = min(max(hv, -f1), f1)
            if alive[s] == 0:
                hv = f0
            hp[s] = hv
            wv = pt[ts + 2] * n0 + pt[ts + 3] * (half * (f1 + n1)) * hv
            w[s] = wmax * min(max(wv, -f1), f1)
        else:
            w[s] = wmax * gain[t] * n0


@njit(cache=True, error_model="numpy", _nrt=False)
def post_activity(net: NetState, ag: Agent) -> None:
    """``ag.post_act``: spikes in the last env step / ``K`` per neuron; for the outputs of a
    discrete action, 1 for the chosen action's neuron and 0 for the others."""
    inv_k = np.float32(1.0 / ag.ci[C_TICKS])
    for i in range(net.meta[M_NEU_HI]):
        ag.post_act[i] = np.float32(net.count[i]) * inv_k
    if ag.ci[C_ACT_KIND] == ACT_DISCRETE:
        chosen = int(ag.action[0])
        for k in range(ag.outputs.shape[0]):
            ag.post_act[ag.outputs[k]] = np.float32(1.0) if k == chosen else np.float32(0.0)


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
