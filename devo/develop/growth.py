r"""Birth and neurogenesis.

**Birth** (seed cells): the input neurons on the left, the outputs on the right, ``seed_hidden``
hidden cells on a circle of radius 0.3 around the origin. Where each input and output sits says
what it means (:func:`devo.lifetime.io_layout`): y = which observation value or action, and for
population codes x = which receptive field.

A seed cell's state is a small MLP of its position ``p`` relative to the centre ``c_k`` of the
seed cells of its kind ``k``:

.. math::

    h = \mathrm{softsign}(h^0_k + W^2_k\, \mathrm{relu}(W^1_k (p - c_k) + b^1_k))

so cells of one kind differ from birth by where they sit (which input, which output), and every
state stays in [-1, 1] (the node GRU keeps it there). Each allowed synapse then exists with
probability ``init_density`` (LNDP's initial reservoir), in the state
:func:`devo.develop.structural.new_synapse_state` gives it.

**Neurogenesis** (NDP): each alive hidden neuron divides with probability

.. math::

    p_i = \sigma\big(v \cdot \mathrm{relu}(W h_i + b) + c_0 + c_1\, \mathbb{1}[\text{developing}]\big)

The child gets the parent's state plus an evolved asymmetric change,
:math:`h_c = \mathrm{clip}(h_i + \mathrm{softsign}(D h_i + d), -1, 1)`, sits ``child_distance`` away in the direction
:math:`G h_i` (clipped to the unit square), and, by configuration, no synapse, one synapse from
its parent (``connect``), or copies of all the parent's synapses (``copy``). Division stops at
the growth budget or when the neuron buffer is full (counted as refused).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from devo.develop.agent import (
    C_GROWTH_BUDGET,
    C_INHERIT,
    C_SEED_HIDDEN,
    F_CHILD_DIST,
    F_INIT_DENSITY,
    K_DIVISIONS,
    K_REFUSED,
    Agent,
    developing,
)
from devo.develop.blocks import Array
from devo.develop.dims import H_DIM, MLP_DIM
from devo.develop.mathx import bernoulli_logit, softsign
from devo.develop.neighbours import neuron_born, rebuild_all
from devo.develop.structural import add_counted, grow_synapse, state_from_projections, state_projection
from devo.genome import Block
from devo.rng import uniform
from devo.snn.mask import edge_allowed
from devo.snn.state import HIDDEN, INPUT, M_ALLOW_IO, M_NEU_HI, OUTPUT, NetState
from devo.snn.structure import add_neuron

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules

_H, _P = H_DIM, MLP_DIM
BLOCKS = (
    Block("div.w", (_P, _H), help="division MLP: hidden weights"),
    Block("div.b", (_P,), "const", 0.0, "division MLP: hidden bias"),
    Block("div.v", (_P,), help="division MLP: output weights"),
    Block("div.c", (2,), "values", help="division logit bias: lifetime, extra while developing",
          values=(-8.0, 6.0)),
    Block("child.d", (_H, _H), help="asymmetric change of a child's state"),
    Block("child.bias", (_H,), "const", 0.0, "child state bias"),
    Block("child.dir", (2, _H), help="direction of a child from its parent"),
    Block("init.h", (3, _H), "normal", 0.3, "state of a seed cell per kind (input, hidden, output)"),
    Block("init.w1", (3, _P, 2), "normal", 2.0, "seed-state MLP of the position: first layer, per kind"),
    Block("init.b1", (3, _P), "const", 0.0, "seed-state MLP: first-layer bias"),
    Block("init.w2", (3, _H, _P), "normal", 1.0, "seed-state MLP: second layer"),
)
ARRAYS = (
    Array("div_w", ("div.w",)),  # (P, H)
    Array("div_b", ("div.b",)),  # (P,)
    Array("div_v", ("div.v",)),  # (P,)
    Array("div_c", ("div.c",)),  # (2,)
    Array("child_d", ("child.d",)),  # (H, H)  child state h + softsign(child_d h + child_bias)
    Array("child_bias", ("child.bias",)),  # (H,)
    Array("child_dir", ("child.dir",)),  # (2, H)  direction of the child from its parent
    Array("init_h", ("init.h",)),  # (3, H)  state of a seed cell, per kind
    Array("init_w1", ("init.w1",)),  # (3, P, 2)  seed-state MLP of the position, per kind: first layer
    Array("init_b1", ("init.b1",)),  # (3, P)
    Array("init_w2", ("init.w2",)),  # (3, H, P)  second layer
)


@njit(cache=True, error_model="numpy", _nrt=False)
def _place(net: NetState, ag: Agent, R: Rules, kind: int, x: float, y: float) -> int:
    i = add_neuron(net, kind, x, y, ag.kind_params[kind])
    if i >= 0:
        fx = np.float32(x) - ag.kind_centre[kind, 0]
        fy = np.float32(y) - ag.kind_centre[kind, 1]
        for c in range(H_DIM):
            u = R.init_h[kind, c]
            for k in range(MLP_DIM):
                z = R.init_b1[kind, k] + R.init_w1[kind, k, 0] * fx + R.init_w1[kind, k, 1] * fy
                if z > 0:
                    u += R.init_w2[kind, c, k] * z
            net.h[c, i] = softsign(u)
    return i


@njit(cache=True, error_model="numpy", _nrt=False)
def birth(net: NetState, ag: Agent, R: Rules) -> None:
    """Place the seed cells and the initial synapses (see module docstring)."""
    seed_hidden = ag.ci[C_SEED_HIDDEN]
    init_density = ag.cf[F_INIT_DENSITY]
    n_in = ag.inputs.shape[0]
    n_out = ag.outputs.shape[0]
    for k in range(n_in):
        ag.inputs[k] = _place(net, ag, R, np.int64(INPUT), float(ag.in_xy[k, 0]), float(ag.in_xy[k, 1]))
    for k in range(n_out):
        ag.outputs[k] = _place(net, ag, R, np.int64(OUTPUT), float(ag.out_xy[k, 0]), float(ag.out_xy[k, 1]))
    for k in range(seed_hidden):
        a = 2.0 * math.pi * k / max(seed_hidden, 1)
        if _place(net, ag, R, np.int64(HIDDEN), 0.3 * math.cos(a), 0.3 * math.sin(a)) < 0:
            ag.counters[K_REFUSED] += 1
    rebuild_all(net, ag)
    if init_density <= 0.0:
        return
    n = net.meta[M_NEU_HI]
    allow_io = net.meta[M_ALLOW_IO]
    # each neuron's two projections of the new-synapse state, once (qa is free until pruning):
    # qa[i, :4] = G_a h_i (as presynaptic neuron), qa[i, 4:] = G_b h_i (as postsynaptic one)
    proj = ag.qa
    for i in range(n):
        a0, a1, a2, a3 = state_projection(R.syn_ga, net.h, i)
        b0, b1, b2, b3 = state_projection(R.syn_gb, net.h, i)
        proj[i, 0] = a0
        proj[i, 1] = a1
        proj[i, 2] = a2
        proj[i, 3] = a3
        proj[i, 4] = b0
        proj[i, 5] = b1
        proj[i, 6] = b2
        proj[i, 7] = b3
    for i in range(n):
        ga = (proj[i, 0], proj[i, 1], proj[i, 2], proj[i, 3])
        for j in range(n):
            if not edge_allowed(net.kind[i], net.kind[j], i == j, allow_io):
                continue
            if uniform(ag.rng) < init_density:
                gb = (proj[j, 4], proj[j, 5], proj[j, 6], proj[j, 7])
                w0 = state_from_projections(net, ag, R, i, j, ga, gb)
                add_counted(net, ag, i, j, np.float32(w0), ag.e_tmp)


@njit(cache=True, error_model="numpy", _nrt=False)
def _copy_synapse(net: NetState, ag: Agent, s: int, i: int, j: int) -> None:
    for c in range(net.e.shape[1]):
        ag.e_tmp[c] = net.e[s, c]
    add_counted(net, ag, i, j, net.w[s], ag.e_tmp)


@njit(cache=True, error_model="numpy", _nrt=False)
def neurogenesis(net: NetState, ag: Agent, R: Rules) -> int:
    """One round of divisions; returns how many neurons were born."""
    budget = ag.ci[C_GROWTH_BUDGET] - ag.counters[K_DIVISIONS]
    if budget <= 0:
        return 0
    h = net.h
    H = H_DIM
    # the dividing candidates are the hidden neurons alive now (children wait for the next round)
    m = 0
    for i in range(net.meta[M_NEU_HI]):
        if net.alive[i] != 0 and net.kind[i] == HIDDEN:
            ag.idx[m] = i
            m += 1
    c0 = float(R.div_c[0]) + (float(R.div_c[1]) if developing(ag) else 0.0)
    dist = ag.cf[F_CHILD_DIST]
    inherit = ag.ci[C_INHERIT]
    born = 0
    for q in range(m):
        i = int(ag.idx[q])
        logit = c0
        for k in range(MLP_DIM):
            z = R.div_b[k]
            for c in range(H):
                z += R.div_w[k, c] * h[c, i]
            if z > 0:
                logit += float(R.div_v[k] * z)
        if not bernoulli_logit(uniform(ag.rng), logit):
            continue
        gx = 0.0
        gy = 0.0
        for c in range(H):
            gx += float(R.child_dir[0, c] * h[c, i])
            gy += float(R.child_dir[1, c] * h[c, i])
        norm = math.sqrt(gx * gx + gy * gy)
        if norm < 1e-9:
            gx, gy, norm = 1.0, 0.0, 1.0
        x = min(1.0, max(-1.0, float(net.pos[i, 0]) + dist * gx / norm))
        y = min(1.0, max(-1.0, float(net.pos[i, 1]) + dist * gy / norm))
        child = add_neuron(net, np.int64(HIDDEN), x, y, ag.kind_params[HIDDEN])
        if child < 0:
            ag.counters[K_REFUSED] += 1
            break
        neuron_born(net, ag, child)
        for o in range(H):
            u = R.child_bias[o]
            for c in range(H):
                u += R.child_d[o, c] * h[c, i]
            h[o, child] = min(max(h[o, i] + softsign(u), np.float32(-1.0)), np.float32(1.0))
        if inherit == 1:
            grow_synapse(net, ag, R, i, child)
        elif inherit == 2:
            for k in range(net.in_n[i]):
                s = net.in_tab[i, k]
                _copy_synapse(net, ag, s, int(net.src[s]), int(child))
            for k in range(net.out_n[i]):
                s = net.out_tab[i, k]
                _copy_synapse(net, ag, s, int(child), int(net.dst[s]))
        born += 1
        ag.counters[K_DIVISIONS] += 1
        if born >= budget:
            break
    return born
