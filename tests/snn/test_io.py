"""Normalisation, encoders and decoders: kernels against the numpy reference, plus behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from devo.rng import PyRng, rng_from_seed
from devo.snn import HIDDEN, INPUT, OUTPUT, Network, NeuronParams
from devo.snn import decoders as D
from devo.snn import encoders as E
from devo.snn import normalize as NZ
from devo.snn import state as S
from devo.snn.reference import (
    apply_drive_reference,
    decode_continuous_reference,
    decode_discrete_reference,
    encode_reference,
    normalize_reference,
)

finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(
    obs_seq=st.lists(arrays(np.float64, 3, elements=finite), min_size=1, max_size=20),
    modes=arrays(np.int8, 3, elements=st.sampled_from([NZ.BOUNDS, NZ.RUNNING, NZ.SCALE, NZ.RAW])),
)
def test_normalize_matches_reference(obs_seq, modes) -> None:
    low, high = np.array([-2.0, 0.0, -5.0]), np.array([2.0, 10.0, 5.0])
    s_k, s_r = NZ.new_stats(3), NZ.new_stats(3)
    out = np.empty(3, np.float32)
    for obs in obs_seq:
        NZ.normalize(obs, modes, low, high, s_k, True, 3.0, out)
        want = normalize_reference(obs, modes, low, high, s_r, True, 3.0)
        np.testing.assert_allclose(out, want, rtol=1e-6, atol=1e-6)
        bounded = modes != NZ.RAW
        assert (np.abs(out[bounded]) <= 1.0).all()
    np.testing.assert_allclose(s_k, s_r, rtol=1e-12)


def test_running_normalisation_converges_to_zscore() -> None:
    rng = np.random.default_rng(0)
    stats = NZ.new_stats(1)
    out = np.empty(1, np.float32)
    mode = np.array([NZ.RUNNING], np.int8)
    for x in rng.normal(10.0, 2.0, 5000):
        NZ.normalize(np.array([x]), mode, np.zeros(1), np.zeros(1), stats, True, 3.0, out)
    assert stats[1, 0] == pytest.approx(10.0, abs=0.1)
    assert np.sqrt(stats[2, 0] / stats[0, 0]) == pytest.approx(2.0, abs=0.1)
    NZ.normalize(np.array([16.0]), mode, np.zeros(1), np.zeros(1), stats, False, 3.0, out)
    assert out[0] == pytest.approx(1.0, abs=0.05)  # three standard deviations up


def test_scale_mode_keeps_a_steady_drift_visible() -> None:
    """A value that settles at a constant (a cart drifting at a steady speed) reads ~0 once the
    running mean has caught up, but stays at 1/c of full scale when only the scale is learned."""
    out = np.empty(2, np.float32)
    stats = NZ.new_stats(2)
    modes = np.array([NZ.RUNNING, NZ.SCALE], np.int8)
    rng = np.random.default_rng(1)
    for x in list(rng.normal(0.0, 0.2, 200)) + [-0.9] * 20000:
        NZ.normalize(np.array([x, x]), modes, np.zeros(2), np.zeros(2), stats, True, 3.0, out)
    assert abs(out[0]) < 0.05
    assert out[1] == pytest.approx(-1.0 / 3.0, abs=0.02)
    stats = NZ.new_stats(1)
    for x in rng.normal(0.0, 2.0, 5000):  # centred data: the same scale as the z-score
        NZ.normalize(np.array([x]), modes[1:], np.zeros(1), np.zeros(1), stats, True, 3.0, out[:1])
    NZ.normalize(np.array([6.0]), modes[1:], np.zeros(1), np.zeros(1), stats, False, 3.0, out[:1])
    assert out[0] == pytest.approx(1.0, abs=0.05)


def test_modes_for_bounds() -> None:
    low = np.array([-4.8, -np.inf, -0.42, -3.4e38])
    high = np.array([4.8, np.inf, 0.42, 3.4e38])
    np.testing.assert_array_equal(
        NZ.modes_for_bounds(low, high), [NZ.BOUNDS, NZ.RUNNING, NZ.BOUNDS, NZ.RUNNING]
    )
    np.testing.assert_array_equal(
        NZ.modes_for_bounds(low, high, NZ.SCALE), [NZ.BOUNDS, NZ.SCALE, NZ.BOUNDS, NZ.SCALE]
    )
    with pytest.raises(ValueError, match="shape"):
        NZ.modes_for_bounds(low, high[:2])
    assert not NZ.all_finite(np.array([0.0, np.nan]))
    assert NZ.all_finite(np.array([0.0, 1.0]))


@given(
    xn=arrays(np.float32, st.integers(1, 5), elements=st.floats(-1, 1, width=32)),
    kind=st.sampled_from(list(E.KIND_NAMES)),
)
def test_encode_matches_reference(xn, kind) -> None:
    spec = E.EncoderSpec(kind=kind, population=4, sigma=0.3)
    params = spec.pack()
    drive = np.empty(spec.n_neurons(len(xn)), np.float32)
    E.encode(xn, spec.code, params, drive)
    np.testing.assert_allclose(drive, encode_reference(xn, spec.code, params), rtol=1e-6, atol=1e-7)


@given(
    xn=arrays(np.float32, 4, elements=st.floats(-1, 1, width=32)),
    kind=st.sampled_from(list(E.KIND_NAMES)),
    seed=st.integers(0, 2**32),
    ticks=st.integers(1, 8),
)
def test_apply_drive_matches_reference(xn, kind, seed, ticks) -> None:
    spec = E.EncoderSpec(kind=kind, gain=0.8, offset=0.1, population=3)
    params = spec.pack()
    n_in = spec.n_neurons(4)
    net = Network.layered(n_in, 2, 1)
    a, b = net.state, net.state.copy()
    inputs = net.inputs
    drive = encode_reference(xn, spec.code, params)
    rk = rng_from_seed(seed)
    rp = PyRng(rk.copy())
    for t in range(ticks):
        E.apply_drive(a.i_ext, a.force, inputs, drive, spec.code, params, t, ticks, rk)
        apply_drive_reference(b, inputs, drive, spec.code, params, t, ticks, rp)
        np.testing.assert_array_equal(a.force, b.force)
        np.testing.assert_array_equal(a.i_ext, b.i_ext)
        a.force[:] = 0
        b.force[:] = 0


def test_latency_code_fires_once_larger_values_earlier() -> None:
    xn = np.array([1.0, 0.0, -0.5, -1.0], np.float32)
    drive = np.empty(4, np.float32)
    params = E.EncoderSpec(kind="latency").pack()
    E.encode(xn, E.LATENCY, params, drive)
    net = Network.layered(4, 1, 1)
    first = {}
    rng = rng_from_seed(0)
    for t in range(5):
        E.apply_drive(net.state.i_ext, net.state.force, net.inputs, drive, E.LATENCY, params, t, 5, rng)
        for k, i in enumerate(net.inputs):
            if net.state.force[i]:
                assert k not in first  # at most one spike per step
                first[k] = t
        net.state.force[:] = 0
    assert first == {0: 0, 1: 2, 2: 3}  # x = -1 never fires


def test_poisson_rate_follows_drive() -> None:
    params = E.EncoderSpec(kind="poisson", gain=0.5).pack()
    drive = np.array([1.0, 0.2], np.float32)
    net = Network.layered(2, 1, 1)
    rng = rng_from_seed(1)
    counts = np.zeros(2)
    for t in range(4000):
        E.apply_drive(net.state.i_ext, net.state.force, net.inputs, drive, E.POISSON, params, t % 4, 4, rng)
        counts += net.state.force[net.inputs]
        net.state.force[:] = 0
    np.testing.assert_allclose(counts / 4000, [0.5, 0.1], atol=0.02)


def test_encoder_spec_validation() -> None:
    with pytest.raises(ValueError, match="unknown encoder 'spikes'"):
        E.EncoderSpec(kind="spikes")
    with pytest.raises(ValueError, match="population >= 2"):
        E.EncoderSpec(kind="population", population=1)
    assert E.EncoderSpec(kind="population", population=5).n_neurons(4) == 20


def _window_net(counts, v_acc, first=None) -> Network:
    n = len(counts)
    net = Network.empty(n + 1, 0)
    for _ in range(n):
        net.add_neuron(OUTPUT)
    net.state.count[:n] = counts
    net.state.v_acc[:n] = v_acc
    net.state.first[:n] = first if first is not None else -1
    net.state.meta[S.M_WINDOW] = 4
    return net


@given(
    counts=arrays(np.int32, st.integers(1, 6), elements=st.integers(0, 3)),
    seed=st.integers(0, 1000),
    kind=st.sampled_from([D.COUNT, D.FIRST_SPIKE]),
)
def test_decode_discrete_matches_reference(counts, seed, kind) -> None:
    rng = np.random.default_rng(seed)
    v = rng.choice([0.0, 0.5, 1.0], len(counts)).astype(np.float32)
    first = np.where(counts > 0, rng.integers(0, 3, len(counts)), -1).astype(np.int32)
    net = _window_net(counts, v, first)
    outputs = np.arange(len(counts), dtype=np.int32)
    assert D.decode_discrete(net.state, outputs, kind) == decode_discrete_reference(net.state, outputs, kind)


def test_decode_count_ties_broken_by_membrane_then_index() -> None:
    net = _window_net([2, 3, 3, 1], [0.0, 0.2, 0.9, 5.0])
    out = np.arange(4, dtype=np.int32)
    assert D.decode_discrete(net.state, out, D.COUNT) == 2
    net = _window_net([0, 0, 0], [0.1, 0.1, 0.1])
    assert D.decode_discrete(net.state, np.arange(3, dtype=np.int32), D.COUNT) == 0


def test_exact_ties_are_broken_by_a_uniform_draw() -> None:
    """A lifetime's decoder: exact ties (a silent network) go to a uniform draw from the lifetime's
    stream, matching the pure-Python generator; without a tie nothing is drawn."""
    out = np.arange(4, dtype=np.int32)
    net = _window_net([0, 0, 0, 0], [0.1, 0.3, 0.3, 0.3])  # outputs 1, 2, 3 tie exactly
    rng = rng_from_seed(5)
    py = PyRng(rng.copy())
    best = D.decode_discrete(net.state, out, D.COUNT)
    picks = [D.break_ties(net.state, out, D.COUNT, best, rng) for _ in range(3000)]
    assert picks[:50] == [1 + py.integers(3) for _ in range(50)]
    counts = np.bincount(picks, minlength=4)
    assert counts[0] == 0 and counts[1:].min() > 900
    net = _window_net([2, 3, 3, 1], [0.0, 0.2, 0.9, 5.0])  # no exact tie: the deterministic choice
    before = rng.copy()
    assert D.break_ties(net.state, out, D.COUNT, D.decode_discrete(net.state, out, D.COUNT), rng) == 2
    np.testing.assert_array_equal(rng, before)


def test_decode_first_spike() -> None:
    net = _window_net([1, 2, 1], [0.0, 0.0, 0.0], [3, 1, 1])
    assert D.decode_discrete(net.state, np.arange(3, dtype=np.int32), D.FIRST_SPIKE) == 1
    net = _window_net([0, 0], [0.1, 0.7], [-1, -1])  # nobody fired: membrane decides
    assert D.decode_discrete(net.state, np.arange(2, dtype=np.int32), D.FIRST_SPIKE) == 1


@given(
    counts=arrays(np.int32, 4, elements=st.integers(0, 4)),
    v=arrays(np.float32, 4, elements=st.floats(-5, 5, width=32)),
    kind=st.sampled_from([D.COUNT_DIFF, D.MEMBRANE]),
)
def test_decode_continuous_matches_reference_and_stays_in_bounds(counts, v, kind) -> None:
    net = _window_net(counts, v)
    low, high = np.array([-2.0, 0.0]), np.array([2.0, 1.0])
    out = np.empty(2)
    outputs = np.arange(4, dtype=np.int32)
    D.decode_continuous(net.state, outputs, kind, low, high, 0.7, out)
    want = decode_continuous_reference(net.state, outputs, kind, low, high, 0.7)
    np.testing.assert_allclose(out, want, rtol=1e-9)
    assert (out >= low).all() and (out <= high).all()


def test_decode_binary() -> None:
    net = _window_net([0, 2, 1, 0], [0, 0, 0, 0])
    out = np.empty(4, np.int8)
    D.decode_binary(net.state, np.arange(4, dtype=np.int32), out)
    np.testing.assert_array_equal(out, [0, 1, 1, 0])
    assert D.n_output_neurons(D.COUNT_DIFF, 3) == 6 and D.n_output_neurons(D.COUNT, 3) == 3


def test_end_to_end_current_code_drives_the_right_output() -> None:
    """Input 0 excites output A through a hidden relay, input 1 excites output B: the decoded
    action follows which observation is large."""
    p = NeuronParams(tau_m=2, threshold=0.5, refractory=0)
    net = Network.empty(6, 4)
    i0, i1 = net.add_neuron(INPUT, params=p), net.add_neuron(INPUT, params=p)
    h0, h1 = net.add_neuron(HIDDEN, params=p), net.add_neuron(HIDDEN, params=p)
    o0, o1 = net.add_neuron(OUTPUT, params=p), net.add_neuron(OUTPUT, params=p)
    for a, b in [(i0, h0), (h0, o0), (i1, h1), (h1, o1)]:
        net.add_synapse(a, b, 1.0)
    params = E.EncoderSpec(kind="current", gain=1.0).pack()
    outputs = np.array([o0, o1], np.int32)
    for xn, want in [([1.0, -1.0], 0), ([-1.0, 1.0], 1)]:
        drive = np.empty(2, np.float32)
        E.encode(np.array(xn, np.float32), E.CURRENT, params, drive)
        net.clear_window()
        for t in range(8):
            st = net.state
            E.apply_drive(st.i_ext, st.force, net.inputs, drive, E.CURRENT, params, t, 8, rng_from_seed(0))
            net.tick(1)
        assert D.decode_discrete(net.state, outputs, D.COUNT) == want
