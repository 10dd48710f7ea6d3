"""The compiled classic-control tasks against Gymnasium's own implementations: from the same initial
state, the same actions give the same observations (within 1e-5), rewards and terminations."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from devo_environments import acrobot, cartpole, mountaincar, pendulum
from hypothesis import given
from hypothesis import strategies as st

from devo.environments import make_task
from devo.environments.compiled import functions
from devo.rng import rng_from_seed

MODULES = {
    "CartPole-v1": cartpole,
    "Acrobot-v1": acrobot,
    "MountainCar-v0": mountaincar,
    "Pendulum-v1": pendulum,
}

GYM_OBS = {  # Gymnasium's observation of its current state
    "CartPole-v1": lambda u: np.array(u.state, dtype=np.float32),
    "Acrobot-v1": lambda u: u._get_ob(),
    "MountainCar-v0": lambda u: np.array(u.state, dtype=np.float32),
    "Pendulum-v1": lambda u: u._get_obs(),
}


def run_both(gym_id: str, seed: int, actions: list, init_state=None, **kwargs) -> int:
    """Step Gymnasium and the native twin in lockstep from Gymnasium's reset state (or from
    ``init_state``, written into both); returns the number of steps compared. Fails on the first
    mismatch."""
    task = make_task(gym_id, **kwargs)
    spec = task.spec
    params, state = task.native_buffers()
    rng = rng_from_seed(seed)
    env = gym.make(gym_id, **kwargs)
    obs_g, _ = env.reset(seed=seed)
    if init_state is not None:
        env.unwrapped.state = np.array(init_state, dtype=np.float64)
        obs_g = GYM_OBS[gym_id](env.unwrapped)
    functions(spec).begin_lifetime(params, state, rng)
    state[:] = MODULES[gym_id].state_from_env(env)
    obs_n = np.zeros(spec.obs_dim)
    functions(spec).observe(params, state, obs_n)
    np.testing.assert_allclose(obs_n, obs_g, atol=1e-5, rtol=0)
    act = np.zeros(spec.action_size)
    for t, a in enumerate(actions):
        if spec.action_kind == "discrete":
            act[0] = a
            ga = int(a)
        else:
            act[0] = a
            ga = np.array([a], dtype=np.float64)
        obs_g, r_g, term_g, trunc_g, _ = env.step(ga)
        r_n, term_n = functions(spec).step(params, state, act, rng)
        functions(spec).observe(params, state, obs_n)
        np.testing.assert_allclose(obs_n, obs_g, atol=1e-5, rtol=0, err_msg=f"{gym_id} step {t + 1}")
        assert r_n == pytest.approx(float(r_g), rel=1e-9, abs=1e-12), f"{gym_id} reward at step {t + 1}"
        assert term_n == term_g, f"{gym_id} termination at step {t + 1}"
        if term_g or trunc_g:
            return t + 1
    return len(actions)


seeds = st.integers(0, 2**31 - 1)


@given(seed=seeds, actions=st.lists(st.integers(0, 1), min_size=1, max_size=300))
def test_cartpole_matches_gymnasium(seed, actions):
    run_both("CartPole-v1", seed, actions)


@given(seed=seeds, actions=st.lists(st.integers(0, 1), min_size=1, max_size=100))
def test_cartpole_sutton_barto_reward_matches_gymnasium(seed, actions):
    run_both("CartPole-v1", seed, actions, sutton_barto_reward=True)


def test_cartpole_reaches_termination_identically():
    # an all-right policy drives the cart to terminate: the terminating step must agree
    n = run_both("CartPole-v1", 7, [1] * 200)
    assert n < 200


@given(seed=seeds, actions=st.lists(st.integers(0, 2), min_size=1, max_size=200))
def test_acrobot_matches_gymnasium(seed, actions):
    run_both("Acrobot-v1", seed, actions)


def test_acrobot_bang_bang_long_run():
    # a resonant policy swings the arm up: exercises the angle wrap, velocity bounds and termination
    actions = [2 if (t // 6) % 2 == 0 else 0 for t in range(500)]
    n = run_both("Acrobot-v1", 3, actions)
    assert n <= 500


@given(seed=seeds, actions=st.lists(st.integers(0, 2), min_size=1, max_size=200))
def test_mountaincar_matches_gymnasium(seed, actions):
    run_both("MountainCar-v0", seed, actions)


def test_mountaincar_energy_pumping_reaches_goal_identically():
    # push with the velocity: reaches the goal (termination) and hits the left wall on the way
    env = gym.make("MountainCar-v0")
    env.reset(seed=1)
    actions, v = [], 0.0
    for _ in range(200):
        a = 2 if v >= 0 else 0
        actions.append(a)
        _, _, term, _, _ = env.step(a)
        v = env.unwrapped.state[1]
        if term:
            break
    n = run_both("MountainCar-v0", 1, actions)
    assert n == len(actions) < 200


@given(seed=seeds, actions=st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=200))
def test_pendulum_matches_gymnasium(seed, actions):
    run_both("Pendulum-v1", seed, actions)


@given(seed=seeds, actions=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=50), g=st.floats(1.0, 20.0))
def test_pendulum_gravity_keyword_matches_gymnasium(seed, actions, g):
    run_both("Pendulum-v1", seed, actions, g=g)


# initial states far from the reset distribution: walls, velocity bounds, angle wrapping, terminations
WIDE_STATES = {
    "CartPole-v1": [st.floats(-2.4, 2.4), st.floats(-3, 3), st.floats(-0.2, 0.2), st.floats(-3, 3)],
    "Acrobot-v1": [
        st.floats(-np.pi, np.pi),
        st.floats(-np.pi, np.pi),
        st.floats(-4 * np.pi, 4 * np.pi),
        st.floats(-9 * np.pi, 9 * np.pi),
    ],
    "MountainCar-v0": [st.floats(-1.2, 0.6), st.floats(-0.07, 0.07)],
    "Pendulum-v1": [st.floats(-10.0, 10.0), st.floats(-8.0, 8.0)],
}
WIDE_ACTIONS = {
    "CartPole-v1": st.integers(0, 1),
    "Acrobot-v1": st.integers(0, 2),
    "MountainCar-v0": st.integers(0, 2),
    "Pendulum-v1": st.floats(-3.0, 3.0),
}


@pytest.mark.parametrize("gym_id", sorted(WIDE_STATES))
@given(data=st.data())
def test_matches_gymnasium_from_arbitrary_states(gym_id, data):
    init = [data.draw(x) for x in WIDE_STATES[gym_id]]
    actions = data.draw(st.lists(WIDE_ACTIONS[gym_id], min_size=1, max_size=60))
    run_both(gym_id, 0, actions, init_state=init)


@pytest.mark.parametrize(
    "init", [[2.35, 2.0, 0.0, 0.0], [-2.35, -2.0, 0.0, 0.0], [0.0, 0.0, 0.2, 1.0], [0.0, 0.0, -0.2, -1.0]]
)
def test_cartpole_each_termination_rule(init):
    assert run_both("CartPole-v1", 0, [int(init[1] > 0 or init[3] > 0)] * 10, init_state=init) < 10


def test_mountaincar_left_wall_stops_the_car():
    n = run_both("MountainCar-v0", 0, [0] * 5, init_state=[-1.15, -0.06])
    assert n == 5


def test_acrobot_velocity_bounds_and_wrap():
    run_both("Acrobot-v1", 0, [2] * 20, init_state=[3.1, -3.1, 12.5, 28.2])


RESET_BOUNDS = {
    "CartPole-v1": (np.full(4, -0.05), np.full(4, 0.05)),
    "Acrobot-v1": (np.full(4, -0.1), np.full(4, 0.1)),
    "MountainCar-v0": (np.array([-0.6, 0.0]), np.array([-0.4, 0.0])),
    "Pendulum-v1": (np.array([-np.pi, -1.0]), np.array([np.pi, 1.0])),
}


@pytest.mark.parametrize("gym_id", sorted(RESET_BOUNDS))
def test_native_reset_draws_from_gymnasiums_distribution(gym_id):
    task = make_task(gym_id)
    params, state = task.native_buffers()
    rng = rng_from_seed(11)
    lo, hi = RESET_BOUNDS[gym_id]
    functions(task.spec).begin_lifetime(params, state, rng)
    draws = []
    for _ in range(2000):
        functions(task.spec).reset(params, state, rng)
        draws.append(state.copy())
    draws = np.array(draws)
    assert np.all(draws >= lo - 1e-7) and np.all(draws <= hi + 1e-7)
    span = hi - lo
    # uniform: the draws fill the interval (min and max within 2% of its ends), mean near the centre
    np.testing.assert_allclose(draws.min(axis=0), lo, atol=0.02 * span.max())
    np.testing.assert_allclose(draws.max(axis=0), hi, atol=0.02 * span.max())
    np.testing.assert_allclose(draws.mean(axis=0), (lo + hi) / 2, atol=0.05 * span.max())
    if gym_id == "Acrobot-v1":  # Gymnasium rounds the initial state to float32
        assert np.array_equal(draws, draws.astype(np.float32).astype(np.float64))
    # the gymnasium reset lands in the same set
    env = gym.make(gym_id)
    env.reset(seed=5)
    g = MODULES[gym_id].state_from_env(env)
    assert np.all(g >= lo - 1e-7) and np.all(g <= hi + 1e-7)


def test_native_reset_is_a_function_of_the_rng_state():
    task = make_task("CartPole-v1")
    params, s1 = task.native_buffers()
    _, s2 = task.native_buffers()
    cartpole.reset(params, s1, rng_from_seed(3))
    cartpole.reset(params, s2, rng_from_seed(3))
    assert np.array_equal(s1, s2)
    cartpole.reset(params, s2, rng_from_seed(4))
    assert not np.array_equal(s1, s2)
