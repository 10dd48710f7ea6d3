"""The compiled tick against the numpy reference on random networks (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devo.snn import INPUT, Network, NeuronParams, TraceParams
from devo.snn import state as S
from devo.snn.dynamics import clear_window, run_ticks, tick
from devo.snn.reference import tick_reference
from tests.snn.strategies import networks

STATE_FIELDS = (
    "v", "i_syn", "adapt", "refr", "spike", "x_pre", "x_post", "rate", "count", "first", "v_acc",
    "elig", "force",
)


def assert_states_close(a: S.NetState, b: S.NetState, tol: float = 1e-5) -> None:
    for name in STATE_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype.kind in "iu":
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=name)
    np.testing.assert_array_equal(a.meta, b.meta)


@given(
    net=networks(),
    traces=st.booleans(),
    ticks=st.integers(1, 25),
    seed=st.integers(0, 2**31 - 1),
)
def test_tick_matches_reference(net: Network, traces: bool, ticks: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    kern, ref = net.state, net.state.copy()
    n = net.max_neurons
    for _ in range(ticks):
        i_ext = rng.uniform(-0.5, 1.5, n).astype(np.float32)
        force = (rng.random(n) < 0.1).astype(np.uint8) * kern.alive
        for s_ in (kern, ref):
            s_.i_ext[:] = i_ext
            s_.force[:] = force
        n_k = tick(kern, traces)
        n_r = tick_reference(ref, traces)
        assert n_k == n_r
        np.testing.assert_array_equal(kern.spike, ref.spike)  # equal spike trains
        np.testing.assert_array_equal(np.sort(kern.spiked[:n_k]), ref.spiked[:n_r])
        assert_states_close(kern, ref)
    net.check_invariants()


@given(net=networks(allow_empty=False), ticks=st.integers(1, 30))
def test_run_ticks_equals_repeated_tick(net: Network, ticks: int) -> None:
    a, b = net.state, net.state.copy()
    a.i_ext[:] = 0.8
    b.i_ext[:] = 0.8
    total = run_ticks(a, ticks, True)
    assert total == sum(tick(b, True) for _ in range(ticks))
    assert_states_close(a, b, tol=0)


def test_empty_network_ticks() -> None:
    net = Network.empty(8, 0)
    assert net.tick(10) == 0
    assert net.state.meta[S.M_TICK] == 10


def _single(params: NeuronParams, traces: TraceParams | None = None) -> Network:
    net = Network.empty(2, 1, traces=traces)
    net.add_neuron(S.HIDDEN, params=params)
    return net


def test_lif_constant_drive_fires_periodically() -> None:
    # v[t] = 0.5 v[t-1] + 0.6: 0.6, 0.9, 1.05 -> spike on every third tick after each reset (t_ref 0)
    net = _single(NeuronParams(tau_m=1 / np.log(2), threshold=1.0, refractory=0, bias=0.6))
    spikes = []
    for _ in range(9):
        net.tick(1)
        spikes.append(int(net.state.spike[0]))
    assert spikes == [0, 0, 1, 0, 0, 1, 0, 0, 1]


def test_refractory_period_holds_reset() -> None:
    net = _single(NeuronParams(tau_m=1.0, threshold=0.5, refractory=2, bias=1.0))
    spikes = []
    for _ in range(8):
        net.tick(1)
        spikes.append(int(net.state.spike[0]))
    assert spikes == [1, 0, 0, 1, 0, 0, 1, 0]


def test_adaptation_slows_firing() -> None:
    plain = _single(NeuronParams(tau_m=5, bias=0.4, refractory=0))
    adaptive = _single(NeuronParams(tau_m=5, bias=0.4, refractory=0, adapt_increment=0.5, tau_adapt=100))
    n_plain, n_adapt = plain.tick(300), adaptive.tick(300)
    assert n_plain > 0
    assert n_adapt < 0.6 * n_plain


def test_transmission_is_one_tick_delayed_and_weighted() -> None:
    net = Network.empty(3, 2, traces=TraceParams(tau_syn=0.0))
    a = net.add_neuron(INPUT, params=NeuronParams(tau_m=1, threshold=1, refractory=0))
    b = net.add_neuron(S.HIDDEN, params=NeuronParams(tau_m=0.0, threshold=1, refractory=0))
    net.add_synapse(a, b, 0.75)
    net.state.force[a] = 1
    net.tick(1)
    assert net.state.spike[a] == 1 and net.state.i_syn[b] == pytest.approx(0.75)
    assert net.state.v[b] == 0.0  # not yet arrived
    net.tick(1)
    assert net.state.v[b] == pytest.approx(0.75)  # arrived; tau_m = 0 keeps no memory
    net.tick(1)
    assert net.state.v[b] == 0.0


def test_stdp_eligibility_sign_follows_spike_order() -> None:
    tr = TraceParams(tau_pre=5, tau_post=5, tau_elig=1000, a_plus=1.0, a_minus=1.0)
    net = Network.empty(3, 2, traces=tr)
    p = NeuronParams(tau_m=1, threshold=1e9, refractory=0)  # only forced spikes
    pre = net.add_neuron(S.HIDDEN, params=p)
    post = net.add_neuron(S.HIDDEN, params=p)
    s = net.add_synapse(pre, post, 0.0)
    st_ = net.state
    st_.force[pre] = 1
    net.tick(1)
    net.tick(1)
    st_.force[post] = 1  # post two ticks after pre: potentiation by a+ * d_pre^2
    net.tick(1)
    d = np.exp(-1 / 5)
    assert st_.elig[s] == pytest.approx(d**2, rel=1e-4)
    # reverse order on a fresh pair: depression
    net2 = Network.empty(3, 2, traces=tr)
    pre2 = net2.add_neuron(S.HIDDEN, params=p)
    post2 = net2.add_neuron(S.HIDDEN, params=p)
    s2 = net2.add_synapse(pre2, post2, 0.0)
    net2.state.force[post2] = 1
    net2.tick(1)
    net2.state.force[pre2] = 1
    net2.tick(1)
    assert net2.state.elig[s2] == pytest.approx(-d, rel=1e-4)


def test_rate_estimate_tracks_firing_probability() -> None:
    net = _single(NeuronParams(tau_m=1.0, threshold=0.5, refractory=1, bias=1.0),
                  TraceParams(tau_rate=50))
    net.tick(1000)
    assert net.state.rate[0] == pytest.approx(0.5, abs=0.02)  # fires every other tick


def test_window_counts_and_first_spike() -> None:
    net = _single(NeuronParams(tau_m=1.0, threshold=0.5, refractory=1, bias=1.0))
    net.tick(3)
    clear_window(net.state)
    net.state.force[0] = 0
    net.tick(4)
    assert net.state.count[0] == 2 and net.state.first[0] in (0, 1)
    assert net.state.meta[S.M_WINDOW] == 4


@given(net=networks(allow_empty=False), ticks=st.integers(1, 6), kind=st.sampled_from([0, 1, 2, 3]),
       seed=st.integers(0, 2**32))
def test_run_step_equals_drive_then_ticks(net: Network, ticks: int, kind: int, seed: int) -> None:
    from devo.rng import rng_from_seed
    from devo.snn import encoders as E
    from devo.snn.dynamics import run_step

    spec = E.EncoderSpec(kind=list(E.KIND_NAMES)[kind], gain=0.9, offset=0.2, population=2)
    inputs = net.inputs
    n_in = len(inputs)
    drive = np.random.default_rng(seed).uniform(0, 1, n_in).astype(np.float32)
    a, b = net.state, net.state.copy()
    ra, rb = rng_from_seed(seed), rng_from_seed(seed)
    raster = np.zeros((ticks + 2, net.max_neurons), np.uint8)
    total = run_step(a, ticks, True, inputs, drive, spec.code, spec.pack(), ra, raster, 1)
    clear_window(b)
    want = 0
    spikes = []
    for t in range(ticks):
        E.apply_drive(b.i_ext, b.force, inputs, drive, spec.code, spec.pack(), t, ticks, rb)
        want += tick(b, True)
        spikes.append(b.spike.copy())
    assert total == want
    assert_states_close(a, b, tol=0)
    np.testing.assert_array_equal(raster[1 : ticks + 1], np.array(spikes))
    assert not raster[0].any() and not raster[ticks + 1].any()
