"""Lifetime-learning tasks: foraging and the bandit (rules; compiled kernel vs the Python twin drawing
the same numbers) and mid-life damage (rules; compiled vs Python)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devo.environments import make_task
from devo.environments.compiled import functions
from devo.environments.damage import DamageSpec, draw_damage
from devo.errors import EnvironmentSpecError
from devo.rng import PyRng, rng_from_seed

seeds = st.integers(0, 2**63 - 1)


class Native:
    """A compiled task driven from Python, mirroring the adapter's begin_lifetime/reset/step."""

    def __init__(self, name: str, **kwargs) -> None:
        self.task = make_task(name, **kwargs)
        self.spec = self.task.spec
        self.k = functions(self.spec)
        self.params, self.state = self.task.native_buffers()
        self.obs = np.zeros(self.spec.obs_dim)
        self.act = np.zeros(self.spec.action_size)
        self.rng = rng_from_seed(0)
        self.t = 0

    def begin_lifetime(self, seed: int) -> None:
        self.k.begin_lifetime(self.params, self.state, rng_from_seed(seed))

    def reset(self, seed: int) -> np.ndarray:
        self.rng = rng_from_seed(seed)
        self.t = 0
        self.k.reset(self.params, self.state, self.rng)
        self.k.observe(self.params, self.state, self.obs)
        return self.obs.copy()

    def step(self, action) -> tuple[np.ndarray, float, bool, bool]:
        self.act[:] = action
        r, term = self.k.step(self.params, self.state, self.act, self.rng)
        self.k.observe(self.params, self.state, self.obs)
        self.t += 1
        return self.obs.copy(), r, term, self.t >= self.spec.max_episode_steps


HIDDEN = {  # lifetime-level state: (index in the native state, attribute of the Python twin)
    "Foraging-v0": (1, "food_side"),
    "Bandit-v0": (0, "good_arm"),
}


def lockstep(name: str, kwargs: dict, life_seed: int, episode_seeds: list[int], actions: list) -> None:
    nat = Native(name, **kwargs)
    py = make_task(name, native=False, **kwargs).make_env()
    k, attr = HIDDEN[name]

    def same_hidden(where: str) -> None:
        assert int(nat.state[k]) == getattr(py.env.unwrapped, attr), f"{attr} at {where}"

    nat.begin_lifetime(life_seed)
    py.begin_lifetime(life_seed)
    same_hidden("begin_lifetime")
    for ep, seed in enumerate(episode_seeds):
        np.testing.assert_array_equal(nat.reset(seed), py.reset(seed), err_msg=f"reset {ep}")
        same_hidden(f"reset {ep}")
        for t, a in enumerate(actions):
            on, rn, tn, trn = nat.step(a)
            op, rp, tp, trp = py.step(a)
            where = f"episode {ep} step {t + 1}"
            np.testing.assert_array_equal(on, op, err_msg=where)
            assert (rn, tn, trn) == (rp, tp, trp), where
            same_hidden(where)
            if trn:
                break


# ---------------------------------------------------------------- foraging


@given(
    life_seed=seeds,
    episode_seeds=st.lists(seeds, min_size=1, max_size=3),
    actions=st.lists(st.integers(0, 2), min_size=1, max_size=120),
    p_switch=st.floats(0.0, 1.0),
    length=st.integers(3, 9),
    reset_after=st.integers(1, 12),
)
def test_foraging_native_matches_python_twin(life_seed, episode_seeds, actions, p_switch, length, reset_after):
    kwargs = dict(p_switch=p_switch, length=length, reset_after=reset_after)
    lockstep("Foraging-v0", kwargs, life_seed, episode_seeds, actions)


def _food_side(env) -> int:
    return int(env.state[1]) if isinstance(env, Native) else env.env.unwrapped.food_side


@pytest.mark.parametrize("native", [True, False])
def test_foraging_rules(native):
    env = Native("Foraging-v0", p_switch=0.0) if native else make_task("Foraging-v0", p_switch=0.0).make_env()
    env.begin_lifetime(5)
    assert env.reset(1).tolist() == [2.0]  # centre of 5 cells
    side = _food_side(env)
    toward, away = (1, 0) if side == 0 else (0, 1)  # action 0 moves right (+1), 1 left
    # straight to the food: two steps, +10 on the second, back to the centre
    obs, r, term, trunc = env.step(toward)
    assert (obs[0], r, term) == (2.0 + (1 if toward == 0 else -1), 0.0, False)
    obs, r, term, trunc = env.step(toward)
    assert (obs[0], r) == (2.0, 10.0)
    # the wrong end gives nothing; after 10 steps of the trial the agent is re-centred
    rewards = []
    for t in range(10):
        obs, r, _, _ = env.step(away)
        rewards.append(r)
        if t < 9:
            assert obs[0] == (4.0 if away == 0 else 0.0) or t < 1
    assert sum(rewards) == 0 and obs[0] == 2.0
    # a full episode of the optimal policy: food every 2 steps; truncated at 100
    env.reset(2)
    total, trunc, n = 0.0, False, 0
    while not trunc:
        _, r, term, trunc = env.step(toward)
        total += r
        n += 1
        assert not term
    assert (n, total) == (100, 500.0)
    assert _food_side(env) == side  # p_switch = 0: the side never moves, across episodes too


@pytest.mark.parametrize("native", [True, False])
def test_foraging_food_side_switches_every_trial_with_p_switch_one(native):
    env = Native("Foraging-v0", p_switch=1.0) if native else make_task("Foraging-v0", p_switch=1.0).make_env()
    env.begin_lifetime(9)
    env.reset(0)
    sides = [_food_side(env)]
    for _ in range(5):
        for _ in range(10):  # stay 10 steps: the trial ends without food
            env.step(2)
        sides.append(_food_side(env))
    assert sides == [sides[0], 1 - sides[0]] * 3


def test_foraging_food_side_is_drawn_per_lifetime():
    env = Native("Foraging-v0")
    sides = set()
    for seed in range(20):
        env.begin_lifetime(seed)
        sides.add(int(env.state[1]))
    assert sides == {0, 1}


def test_foraging_rejects_bad_parameters():
    for bad in ({"p_switch": 1.5}, {"length": 2}, {"reset_after": 0}):
        with pytest.raises(EnvironmentSpecError, match="Foraging-v0"):
            make_task("Foraging-v0", **bad)


# ---------------------------------------------------------------- bandit


@given(
    life_seed=seeds,
    episode_seeds=st.lists(seeds, min_size=1, max_size=4),
    n_arms=st.integers(2, 4),
    p_switch=st.floats(0.0, 1.0),
    reverse_every=st.integers(0, 6),
    reveal=st.sampled_from(["all", "reward", "none"]),
    data=st.data(),
)
def test_bandit_native_matches_python_twin(life_seed, episode_seeds, n_arms, p_switch, reverse_every, reveal, data):
    actions = data.draw(st.lists(st.integers(0, n_arms - 1), min_size=1, max_size=60))
    kwargs = dict(n_arms=n_arms, p_switch=p_switch, reverse_every=reverse_every, reveal=reveal)
    lockstep("Bandit-v0", kwargs, life_seed, episode_seeds, actions)


def test_bandit_rules_and_observation():
    env = Native("Bandit-v0", p_high=1.0, p_low=0.0, p_switch=0.0)
    env.begin_lifetime(3)
    assert env.reset(0).tolist() == [1.0, 0.0, 0.0, 0.0]
    good = int(env.state[0])
    obs, r, _, _ = env.step(good)
    assert r == 1.0 and obs.tolist() == [1.0, 1.0, float(good == 0), float(good == 1)]
    obs, r, _, _ = env.step(1 - good)
    assert r == 0.0 and obs.tolist() == [1.0, 0.0, float(good == 1), float(good == 0)]
    for seed in range(1, 5):  # p_switch = 0: the good arm stays across episodes
        env.reset(seed)
        assert int(env.state[0]) == good


def test_bandit_reveal_hides_the_last_arm_or_everything():
    for reveal, expect in (("reward", lambda r: [1.0, r, 0.0, 0.0]), ("none", lambda r: [1.0, 0.0, 0.0, 0.0])):
        env = Native("Bandit-v0", p_high=1.0, p_low=0.0, p_switch=0.0, reveal=reveal)
        env.begin_lifetime(3)
        assert env.reset(0).tolist() == [1.0, 0.0, 0.0, 0.0]
        good = int(env.state[0])
        for arm in (good, 1 - good, good):
            obs, r, _, _ = env.step(arm)
            assert r == float(arm == good) and obs.tolist() == expect(r), reveal


def test_bandit_reversals():
    env = Native("Bandit-v0", p_high=1.0, p_low=0.0, p_switch=1.0, reverse_every=3)
    env.begin_lifetime(4)
    env.reset(0)
    good = int(env.state[0])
    rewards = [env.step(good)[1] for _ in range(6)]
    assert rewards == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]  # reversed after 3 pulls
    env.reset(1)  # p_switch = 1: reversed again at the episode start (after 6 pulls: back to good)
    assert int(env.state[0]) == 1 - good


def test_bandit_payout_probabilities():
    env = Native("Bandit-v0", p_high=0.8, p_low=0.2, p_switch=0.0)
    env.begin_lifetime(1)
    env.reset(7)
    good = int(env.state[0])
    n = 4000
    hi = np.mean([env.step(good)[1] for _ in range(n)])
    lo = np.mean([env.step(1 - good)[1] for _ in range(n)])
    assert abs(hi - 0.8) < 0.03 and abs(lo - 0.2) < 0.03


def test_bandit_rejects_bad_parameters():
    for bad in ({"n_arms": 1}, {"p_high": -0.1}, {"reverse_every": -1}, {"reveal": "last"}):
        with pytest.raises(EnvironmentSpecError, match="Bandit-v0"):
            make_task("Bandit-v0", **bad)


# ---------------------------------------------------------------- damage


@given(seed=seeds, n=st.integers(1, 6), lo=st.integers(0, 3), width=st.integers(0, 3),
       kind=st.sampled_from(["permute_actions", "flip_obs"]))  # fmt: skip
def test_damage_draws_are_a_permutation_and_in_range(seed, n, lo, width, kind):
    d = DamageSpec(kind, (lo, lo + width))
    episode, perm, k = draw_damage(d, n, PyRng(rng_from_seed(seed)))
    assert lo <= episode <= lo + width
    assert sorted(perm) == list(range(n))
    if kind == "permute_actions" and n >= 2:
        assert perm != list(range(n))
    if kind == "flip_obs":
        assert 0 <= k < n


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("CartPole-v1", {"damage": "permute_actions"}),
        ("Acrobot-v1", {"damage": "permute_actions", "damage_episodes": (0, 2)}),
        ("Pendulum-v1", {"damage": "permute_actions"}),
        ("Acrobot-v1", {"damage": "flip_obs", "damage_episodes": (1, 2)}),
        ("MountainCar-v0", {"damage": "flip_obs", "damage_obs_index": 0}),
    ],
)
@given(life_seed=seeds)
def test_native_damage_draws_match_python(name, kwargs, life_seed):
    nat = Native(name, **kwargs)
    py = make_task(name, **kwargs).make_env()
    nat.begin_lifetime(life_seed)
    py.begin_lifetime(life_seed)
    assert int(nat.state[1]) == py.damage_episode
    n = py.n
    if kwargs["damage"] == "permute_actions":
        assert nat.state[4 : 4 + n].astype(int).tolist() == py.perm
    else:
        assert int(nat.state[2]) == py.obs_index


def _trajectory(env, seeds_, actions):
    out = []
    for s in seeds_:
        out.append(env.reset(s))
        for a in actions:
            o, r, term, trunc = env.step(a)
            out.append(o)
            if term or trunc:
                break
    return out


@pytest.mark.parametrize("native", [True, False])
def test_permute_actions_swaps_cartpole_actions_from_the_damage_episode(native):
    seeds_ = [11, 12, 13, 14]
    actions = [0, 1, 1, 0, 1, 1, 1, 0]
    make = (
        (lambda **kw: Native("CartPole-v1", **kw))
        if native
        else (lambda **kw: make_task("CartPole-v1", **kw).make_env())
    )
    damaged = make(damage="permute_actions", damage_episodes=(2, 2))
    healthy = make()
    damaged.begin_lifetime(1)
    healthy.begin_lifetime(1)
    got = _trajectory(damaged, seeds_, actions)
    swapped = [1 - a for a in actions]
    want = _trajectory(healthy, seeds_[:2], actions) + _trajectory(healthy, seeds_[2:], swapped)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-6)


@pytest.mark.parametrize("native", [True, False])
def test_flip_obs_mirrors_one_observation_from_the_damage_episode(native):
    kw = dict(damage="flip_obs", damage_episodes=(1, 1), damage_obs_index=0)
    damaged = Native("MountainCar-v0", **kw) if native else make_task("MountainCar-v0", **kw).make_env()
    healthy = Native("MountainCar-v0") if native else make_task("MountainCar-v0").make_env()
    damaged.begin_lifetime(2)
    healthy.begin_lifetime(2)
    actions = [2, 2, 0, 1]
    got = _trajectory(damaged, [5, 6], actions)
    want = _trajectory(healthy, [5, 6], actions)
    n = len(actions) + 1
    for g, w in zip(got[:n], want[:n], strict=True):  # episode 0: untouched
        np.testing.assert_allclose(g, w, atol=1e-6)
    for g, w in zip(got[n:], want[n:], strict=True):  # episode 1: position mirrored in [-1.2, 0.6]
        np.testing.assert_allclose(g, [(-1.2 + 0.6) - w[0], w[1]], atol=1e-6)


def test_pendulum_single_action_dimension_is_mirrored():
    damaged = Native("Pendulum-v1", damage="permute_actions", damage_episodes=(0, 0))
    healthy = Native("Pendulum-v1")
    damaged.begin_lifetime(0)
    healthy.begin_lifetime(0)
    got = _trajectory(damaged, [3], [1.5, -0.5, 2.0])
    want = _trajectory(healthy, [3], [-1.5, 0.5, -2.0])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-12)


def test_damage_is_rejected_with_reasons():
    with pytest.raises(EnvironmentSpecError, match="unknown damage 'melt'"):
        make_task("CartPole-v1", damage="melt")
    with pytest.raises(EnvironmentSpecError, match="damage_obs_index 9 outside"):
        make_task("CartPole-v1", damage="flip_obs", damage_obs_index=9)
    with pytest.raises(EnvironmentSpecError, match="damage_episodes"):
        make_task("CartPole-v1", damage="flip_obs", damage_episodes=(3, 1))


def test_damaged_task_specs():
    spec = make_task("Acrobot-v1", damage="permute_actions").spec
    assert spec.kernel == "devo_environments.acrobot" and "permute_actions" in spec.damage
    assert functions(spec).__name__.startswith("devo_damaged__devo_environments_acrobot")
    assert make_task("Pendulum-v1", damage="flip_obs").spec.has_native
    # the Python-only path carries damage too
    beacon = make_task("devo_environments.beacon:BeaconEnv", damage="flip_obs")
    assert not beacon.spec.has_native and beacon.spec.damage


@pytest.mark.parametrize("episodes", [(1, 3), (0, 4), (2, 2)])
@given(life_seed=seeds)
def test_first_damaged_episode_is_the_tasks_own_draw(episodes, life_seed):
    from devo.environments.damage import first_damaged_episode

    nat = Native("CartPole-v1", damage="permute_actions", damage_episodes=episodes)
    nat.begin_lifetime(life_seed)
    py = make_task("Acrobot-v1", damage="flip_obs", damage_episodes=episodes).make_env()
    py.begin_lifetime(life_seed % 2**32)
    d = DamageSpec("permute_actions", episodes)
    assert first_damaged_episode(d, life_seed) == int(nat.state[1])
    assert first_damaged_episode(d, life_seed % 2**32) == py.damage_episode


@pytest.mark.parametrize("native", [True, False])
def test_evaluator_knows_each_lifetimes_damage_episode(native):
    """The evaluator's damage episode of a lifetime is the one its task drew: the compiled task's
    state after ``begin_lifetime`` on the evaluator's env rng, the Python adapter's own after a lifetime."""
    from devo.lifetime import Evaluator
    from devo.rng import derive_seed
    from devo.settings import TaskConfig
    from tests.develop.helpers import Setup

    task = TaskConfig(kwargs={"damage_episodes": [0, 3]}, damage="permute_actions", native=native,
                      max_episode_steps=20)  # fmt: skip
    ev = Evaluator(Setup(task=task))
    assert ev.native == native
    got = []
    for seed in range(12):
        e = ev.damage_episode(seed)
        assert e is not None and 0 <= e <= 3
        got.append(e)
        if native:
            nat = Native("CartPole-v1", damage="permute_actions", damage_episodes=(0, 3))
            nat.begin_lifetime(derive_seed(seed, 2))
            assert e == int(nat.state[1])
        else:
            ev.run(ev.initial_genome(0), seed)
            assert e == ev._env.damage_episode
    assert len(set(got)) > 1
    assert Evaluator(Setup()).damage_episode(0) is None
