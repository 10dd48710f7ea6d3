"""Hypothesis strategies for random spiking networks (shared by the snn tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from devo.snn import Network, NeuronParams, TraceParams
from devo.snn import state as S


@st.composite
def networks(draw, max_hidden: int = 12, allow_empty: bool = True) -> Network:
    """A random network: any mix of kinds (possibly none hidden, possibly no neuron at all),
    capacities that may be exactly full, random parameters per neuron, some neurons removed,
    random state (membrane, adaptation, refractory counters, traces, eligibility)."""
    n_in = draw(st.integers(0, 4))
    n_hid = draw(st.integers(0, max_hidden).map(lambda k: max_hidden - k))
    n_out = draw(st.integers(0, 3))
    if n_in + n_hid + n_out == 0:
        if not allow_empty:
            n_hid = 1
        else:
            net = Network.empty(draw(st.integers(1, 4)), draw(st.integers(0, 4)))
            return net
    slack = draw(st.integers(0, 3))
    density = draw(st.sampled_from([0.6, 0.2, 1.0, 0.0]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    allow_io = draw(st.booleans())
    cap_syn = draw(st.sampled_from([None, 40, 5, 1]))
    degree = draw(st.sampled_from([None, 3, 1]))
    tr = TraceParams(
        tau_pre=float(rng.uniform(0.5, 20)),
        tau_post=float(rng.uniform(0.5, 20)),
        tau_rate=float(rng.uniform(1, 100)),
        tau_elig=float(rng.uniform(0.5, 50)),
        a_plus=float(rng.uniform(0, 1)),
        a_minus=float(rng.uniform(0, 1)),
        tau_syn=float(draw(st.sampled_from([0.0, 3.0]))),
    )
    net = Network.layered(
        n_in, n_hid, n_out,
        max_neurons=n_in + n_hid + n_out + slack,
        max_synapses=cap_syn,
        max_degree=degree,
        density=density,
        weight_scale=1.5,
        traces=tr,
        allow_input_output=allow_io,
        seed=seed,
    )
    st_ = net.state
    alive = net.neurons()
    # heterogeneous neuron parameters
    for i in alive:
        p = NeuronParams(
            tau_m=float(rng.uniform(0.5, 30)),
            threshold=float(rng.uniform(0.2, 2.0)),
            v_reset=float(rng.uniform(-0.5, 0.2)),
            refractory=int(rng.integers(0, 4)),
            tau_adapt=float(rng.uniform(1, 80)),
            adapt_increment=float(rng.choice([0.0, rng.uniform(0, 0.5)])),
            bias=float(rng.uniform(-0.2, 0.6)),
        ).vector()
        st_.beta[i], st_.thr[i], st_.v_reset[i] = p[S.P_BETA], p[S.P_THR], p[S.P_VRESET]
        st_.t_ref[i], st_.rho[i], st_.a_inc[i], st_.bias[i] = (
            int(p[S.P_TREF]), p[S.P_RHO], p[S.P_AINC], p[S.P_BIAS],
        )
    # random dynamic state
    n = net.max_neurons
    st_.v[:] = rng.uniform(-0.5, 1.5, n).astype(np.float32) * st_.alive
    st_.adapt[:] = rng.uniform(0, 0.3, n).astype(np.float32) * st_.alive
    st_.refr[:] = rng.integers(0, 3, n) * st_.alive
    st_.x_pre[:] = rng.uniform(0, 2, n).astype(np.float32) * st_.alive
    st_.x_post[:] = rng.uniform(0, 2, n).astype(np.float32) * st_.alive
    syn = net.synapses()
    st_.elig[syn] = rng.normal(0, 0.5, len(syn)).astype(np.float32)
    # remove a few neurons (and their synapses)
    if len(alive) and draw(st.booleans()):
        for i in rng.choice(alive, size=min(2, len(alive)), replace=False):
            net.remove_neuron(int(i))
    return net
