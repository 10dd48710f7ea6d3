r"""Structural plasticity: pruning and synaptogenesis, on their own (slower) clock.

Both decisions are stochastic (a Bernoulli draw from devo's random state) and both MLPs split
their first layer into per-neuron projections, so the per-synapse cost stays small.

**Pruning** of an alive synapse ``i -> j`` (hidden width ``P``):

.. math::

    p^-_{ij} = \sigma\big(v^-\cdot \mathrm{relu}(W^-_e e_{ij} + W^-_{pre} h_i + W^-_{post} h_j + b^-)
        + c^-_0 + c^-_1\, \mathbb{1}[\text{developing}]\big)

Most draws are settled before the MLP runs: an upper bound of the logit of every synapse leaving
neuron ``i`` (:func:`prune_bounds`) gives a probability that no such synapse exceeds, and a draw at
or above it is a "no" -- the same decision from the same draw, so lifetimes do not change.

**Synaptogenesis**: every alive non-output neuron ``i`` proposes ``candidates`` partners, each
drawn uniformly from its neighbourhood -- the ``neighbourhood`` nearest neurons the allowed-edge
mask lets ``i`` connect to (:mod:`devo.develop.neighbours`). If ``i -> j`` does not exist yet, it
is added with probability

.. math::

    p^+_{ij} = \sigma\big(v^+\cdot \mathrm{relu}(W^+_{pre} h_i + W^+_{post} h_j + w_d \|p_i - p_j\| + b^+)
        + c^+_0 + c^+_1\, \mathbb{1}[\text{developing}]\big)

in a state the genome defines from the two neurons' states,
:math:`e^0 = \mathrm{softsign}(\epsilon_0 + (G_a h_i) \odot (G_b h_j))` (the weight component
takes the whole product, see :func:`new_synapse_state`), weight :math:`w_{max} e^0_0`. Pruning runs
before synaptogenesis, so a synapse is never added and pruned in the same step. A full buffer
refuses the addition and counts it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from devo.develop.agent import (
    C_CANDIDATES,
    F_WMAX,
    K_ADDED,
    K_PRUNED,
    K_REFUSED,
    Agent,
    developing,
)
from devo.develop.blocks import Array, transposed, type_table
from devo.develop.dims import E_DIM, H_DIM, MLP_DIM
from devo.develop.mathx import abs8, accumulate_pair, bernoulli_logit, max8, row8, softsign, store8
from devo.genome import Block
from devo.rng import integers, uniform
from devo.snn.state import ERR_DEGREE, ERR_FULL, M_NEU_HI, M_SYN_HI, OUTPUT, NetState
from devo.snn.structure import add_synapse, find_synapse, remove_synapse

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules

assert E_DIM == 4, "the new-synapse state is written out for E = 4 synapse-state components"

assert MLP_DIM == 8, "project_pair and pruning write out P = 8 sums"

_H, _E, _P = H_DIM, E_DIM, MLP_DIM
BLOCKS = (
    Block("prune.we", (_P, _E), help="pruning MLP: synapse-state weights"),
    Block("prune.wpre", (_P, _H), help="pruning MLP: presynaptic-state weights"),
    Block("prune.wpost", (_P, _H), help="pruning MLP: postsynaptic-state weights"),
    Block("prune.b", (_P,), "const", 0.0, "pruning MLP: hidden bias"),
    Block("prune.v", (_P,), help="pruning MLP: output weights"),
    Block("prune.c", (2,), "values", help="pruning logit bias: lifetime, extra while developing",
          values=(-7.0, 0.0)),
    Block("add.wpre", (_P, _H), help="synaptogenesis MLP: presynaptic-state weights"),
    Block("add.wpost", (_P, _H), help="synaptogenesis MLP: postsynaptic-state weights"),
    Block("add.wd", (_P,), help="synaptogenesis MLP: distance weight"),
    Block("add.b", (_P,), "const", 0.0, "synaptogenesis MLP: hidden bias"),
    Block("add.v", (_P,), help="synaptogenesis MLP: output weights"),
    Block("add.c", (2,), "values", help="synaptogenesis logit bias: lifetime, extra while developing",
          values=(-6.0, 4.0)),
    Block("syn.e0", (_E,), "values", help="state of a new synapse (before softsign)",
          values=(0.0,) * _E),
    Block("syn.ga", (_E, _H), scale=2.0, help="new synapse state: presynaptic factor of the pre x post term"),
    Block("syn.gb", (_E, _H), scale=2.0, help="new synapse state: postsynaptic factor of the pre x post term"),
    Block("syn.gain", (4,), "values", values=(0.5, 0.1, 0.1, 1.0),
          help="weight gain per synapse type: input->hidden, hidden->hidden, hidden->output, input->output"),
)
ARRAYS = (
    Array("prune_we", ("prune.we",)),  # (P, E)
    Array("prune_wpre", ("prune.wpre",), transposed),  # (H, P)  transposed: row k = coefficients of h_k
    Array("prune_wpost", ("prune.wpost",), transposed),  # (H, P)
    Array("prune_b", ("prune.b",)),  # (P,)
    Array("prune_v", ("prune.v",)),  # (P,)
    Array("prune_c", ("prune.c",)),  # (2,)  output bias in the lifetime, extra bias while developing
    Array("add_wpre", ("add.wpre",), transposed),  # (H, P)  transposed
    Array("add_wpost", ("add.wpost",), transposed),  # (H, P)
    Array("add_wd", ("add.wd",)),  # (P,)  weight of the distance
    Array("add_b", ("add.b",)),  # (P,)
    Array("add_v", ("add.v",)),  # (P,)
    Array("add_c", ("add.c",)),  # (2,)
    Array("syn_e0", ("syn.e0",)),  # (E,)  new synapse state = softsign(syn_e0 + ...)
    Array("syn_ga", ("syn.ga",)),  # (E, H)  initial synapse state: presynaptic factor
    Array("syn_gb", ("syn.gb",)),  # (E, H)  initial synapse state: postsynaptic factor
    # (9,)  weight gain by (source kind, target kind), index 3 kind_src + kind_dst (0 for forbidden
    # edges), clipped to [-1, 1] so no weight exceeds weight_max
    Array("syn_gain", ("syn.gain",), lambda new, g: type_table(new, g).reshape(9), clip=np.s_[...]),
)


@njit(cache=True, error_model="numpy", _nrt=False)
def project_pair(
    h: np.ndarray, wa: np.ndarray, wb: np.ndarray, b: np.ndarray, out_a: np.ndarray, out_b: np.ndarray, n: int
) -> None:
    """out_a[i] = wa^T h[:, i] + b and out_b[i] = wb^T h[:, i], for i < n, with ``wa``, ``wb`` of
    shape (H, P = 8) (one row of coefficients per state component). One row per neuron, so a
    synapse gathers its two neurons' rows."""
    f0 = np.float32(0.0)
    zero = (f0, f0, f0, f0, f0, f0, f0, f0)
    bias = row8(b, 0)
    for i in range(n):
        pa, pb = accumulate_pair(h, i, wa, wb, bias, zero)
        store8(out_a[i], 0, pa)
        store8(out_b[i], 0, pb)


@njit(cache=True, error_model="numpy", _nrt=False)
def prune_bounds(net: NetState, ag: Agent, R: Rules, c: np.float32) -> None:
    r"""``ag.bound[i]``: a probability that the pruning probability of no synapse ``i -> j`` exceeds.

    With :math:`|e_{ij,c}| \le \bar x_c` (the largest magnitude of each state component over the
    used slots) and :math:`b_{jk} \le \bar b_k` (the largest postsynaptic projection of hidden
    unit ``k``), every hidden unit of a synapse leaving ``i`` has

    .. math::

        z_{ijk} \le a_{ik} + \bar b_k + \textstyle\sum_c |W^-_{e,kc}|\, \bar x_c =: \bar z_{ik},
        \qquad \ell_{ij} \le c + \textstyle\sum_k \max(v_k, 0)\, \mathrm{relu}(\bar z_{ik})
        =: \bar\ell_i

    (a unit whose :math:`z` is NaN contributes 0, below the bound). :math:`\bar\ell_i` is raised
    by :math:`10^{-4}` of the magnitudes it sums, far above the float32 rounding of the real
    logit. For :math:`\bar\ell_i \le 0`, :math:`y = -\bar\ell_i`, the Taylor terms of
    :math:`e^y` give :math:`\sigma(\ell_{ij}) \le \sigma(\bar\ell_i) \le 1 / (2 + y + y^2/2
    + y^3/6 + y^4/24)`, the bound (no exponential); for :math:`\bar\ell_i > 0` the bound is 2
    (never settles). A draw ``u >= bound[i]`` is a "no" for every synapse of ``i``; a non-finite
    :math:`\bar\ell_i` gives a NaN bound, which settles nothing.
    """
    n = net.meta[M_NEU_HI]
    qa, qb, ext, top, size = ag.qa, ag.qb, ag.qext, ag.bound, ag.bound_size
    m0, m1, m2, m3 = state_magnitudes(net.e.reshape(net.e.size), net.meta[M_SYN_HI])
    # the largest postsynaptic projection of each unit, and the largest magnitude
    ninf = np.float32(-np.inf)
    f0 = np.float32(0.0)
    hi = (ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf)
    mag = (f0, f0, f0, f0, f0, f0, f0, f0)
    for j in range(n):
        hi = max8(hi, row8(qb[j], 0))
        mag = max8(mag, abs8(row8(qb[j], 0)))
    store8(ext[0], 0, hi)
    store8(ext[1], 0, mag)
    # k outermost, neurons innermost: the neurons' sums are independent, so the inner loop vectorises
    # (each neuron's sums still run in k order)
    we, v = R.prune_we, R.prune_v
    for i in range(n):
        top[i] = float(c)
        size[i] = abs(float(c))
    for k in range(MLP_DIM):
        wx = (abs(float(we[k, 0])) * float(m0) + abs(float(we[k, 1])) * float(m1)
              + abs(float(we[k, 2])) * float(m2) + abs(float(we[k, 3])) * float(m3))
        hk = float(ext[0, k])
        mk = float(ext[1, k])
        vk = float(v[k])
        av = abs(vk)
        for i in range(n):
            a = float(qa[i, k])
            z = a + hk + wx
            t = top[i]
            top[i] = t + vk * z if vk > 0.0 and z > 0.0 else t
            size[i] += av * (abs(a) + mk + wx)
    for i in range(n):
        t = top[i] + (1e-4 * size[i] + 1e-6)
        y = -t
        b = 1.0 / (2.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0 + y * (1.0 / 24.0)))))
        top[i] = 2.0 if t > 0.0 else b


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _larger_magnitude(m: np.float32, x: np.float32) -> np.float32:
    a = abs(x)
    return a if a > m else m


@njit(cache=True, error_model="numpy", _nrt=False)
def state_magnitudes(ef: np.ndarray, rows: int) -> tuple:
    """The largest magnitude of each of the 4 synapse-state components over the first ``rows`` rows
    of the flat state ``ef`` (0 if none; NaN entries are skipped, as ``max`` skips them).

    The maximum does not depend on the order it is taken in, so four rows are taken at a time, into
    four accumulators (one dependency chain per row of four would wait on each comparison)."""
    f0 = np.float32(0.0)
    a0, a1, a2, a3 = f0, f0, f0, f0
    b0, b1, b2, b3 = f0, f0, f0, f0
    c0, c1, c2, c3 = f0, f0, f0, f0
    d0, d1, d2, d3 = f0, f0, f0, f0
    top = rows - rows % 4
    for s in range(0, top, 4):
        es = 4 * s
        a0 = _larger_magnitude(a0, ef[es])
        a1 = _larger_magnitude(a1, ef[es + 1])
        a2 = _larger_magnitude(a2, ef[es + 2])
        a3 = _larger_magnitude(a3, ef[es + 3])
        b0 = _larger_magnitude(b0, ef[es + 4])
        b1 = _larger_magnitude(b1, ef[es + 5])
        b2 = _larger_magnitude(b2, ef[es + 6])
        b3 = _larger_magnitude(b3, ef[es + 7])
        c0 = _larger_magnitude(c0, ef[es + 8])
        c1 = _larger_magnitude(c1, ef[es + 9])
        c2 = _larger_magnitude(c2, ef[es + 10])
        c3 = _larger_magnitude(c3, ef[es + 11])
        d0 = _larger_magnitude(d0, ef[es + 12])
        d1 = _larger_magnitude(d1, ef[es + 13])
        d2 = _larger_magnitude(d2, ef[es + 14])
        d3 = _larger_magnitude(d3, ef[es + 15])
    for s in range(top, rows):
        es = 4 * s
        a0 = _larger_magnitude(a0, ef[es])
        a1 = _larger_magnitude(a1, ef[es + 1])
        a2 = _larger_magnitude(a2, ef[es + 2])
        a3 = _larger_magnitude(a3, ef[es + 3])
    return (max(max(a0, b0), max(c0, d0)), max(max(a1, b1), max(c1, d1)),
            max(max(a2, b2), max(c2, d2)), max(max(a3, b3), max(c3, d3)))


@njit(cache=True, error_model="numpy", _nrt=False)
def prune(net: NetState, ag: Agent, R: Rules) -> int:
    """Prune alive synapses stochastically, in slot order; returns how many were removed.

    One pass over the used slots, one uniform draw per alive synapse. A draw at or above the
    presynaptic neuron's bound (:func:`prune_bounds`) keeps the synapse without the MLP; otherwise
    the MLP's hidden layer is ``P = 8`` wide (one SIMD register), from the two neurons' projection
    rows and the synapse's state row, and the draw is decided by
    :func:`~devo.develop.mathx.bernoulli_logit` (the exact sigmoid only when a bound cannot decide).
    """
    n = net.meta[M_NEU_HI]
    syn_hi = net.meta[M_SYN_HI]
    qa, qb = ag.qa, ag.qb
    project_pair(net.h, R.prune_wpre, R.prune_wpost, R.prune_b, qa, qb, n)
    c = np.float32(R.prune_c[0]) + (R.prune_c[1] if developing(ag) else np.float32(0.0))
    prune_bounds(net, ag, R, c)
    e, src, dst, s_alive, bound = net.e, net.src, net.dst, net.s_alive, ag.bound
    we, v = R.prune_we, R.prune_v
    f0 = np.float32(0.0)
    removed = 0
    rng = ag.rng
    for s in range(syn_hi):
        if s_alive[s] == 0:
            continue
        u = uniform(rng)
        if u >= bound[src[s]]:
            continue
        a = qa[src[s]]
        b = qb[dst[s]]
        x = e[s]
        x0 = x[0]
        x1 = x[1]
        x2 = x[2]
        x3 = x[3]
        logit = c
        for k in range(MLP_DIM):
            z = a[k] + b[k] + we[k, 0] * x0 + we[k, 1] * x1 + we[k, 2] * x2 + we[k, 3] * x3
            logit += v[k] * (z if z > f0 else f0)
        if bernoulli_logit(u, float(logit)):
            remove_synapse(net, s)
            removed += 1
    ag.counters[K_PRUNED] += removed
    return removed


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def state_projection(g: np.ndarray, h: np.ndarray, i: int) -> tuple:
    """``G h_i`` for the four state components (``G`` is ``G_a`` or ``G_b`` of
    :func:`new_synapse_state`, ``E x H``), each summed in ``k`` order."""
    a0 = np.float32(0.0)
    a1 = np.float32(0.0)
    a2 = np.float32(0.0)
    a3 = np.float32(0.0)
    for k in range(H_DIM):
        hk = h[k, i]
        a0 += g[0, k] * hk
        a1 += g[1, k] * hk
        a2 += g[2, k] * hk
        a3 += g[3, k] * hk
    return a0, a1, a2, a3


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def state_from_projections(net: NetState, ag: Agent, R: Rules, i: int, j: int, ga: tuple, gb: tuple) -> float:
    """:func:`new_synapse_state` from the two neurons' projections ``ga = G_a h_i`` and
    ``gb = G_b h_j`` (:func:`state_projection`): birth computes them once per neuron, not once
    per synapse."""
    e0 = R.syn_e0
    p0 = ga[0] * gb[0]
    p1 = ga[1] * gb[1]
    p2 = ga[2] * gb[2]
    p3 = ga[3] * gb[3]
    # the weight component takes the whole rank-E product: w ~ softsign(e0 + sum_c ga_c gb_c)
    total = np.float32(0.0) + p0 + p1 + p2 + p3
    ag.e_tmp[0] = softsign(e0[0] + total)
    ag.e_tmp[1] = softsign(e0[1] + p1)
    ag.e_tmp[2] = softsign(e0[2] + p2)
    ag.e_tmp[3] = softsign(e0[3] + p3)
    gain = R.syn_gain[3 * net.kind[i] + net.kind[j]]
    return float(ag.cf[F_WMAX]) * float(gain) * float(ag.e_tmp[0])


@njit(cache=True, error_model="numpy", _nrt=False)
def new_synapse_state(net: NetState, ag: Agent, R: Rules, i: int, j: int) -> float:
    r"""Fill ``ag.e_tmp`` with the initial state of a new synapse ``i -> j``; returns its weight.

    :math:`e^0_{ij} = \mathrm{softsign}(\epsilon_0 + (G_a h_i) \odot (G_b h_j))`, except the weight
    component, which takes the whole product :math:`(G_a h_i) \cdot (G_b h_j)`: a genome-defined
    state that also depends on which neurons the synapse joins (NDP's weights from embeddings).
    The weight is :math:`w_{max} g_t e^0_{ij,0}` with :math:`g_t` the gain of the synapse's type.
    """
    ga = state_projection(R.syn_ga, net.h, i)
    gb = state_projection(R.syn_gb, net.h, j)
    return state_from_projections(net, ag, R, i, j, ga, gb)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def add_counted(net: NetState, ag: Agent, i: int, j: int, w: np.float32, e: np.ndarray) -> bool:
    """:func:`devo.snn.structure.add_synapse`, counted: ``K_ADDED`` when added, ``K_REFUSED`` when a
    buffer or degree table is full (an existing or forbidden edge is not counted). True if added."""
    r = add_synapse(net, i, j, w, e)
    if r >= 0:
        ag.counters[K_ADDED] += 1
        return True
    if r == ERR_FULL or r == ERR_DEGREE:
        ag.counters[K_REFUSED] += 1
    return False


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def grow_synapse(net: NetState, ag: Agent, R: Rules, i: int, j: int) -> bool:
    """A new synapse ``i -> j`` in the genome's initial state (:func:`new_synapse_state`), counted."""
    w0 = new_synapse_state(net, ag, R, i, j)
    return add_counted(net, ag, i, j, np.float32(w0), ag.e_tmp)


@njit(cache=True, error_model="numpy", _nrt=False)
def synaptogenesis(net: NetState, ag: Agent, R: Rules) -> int:
    """Every alive non-output neuron proposes partners; returns how many synapses were added."""
    n = net.meta[M_NEU_HI]
    n_cand = ag.ci[C_CANDIDATES]
    if n_cand <= 0:
        return 0
    project_pair(net.h, R.add_wpre, R.add_wpost, R.add_b, ag.qa, ag.qb, n)
    c = float(R.add_c[0]) + (float(R.add_c[1]) if developing(ag) else 0.0)
    added = 0
    alive, kind = net.alive, net.kind
    qa, qb, wd, v = ag.qa, ag.qb, R.add_wd, R.add_v
    nbr, nbr_d, nbr_n = ag.nbr, ag.nbr_d, ag.nbr_n
    rng = ag.rng
    for i in range(n):
        m = nbr_n[i]
        if alive[i] == 0 or kind[i] == OUTPUT or m == 0:
            continue
        for _ in range(n_cand):
            q = integers(rng, m)
            j = int(nbr[i, q])
            if find_synapse(net, i, j) >= 0:
                continue
            dist = np.float32(math.sqrt(nbr_d[i, q]))
            logit = c
            for k in range(MLP_DIM):
                z = qa[i, k] + qb[j, k] + wd[k] * dist
                if z > 0:
                    logit += float(v[k] * z)
            if bernoulli_logit(uniform(rng), logit) and grow_synapse(net, ag, R, i, j):
                added += 1
    return added
