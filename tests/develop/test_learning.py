"""Lifetime learning: the plastic weight component, activity resets (LNDP's protocol), the
ablation switches, and the search centre's per-block initial values."""

from __future__ import annotations

import numpy as np
import pytest

from devo.develop import agent as A
from devo.develop.edge import PLASTIC_INIT
from devo.develop.rules import rules_array
from devo.lifetime.step import PY_BIRTH, py_step
from devo.snn import state as S
from devo.snn.dynamics import reset_activity
from tests.develop.helpers import evaluator, set_block

FORAGING = {"env": "Foraging-v0", "max_episode_steps": 40}


def test_reset_activity_forgets_activity_and_keeps_synapses() -> None:
    ev = evaluator()
    net, ag, R, rec = ev.prepare(ev.initial_genome(0), 3)
    py_step(net, ag, R, rec, PY_BIRTH, 0.0, False, 0, 0, 0)  # birth, development, spontaneous activity
    n, hi = net.meta[S.M_NEU_HI], net.meta[S.M_SYN_HI]
    rng = np.random.default_rng(0)
    for a in (net.v, net.adapt, net.x_pre, net.x_post, net.rate):
        a[:n] = rng.uniform(0.1, 1, n)
    net.i_syn[:n] = 1.0
    net.refr[:n] = 2
    net.spike[:n] = 1
    net.elig[:hi] = 0.5
    net.hp[:hi] = np.where(net.s_alive[:hi] != 0, 0.25, 0)
    keep = {k: getattr(net, k).copy() for k in ("w", "e", "hp", "src", "dst", "s_alive", "h")}
    reset_activity(net)
    np.testing.assert_array_equal(net.v[:n], net.v_reset[:n])
    for name in ("i_syn", "adapt", "refr", "spike", "x_pre", "x_post", "rate"):
        assert not getattr(net, name)[:n].any(), name
    assert not net.elig.any() and net.meta[S.M_NSPIKED] == 0
    for k, v in keep.items():
        np.testing.assert_array_equal(getattr(net, k), v, err_msg=k)


def _activity_by_input(rec) -> dict[tuple, set]:
    ep = rec.column("phase") == A.PHASE_EPISODE
    out: dict[tuple, set] = {}
    for x, c in zip(rec.inputs[ep], rec.counts[ep], strict=True):
        out.setdefault(tuple(np.round(x, 6)), set()).add(c.tobytes())
    return out


def test_step_reset_makes_a_frozen_network_a_function_of_its_observation() -> None:
    """LNDP's protocol: activity restarts every env step, so with nothing plastic the spikes of
    every neuron in a step are a fixed function of the current observation (Foraging: 5
    positions), in every lifetime; without the reset they are not."""
    def run(reset: str):
        ev = evaluator(task=FORAGING, develop={"plasticity": "frozen"}, lifetime={"activity_reset": reset})
        g = ev.spec.with_values(ev.initial_genome(1), {
            "syn.gain": [1.0, 0.3, 1.0, 1.0], "edge.bias": [1.0, 0.0, 0.0, 0.0], "syn.e0": [1.0, 0.0, 0.0, 0.0],
        })  # fmt: skip
        return [ev.run(g, seed, record=True)[1] for seed in range(3)]

    for rec in run("step"):
        seen = _activity_by_input(rec)
        assert len(seen) >= 2  # it moved
        assert all(len(patterns) == 1 for patterns in seen.values())
        assert rec.column("spikes")[rec.column("phase") == A.PHASE_EPISODE].sum() > 0
    assert any(len(p) > 1 for rec in run("never") for p in _activity_by_input(rec).values())


def test_trial_reset_restarts_each_foraging_trial_alike() -> None:
    """With activity reset at each trial and nothing plastic, every trial starts from the same state
    at the same position: every neuron spikes alike in the first step of every trial."""
    ev = evaluator(task=FORAGING, develop={"plasticity": "frozen"}, lifetime={"activity_reset": "trial"})
    g = set_block(ev, ev.initial_genome(2), "syn.gain", [1.0, 0.3, 1.0, 1.0])
    _, rec = ev.run(g, 4, record=True)
    ep = rec.column("phase") == A.PHASE_EPISODE
    act = rec.column("action")[ep]
    reward = rec.column("reward")[ep]
    episode = rec.column("episode")[ep]
    # replay the task's trial clock: a trial ends with food or after reset_after = 10 steps
    starts, k = [], 0
    for t in range(len(act)):
        if k == 0 or (t > 0 and episode[t] != episode[t - 1]):
            starts.append(t)
            k = 0
        k += 1
        if reward[t] > 0 or k >= 10:
            k = 0
    assert len(starts) >= 4
    counts = rec.counts[ep]
    assert len({counts[t].tobytes() for t in starts}) == 1
    assert len({counts[t].tobytes() for t in range(len(act))}) > 1


def test_plastic_component_starts_at_zero_and_learns_only_in_life() -> None:
    """H = 0 through development (same weights with H on or off), then it changes in the episodes;
    with ``develop.plastic_weights = false`` it stays 0 and the weight is w_max g e_0."""
    on = evaluator(task={"env": "Foraging-v0", "max_episode_steps": 60})
    off = evaluator(task={"env": "Foraging-v0", "max_episode_steps": 60}, develop={"plastic_weights": False})
    g = set_block(on, on.initial_genome(0), "syn.gain", [1.0, 0.3, 1.0, 1.0])  # a network that transmits
    g = set_block(on, g, "edge.bias", [1.0, 0.0, 0.0, 0.0])
    _, rec_on = on.run(g, 5, record=True)
    _, rec_off = off.run(g, 5, record=True)
    for stage in ("development", "spontaneous"):
        np.testing.assert_array_equal(rec_on.stages[stage].weight, rec_off.stages[stage].weight)
    assert np.abs(on.last_state.hp).max() > 0  # Foraging's food reward gated some eligibility
    assert not off.last_state.hp.any()
    net = off.last_state
    alive = net.s_alive != 0
    t = 3 * net.kind[net.src[alive]] + net.kind[net.dst[alive]]
    gt = rules_array("syn_gain", on.spec.unflatten(g)["syn.gain"])
    np.testing.assert_allclose(net.w[alive], 2.0 * gt[t] * net.e[alive, 0], rtol=1e-6, atol=1e-7)


def test_plastic_table_rows_follow_the_synapse_types() -> None:
    rows = np.arange(20, dtype=np.float32).reshape(4, 5) / 10
    tab = rules_array("plastic", rows).reshape(3, 3, 5)
    np.testing.assert_array_equal(tab[S.INPUT, S.HIDDEN, :4], rows[0, :4])
    np.testing.assert_array_equal(tab[S.HIDDEN, S.HIDDEN, :4], rows[1, :4])
    np.testing.assert_array_equal(tab[S.HIDDEN, S.OUTPUT, :4], rows[2, :4])
    np.testing.assert_array_equal(tab[S.INPUT, S.OUTPUT, :4], rows[3, :4])
    assert tab[S.HIDDEN, S.OUTPUT, 4] == 1.0  # alpha clipped to [-1, 1]
    assert not tab[:, S.INPUT].any() and not tab[S.OUTPUT].any()
    assert PLASTIC_INIT[1] == PLASTIC_INIT[3] == 0.0  # at the start only modulated terms change H


def test_freeze_after_development_keeps_the_developed_network() -> None:
    ev = evaluator(develop={"freeze_after_development": True})
    assert ev.spec.size == evaluator().spec.size  # same genome layout as the learned family
    r, rec = ev.run(ev.initial_genome(0), 3, record=True, snap_every=1)
    assert r.env_steps > 0
    born = rec.stages["spontaneous"]
    start = next(k for k, (_, s) in enumerate(rec.snapshots) if s is born)
    for _, snap in rec.snapshots[start:]:
        np.testing.assert_array_equal(snap.src, born.src)
        np.testing.assert_array_equal(snap.weight, born.weight)
        np.testing.assert_array_equal(snap.e, born.e)
        np.testing.assert_array_equal(snap.h, born.h)


def test_structural_during_development_stops_rewiring_at_birth_of_behaviour() -> None:
    ev = evaluator(develop={"structural_during": "development", "structural_every": 1})
    g = set_block(ev, ev.initial_genome(0), "prune.c", [0.0, 0.0])  # prune freely if allowed
    r, rec = ev.run(g, 3, record=True, snap_every=1)
    born = rec.stages["spontaneous"]
    start = next(k for k, (_, s) in enumerate(rec.snapshots) if s is born)
    for _, snap in rec.snapshots[start:]:
        np.testing.assert_array_equal(snap.synapse_id, born.synapse_id)
    ep = rec.column("phase") == A.PHASE_EPISODE
    assert rec.column("added")[ep].max() == rec.column("added")[ep].min()
    # the same genome with structural plasticity all life does rewire
    life = evaluator(develop={"structural_every": 1})
    _, rec2 = life.run(g, 3, record=True)
    ep2 = rec2.column("phase") == A.PHASE_EPISODE
    assert rec2.column("pruned")[ep2].max() > rec2.column("pruned")[ep2].min()


def test_search_init_sets_blocks_of_the_centre() -> None:
    ev = evaluator()
    g = ev.initial_genome(0)
    g2 = ev.spec.with_values(g, {"syn.gain": [1.0, 0.3, 1.0, 1.0], "edge.bias": 0.5})
    p = ev.spec.unflatten(g2)
    np.testing.assert_array_equal(p["syn.gain"], np.float32([1.0, 0.3, 1.0, 1.0]))
    assert (p["edge.bias"] == 0.5).all()
    untouched = [b.name for b in ev.spec.blocks if b.name not in ("syn.gain", "edge.bias")]
    q = ev.spec.unflatten(g)
    assert all(np.array_equal(p[n], q[n]) for n in untouched)


def _modulator_trace(rewards: list[float], gains=(1.0, -1.0, -3.0)) -> np.ndarray:
    from devo.develop.modulator import update_modulator

    ev = evaluator()
    _, ag, R, _ = ev.prepare(ev.initial_genome(0), 0)
    R.mod[:] = gains
    out = []
    for t, r in enumerate(rewards):
        ag.counters[A.K_LIFE_STEP] = t
        out.append(update_modulator(ag, R, r, False))
    return np.array(out)


def test_modulator_is_silent_for_a_constant_reward_and_zero_mean_for_sparse_ones() -> None:
    assert not _modulator_trace([1.0] * 50).any()  # CartPole's +1: no surprise, from the first step
    rng = np.random.default_rng(0)
    sparse = list(np.where(rng.random(4000) < 0.1, 10.0, 0.0))
    m = _modulator_trace(sparse)
    assert m.max() > 1.0 and m.min() < -0.1  # rare large positive, frequent small negative
    assert abs(m[500:].mean()) < 0.05 * np.abs(m[500:]).mean()  # but no drift on average
    assert np.abs(m).max() <= 3.0


def _hand_wired_forager(b0: float) -> float:
    """Mean return of a hand-wired network in LNDP's protocol (activity reset every step) on
    Foraging-v0 (p_switch 0.5): a hidden neuron ``b`` driven from every position, position 0 and 4
    wired to turn right and left, and ``b -> right``, ``b -> left`` weak and plastic with the
    ungated choice term ``beta_0`` and a fast decay (sigma(0)): the plastic weights remember the
    last move, so the agent keeps going, turns at an empty end, and after food heads where the
    food was. Development is off; the network is built by hand after birth."""
    from devo_environments.foraging import ForagingEnv

    from devo.lifetime.session import box_step, make_box
    from devo.lifetime.step import PY_ACT, PY_LEARN, PY_LEARN_ACT
    from devo.rng import derive_seed
    from devo.snn.structure import add_synapse

    ev = evaluator(
        task={"env": "Foraging-v0", "kwargs": {"p_switch": 0.5}},
        network={"max_neurons": 16, "encoder": "population", "population": 5, "seed_hidden": 3,
                 "init_density": 0.0, "ticks_per_step": 6, "weight_max": 4.0},
        develop={"dev_steps": 0, "spontaneous": False, "structural": False, "neurogenesis": False},
        lifetime={"n_episodes": 1, "activity_reset": "step"},
    )  # fmt: skip
    plastic = np.zeros((4, 5), np.float32)
    plastic[2] = [0.0, 0.0, 0.0, b0, 1.0]  # hidden -> output: beta_0, alpha
    g = ev.spec.with_values(ev.initial_genome(0), {
        "syn.gain": [1.0] * 4, "plastic": plastic.ravel().tolist(), "plastic.decay": [0.0],
        "edge.rate": [-30.0] * 4 + [-4.0] * 4, "neuron.bias": [0.0] * 3,
    })  # fmt: skip
    returns = []
    for seed in range(4):
        net, ag, R, rec = ev.prepare(g, seed)
        box = make_box(net, ag, R, rec)
        box_step(box, PY_BIRTH, 0.0, False, 0, 0, 0)
        b, h0, h4 = [i for i in range(net.meta[S.M_NEU_HI]) if net.kind[i] == S.HIDDEN][:3]
        p, (right, left, _) = list(ag.inputs), list(ag.outputs)
        for i, j, w in [*[(q, b, 1.5) for q in p], (p[0], h0, 1.5), (p[4], h4, 1.5), (h0, right, 3.0),
                        (h4, left, 3.0), (b, right, 0.3), (b, left, 0.3)]:
            assert add_synapse(net, i, j, w, np.array([w / 4.0, 1.0, 0.0, 0.0], np.float32)) >= 0
        env = ForagingEnv(p_switch=0.5)
        env.begin_lifetime(derive_seed(seed, 2) % 2**32)
        obs, _ = env.reset(seed=derive_seed(seed, 3, 0) % 2**32)
        ag.obs[:] = obs
        spikes = box_step(box, PY_ACT, 0.0, False, 0, 0, 0)
        total = 0.0
        for t in range(100):
            obs, r, *_ = env.step(int(ag.action[0]))
            total += r
            ag.obs[:] = obs
            spikes = box_step(box, PY_LEARN if t == 99 else PY_LEARN_ACT, r, False, 0, t, spikes)
        returns.append(total)
    return float(np.mean(returns))


def test_the_plastic_component_can_hold_a_foraging_memory() -> None:
    """The rule can express LNDP Foraging's learned strategy where activity holds nothing: the
    hand-wired forager scores near the optimum of ~250 (4 steps a trial) with its plastic memory
    and like a reactive policy (~80 expected; 4 lifetimes) without it."""
    assert _hand_wired_forager(b0=1.0) >= 220
    assert _hand_wired_forager(b0=0.0) <= 130


def test_a_silent_network_acts_at_random_only_with_random_ties() -> None:
    """Outputs that get no input tie exactly: ``network.ties = "first"`` always takes action 0,
    ``"random"`` draws uniformly from the lifetime's stream (the same draws for the same seed)."""
    actions = {}
    for ties in ("first", "random"):
        ev = evaluator(task=FORAGING, network={"ties": ties})
        g = set_block(ev, ev.initial_genome(0), "syn.gain", [0.0, 0.0, 0.0, 0.0])  # no synaptic current
        g = set_block(ev, g, "neuron.bias", [0.0, 0.0, 0.0])
        _, rec = ev.run(g, 3, record=True)
        actions[ties] = rec.column("action")[rec.column("phase") == A.PHASE_EPISODE]
        _, again = ev.run(g, 3, record=True)
        np.testing.assert_array_equal(again.column("action")[again.column("phase") == A.PHASE_EPISODE],
                                      actions[ties])
    assert (actions["first"] == 0).all()
    assert np.bincount(actions["random"].astype(int), minlength=3).min() > len(actions["random"]) / 6


def _m_reference(rewards, terminal, phi_now, phi_next, gains) -> np.ndarray:
    """The modulator of devo.develop.modulator in plain Python, on shaped rewards."""
    g_d, g_t, rho = gains
    beta = 1 / (1 + np.exp(-rho))
    base = var = 0.0
    out = []
    for t, (r, term, p0, p1) in enumerate(zip(rewards, terminal, phi_now, phi_next, strict=True)):
        r = r + (0.0 if term else p1) - p0
        if t == 0:
            base, var = r, 0.0
        d = r - base
        out.append(min(max(g_d * d / np.sqrt(var + 1e-2) + (g_t if term else 0.0), -3.0), 3.0))
        base += beta * d
        var += beta * (d * d - var)
    return np.array(out)


@pytest.mark.parametrize("native", [True, False])
def test_shaping_adds_the_evolved_potentials_difference_to_the_reward(native: bool) -> None:
    """A recorded CartPole lifetime with shaping: every step's modulator equals the reference on
    r + phi(x') - phi(x), with x the recorded normalised inputs and phi(x') = 0 at a fall -- on the
    compiled loop and on the Python path alike (both hand the next observation to the modulator)."""
    # raw observations: the recorded input of step t + 1 is then exactly the x' of step t
    ev = evaluator(develop={"shaping": True}, task={"native": native, "max_episode_steps": 400},
                   lifetime={"n_episodes": 3}, network={"normalization": "raw"})  # fmt: skip
    assert ev.native == native
    rng = np.random.default_rng(3)
    pot = rng.normal(0.0, 1.0, size=(2, 4)).astype(np.float32)
    gains = (0.7, -1.5, -2.0)
    g = ev.spec.with_values(ev.initial_genome(1), {"mod.potential": pot.ravel().tolist(), "mod": list(gains)})
    res, rec = ev.run(g, 5, record=True)
    steps = rec.column("phase") == A.PHASE_EPISODE
    ep = rec.column("episode")[steps].astype(int)
    x = rec.inputs[steps].astype(np.float64)
    assert all(n < 400 for n in res.lengths), "every episode must end by a fall for this test"
    last = np.r_[ep[1:] != ep[:-1], True]  # the last step of each episode: a fall
    phi = x @ pot[0].astype(np.float64) + (x * x) @ pot[1].astype(np.float64)
    phi_next = np.r_[phi[1:], 0.0]
    want = _m_reference(rec.column("reward")[steps], last, phi, phi_next, gains)
    np.testing.assert_allclose(rec.column("modulator")[steps], want, rtol=1e-4, atol=1e-5)
    assert np.abs(want).max() > 0.1  # CartPole's +1 alone would give 0 until the fall


def test_shaping_is_an_option_of_the_modulator_families() -> None:
    from devo.develop.rules import genome_spec
    from devo.errors import ConfigError
    from devo.experiment import experiment_from_dict
    from devo.settings import DevelopConfig, NetworkConfig

    plain = genome_spec(NetworkConfig(), DevelopConfig(), 4)
    shaped = genome_spec(NetworkConfig(), DevelopConfig(shaping=True), 4)
    assert shaped.size == plain.size + 8 and shaped.blocks[-1].name == "mod.potential"
    assert [b.name for b in shaped.blocks[:-1]] == [b.name for b in plain.blocks]  # the layout without it is unchanged
    assert genome_spec(NetworkConfig(), DevelopConfig(shaping=True, plasticity="rstdp"), 4).blocks[-1].shape == (2, 4)
    with pytest.raises(ConfigError, match="develop.shaping feeds the modulator, which the hebbian family"):
        experiment_from_dict({"develop": {"plasticity": "hebbian", "shaping": True}})
