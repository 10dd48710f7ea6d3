"""The compiled rules against plain numpy references: edge rule, node rule, pruning, and the
exact Bernoulli draw behind every structural decision."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from devo.develop import agent as A
from devo.develop.edge import edge_rule
from devo.develop.growth import birth
from devo.develop.mathx import bernoulli_logit
from devo.develop.node import node_rule
from devo.develop.structural import new_synapse_state, project_pair, prune, prune_bounds, state_magnitudes
from devo.lifetime.step import PY_BIRTH, py_step
from devo.rng import PyRng
from devo.snn import state as S
from tests.develop.helpers import evaluator


def _softsign(x):
    return x / (1 + np.abs(x))


def _gate(x):
    return 0.5 + 0.5 * _softsign(x)


def developed(seed: int, sigma: float, m: float, phase: int):
    """A network after development, with random traces, eligibility and modulator; and the
    genome's blocks by name (the references read the genome, not the kernels' copy of it)."""
    ev = evaluator()
    rng = np.random.default_rng(seed)
    g = ev.initial_genome(seed % 5) + sigma * rng.normal(size=ev.genome_size).astype(np.float32)
    net, ag, R, rec = ev.prepare(g, seed)
    py_step(net, ag, R, rec, PY_BIRTH, 0.0, False, 0, 0, 0)
    n = net.meta[S.M_NEU_HI]
    net.x_pre[:n] = rng.uniform(0, 2, n)
    net.x_post[:n] = rng.uniform(0, 2, n)
    net.rate[:n] = rng.uniform(0, 0.3, n)
    net.count[:n] = rng.integers(0, 5, n)
    net.elig[:] = np.where(net.s_alive != 0, rng.normal(size=net.elig.shape), 0).astype(np.float32)
    net.hp[:] = np.where(net.s_alive != 0, rng.uniform(-1, 1, size=net.hp.shape), 0).astype(np.float32)
    R.plastic[:] = np.where(R.plastic != 0, rng.normal(size=R.plastic.shape), 0).astype(np.float32)
    R.plastic[:, 4] = np.clip(R.plastic[:, 4], -1, 1)
    ag.ms[A.MS_M] = m
    ag.action[0] = rng.integers(0, len(ag.outputs))  # the choice (CartPole: discrete)
    ag.counters[A.K_PHASE] = phase
    return net, ag, R, {k: v.astype(np.float64) for k, v in ev.spec.unflatten(g).items()}


_cases = settings(max_examples=15, deadline=None)
_given = given(
    seed=st.integers(0, 2**20), sigma=st.sampled_from([0.0, 0.3, 1.0]), m=st.floats(-2, 2),
    phase=st.sampled_from([A.PHASE_DEVELOP, A.PHASE_EPISODE]),
)


@_cases
@_given
def test_edge_rule_matches_numpy(seed: int, sigma: float, m: float, phase: int) -> None:
    net, ag, R, p = developed(seed, sigma, m, phase)
    n, hi = net.meta[S.M_NEU_HI], net.meta[S.M_SYN_HI]
    alive = net.s_alive[:hi] != 0
    i, j = net.src[:hi][alive], net.dst[:hi][alive]
    h = net.h[:, :n].astype(np.float64)
    m32 = float(np.float32(m))
    a = R.edge_bias[:, None] + R.edge_d[:, 2:3] * net.x_pre[None, :n] + p["edge.a"] @ h
    b = R.edge_d[:, 4:5] * m32 + R.edge_d[:, 3:4] * net.x_post[None, :n] + p["edge.b"] @ h
    a2, b2 = p["edge.a2"] @ h, p["edge.b2"] @ h
    e = net.e[:hi][alive].T.astype(np.float64)
    ge = R.edge_d[:, 0] * m32 + R.edge_d[:, 1]
    u = a[:, i] + b[:, j] + a2[:, i] * b2[:, j] + ge[:, None] * net.elig[:hi][alive][None, :] + R.edge_c @ e
    row = 0 if phase == A.PHASE_EPISODE else 1
    lam = 1 / (1 + np.exp(-R.edge_rate[row].astype(np.float64)))
    e_ref = e + lam[:, None] * (_softsign(u) - e)
    t = 3 * net.kind[i] + net.kind[j]
    gain = R.syn_gain[t]
    hp = net.hp[:hi][alive].astype(np.float64)
    if phase == A.PHASE_EPISODE:  # the plastic weight component (learned family, on by default)
        P = R.plastic[t].astype(np.float64).T  # (5, synapses): eta_m, eta_0, beta_m, beta_0, alpha
        keep = 1 - 1 / (1 + np.exp(-float(R.plastic_decay[0])))
        c = net.count[:n] / ag.ci[A.C_TICKS]
        post = c.copy()  # an output's postsynaptic factor is the choice (efference copy)
        post[ag.outputs] = 0.0
        post[ag.outputs[int(ag.action[0])]] = 1.0
        hp_ref = np.clip(
            keep * hp + (P[0] * m32 + P[1]) * net.elig[:hi][alive] + (P[2] * m32 + P[3]) * c[i] * post[j], -1, 1
        )
        w_ref = ag.cf[A.F_WMAX] * np.clip(gain * e_ref[0] + P[4] * (1 + e_ref[1]) / 2 * hp_ref, -1, 1)
    else:  # developing: H untouched, w = w_max g e_0
        hp_ref = hp
        w_ref = ag.cf[A.F_WMAX] * gain * e_ref[0]

    edge_rule(net, ag, R)
    np.testing.assert_allclose(net.e[:hi][alive].T, e_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.hp[:hi][alive], hp_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.w[:hi][alive], w_ref, rtol=1e-5, atol=1e-6)
    assert (net.e[:hi][~alive] == 0).all() and (net.w[:hi][~alive] == 0).all()


@_cases
@_given
def test_node_rule_matches_numpy(seed: int, sigma: float, m: float, phase: int) -> None:
    net, ag, R, p = developed(seed, sigma, m, phase)
    n, hi = net.meta[S.M_NEU_HI], net.meta[S.M_SYN_HI]
    alive_n = net.alive[:n] != 0
    h = net.h[:, :n].astype(np.float64)
    mu = _softsign(R.msg_w @ h + R.msg_b[:, None])  # (M, n)
    syn = np.flatnonzero(net.s_alive[:hi])
    src, dst, w = net.src[syn], net.dst[syn], net.w[syn].astype(np.float64)
    x_in = np.zeros((4, n))
    x_out = np.zeros((4, n))
    np.add.at(x_in.T, dst, (w * mu[:, src]).T)
    np.add.at(x_out.T, src, (w * mu[:, dst]).T)
    din = np.bincount(dst, minlength=n)[:n].astype(np.float64)
    dout = np.bincount(src, minlength=n)[:n].astype(np.float64)
    kind = np.eye(3)[net.kind[:n]].T
    x = np.vstack([
        x_in / np.maximum(din, 1), x_out / np.maximum(dout, 1), 10 * net.rate[None, :n],
        net.count[None, :n] / ag.ci[A.C_TICKS], kind, (din / (din + 4))[None], (dout / (dout + 4))[None],
        np.full((1, n), np.float32(m)), net.pos[:n].T, np.full((1, n), 1.0 if phase != A.PHASE_EPISODE else 0.0),
    ])
    H = h.shape[0]
    pre = R.gru_wx.T @ x + R.gru_b[:, None]
    rec = R.gru_uh.T @ h
    z = _gate(pre[:H] + rec[:H])
    r = _gate(pre[H:2 * H] + rec[H:2 * H])
    cand = _softsign(pre[2 * H:] + r * rec[2 * H:])
    h_ref = np.where(alive_n, h + z * (cand - h), 0.0)

    node_rule(net, ag, R)
    np.testing.assert_allclose(net.h[:, :n], h_ref, rtol=1e-4, atol=1e-5)


def _prune_logits(net, R, p, phase: int):
    """Alive slots and their pruning logits, in float64 from the genome's blocks."""
    n, hi = net.meta[S.M_NEU_HI], net.meta[S.M_SYN_HI]
    h = net.h[:, :n].astype(np.float64)
    qa = p["prune.wpre"] @ h + R.prune_b[:, None]
    qb = p["prune.wpost"] @ h
    syn = np.flatnonzero(net.s_alive[:hi])
    hid = qa[:, net.src[syn]] + qb[:, net.dst[syn]] + R.prune_we @ net.e[syn].T.astype(np.float64)
    bias = R.prune_c[0] + (R.prune_c[1] if phase != A.PHASE_EPISODE else 0.0)
    return syn, bias + R.prune_v @ np.maximum(hid, 0)


@_cases
@given(
    seed=st.integers(0, 2**20), sigma=st.sampled_from([0.0, 0.3, 1.0, 3.0]), c=st.floats(-12, 2),
    phase=st.sampled_from([A.PHASE_DEVELOP, A.PHASE_EPISODE]),
)
def test_pruning_bound_is_above_every_synapse_probability(seed: int, sigma: float, c: float, phase: int) -> None:
    net, ag, R, p = developed(seed, sigma, 0.0, phase)
    R.prune_c[:] = np.float32(c)
    syn, logit = _prune_logits(net, R, p, phase)
    project_pair(net.h, R.prune_wpre, R.prune_wpost, R.prune_b, ag.qa, ag.qb, net.meta[S.M_NEU_HI])
    cc = np.float32(R.prune_c[0]) + (R.prune_c[1] if phase != A.PHASE_EPISODE else np.float32(0.0))
    prune_bounds(net, ag, R, cc)
    prob = 1 / (1 + np.exp(-logit))
    bound = ag.bound[net.src[syn]]
    assert np.all(prob <= bound), (prob - bound).max()
    if c < -10 and sigma == 0.0:  # rare pruning under the initial genome: the bound settles most draws
        assert np.mean(bound) < 0.05


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(0, 23),
    values=st.lists(st.sampled_from([0.0, -0.0, 0.25, -0.5, 0.75, -1.0, 3.0, np.inf, -np.inf, np.nan]),
                    min_size=96, max_size=96),
)
def test_state_magnitudes_is_the_running_maximum_of_magnitudes(rows: int, values: list[float]) -> None:
    """Four rows at a time into four accumulators: the same maximum, bit for bit, as one pass in
    slot order with ``max`` (which starts at 0 and skips NaN), on rows with NaN, infinities, -0."""
    ef = np.array(values, np.float32)

    @njit(error_model="numpy")
    def sequential(ef, rows):
        m = np.zeros(4, np.float32)
        for s in range(rows):
            for c in range(4):
                m[c] = max(m[c], abs(ef[4 * s + c]))
        return m

    got = np.array(state_magnitudes(ef, rows), np.float32)
    np.testing.assert_array_equal(got.view(np.uint32), sequential(ef, rows).view(np.uint32))


def _assert_pruning_matches_reference(net, ag, R, p, phase: int) -> None:
    """The compiled pruning removes the synapses the float64 reference removes, with the same
    draws from the Python generator, and leaves the random state where it leaves it."""
    syn, logit = _prune_logits(net, R, p, phase)
    py = PyRng(ag.rng.copy())
    expect = [s for s, lg in zip(syn, logit, strict=True) if py.uniform() < 1 / (1 + math.exp(-lg))]
    removed = prune(net, ag, R)
    assert removed == len(expect)
    assert set(np.flatnonzero(net.s_alive[:net.meta[S.M_SYN_HI]] == 0)) & set(syn) == set(expect)
    np.testing.assert_array_equal(ag.rng, py.state())


@_cases
@_given
def test_rare_pruning_matches_numpy_and_the_python_generator(seed: int, sigma: float, m: float, phase: int) -> None:
    """Logits near the genome's defaults (pruning rare), where most draws are settled by the
    presynaptic bound without the MLP: the same synapses go, the same draws are made."""
    net, ag, R, p = developed(seed, sigma, m, phase)
    R.prune_c[:] = np.float32(np.random.default_rng(seed).uniform(-9, -5))
    R.prune_v[:] *= np.float32(3.0)  # MLP outputs that matter, so some synapses still go
    _assert_pruning_matches_reference(net, ag, R, p, phase)


@_cases
@_given
def test_pruning_matches_numpy_and_the_python_generator(seed: int, sigma: float, m: float, phase: int) -> None:
    net, ag, R, p = developed(seed, sigma, m, phase)
    # logits near the middle, so some synapses go and some stay
    R.prune_c[:] = np.float32(np.random.default_rng(seed).uniform(-3, 1))
    _assert_pruning_matches_reference(net, ag, R, p, phase)


@njit(cache=True)
def _draws(u: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.empty(u.shape[0], np.bool_)
    for k in range(u.shape[0]):
        out[k] = bernoulli_logit(u[k], x[k])
    return out


@settings(max_examples=200)
@given(u=st.floats(0, 1, exclude_max=True), x=st.floats(-60, 60))
def test_bernoulli_logit_is_the_sigmoid_draw(u: float, x: float) -> None:
    sig = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    # the draw itself, and draws just either side of the sigmoid (where a loose bound would err)
    for uu in (u, sig, np.nextafter(sig, 0), np.nextafter(sig, 1)):
        if 0 <= uu < 1:
            assert _draws(np.array([uu]), np.array([x]))[0] == (uu < sig), (uu, x)


@njit(cache=True)
def _per_synapse_states(net, ag, R, out_e, out_w):
    """Each alive synapse's initial state and weight as synaptogenesis computes them."""
    for s in range(net.meta[S.M_SYN_HI]):
        if net.s_alive[s] != 0:
            out_w[s] = new_synapse_state(net, ag, R, net.src[s], net.dst[s])
            for c in range(4):
                out_e[s, c] = ag.e_tmp[c]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**20), sigma=st.sampled_from([0.0, 0.5, 2.0]))
def test_birth_synapses_have_the_new_synapse_state(seed: int, sigma: float) -> None:
    """Birth computes each neuron's projections once; its synapses must be those the per-synapse
    formula gives (bit for bit) and match the numpy reference."""
    ev = evaluator(network={"init_density": 0.5})  # dense enough that birth always grows synapses
    rng = np.random.default_rng(seed)
    g = ev.initial_genome(seed % 5) + sigma * rng.normal(size=ev.genome_size).astype(np.float32)
    net, ag, R, _ = ev.prepare(g, seed)
    birth(net, ag, R)  # birth alone: development would change the states and the neurons
    hi = net.meta[S.M_SYN_HI]
    alive = net.s_alive[:hi] != 0
    assert alive.sum() > 0
    e = np.zeros((hi, 4), np.float32)
    w = np.zeros(hi, np.float32)
    _per_synapse_states(net, ag, R, e, w)
    np.testing.assert_array_equal(net.e[:hi][alive], e[alive])
    np.testing.assert_array_equal(net.w[:hi][alive], w[alive])
    p = {k: v.astype(np.float64) for k, v in ev.spec.unflatten(g).items()}
    i, j = net.src[:hi][alive], net.dst[:hi][alive]
    h = net.h.astype(np.float64)
    prod = (p["syn.ga"] @ h[:, i]) * (p["syn.gb"] @ h[:, j])  # (E, synapses)
    e_ref = _softsign(p["syn.e0"][:, None] + prod)
    e_ref[0] = _softsign(p["syn.e0"][0] + prod.sum(0))
    w_ref = ag.cf[A.F_WMAX] * R.syn_gain[3 * net.kind[i] + net.kind[j]] * e_ref[0]
    np.testing.assert_allclose(net.e[:hi][alive].T, e_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(net.w[:hi][alive], w_ref, rtol=1e-4, atol=1e-5)
