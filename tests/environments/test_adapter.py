"""The Gymnasium adapter: encodings of spaces, seeding, terminated vs truncated, faults."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devo.environments import EpisodeError, make_task, obs_ok
from devo.errors import EnvironmentSpecError

FAKE = "tests.environments.fake_envs:"


def test_box_observation_is_flattened_with_its_bounds():
    task = make_task(FAKE + "SpacesEnv", obs="box2d", act="discrete_start")
    assert task.spec.obs_dim == 6 and task.spec.obs_low == (-2.0,) * 6 and task.spec.obs_high == (2.0,) * 6
    env = task.make_env()
    obs = env.reset(3)
    assert obs.shape == (6,) and obs.dtype == np.float64
    raw, _ = env.env.reset(seed=3)
    np.testing.assert_array_equal(obs, raw.reshape(-1).astype(np.float64))


def test_discrete_observation_with_start_is_one_hot():
    task = make_task(FAKE + "SpacesEnv", obs="discrete_start")
    assert task.spec.obs_dim == 4
    codec = task.make_env().obs_codec
    for value in (-1, 0, 1, 2):  # Discrete(4, start=-1)
        x = codec.encode(value)
        assert x.tolist() == [1.0 if k == value + 1 else 0.0 for k in range(4)]
    with pytest.raises(EpisodeError, match="outside"):
        codec.encode(3)


def test_multibinary_and_multidiscrete_observations():
    assert make_task(FAKE + "SpacesEnv", obs="multibinary").make_env().obs_codec.encode(
        np.array([1, 0, 1, 1, 0], np.int8)
    ).tolist() == [1, 0, 1, 1, 0]
    codec = make_task(FAKE + "SpacesEnv", obs="multidiscrete").make_env().obs_codec
    assert codec.dim == 5
    assert codec.encode(np.array([1, 2])).tolist() == [0, 1, 0, 0, 1]


def test_discrete_action_with_start_is_offset():
    env = make_task(FAKE + "SpacesEnv", act="discrete_start").make_env()  # Discrete(3, start=5)
    env.reset(0)
    for a in range(3):
        env.step(a)
        assert env.env.unwrapped.last_action == 5 + a
    with pytest.raises(ValueError):
        env.step(3)


@given(a=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2, max_size=2))
def test_box_action_is_clipped_cast_and_nan_safe(a):
    task = make_task(FAKE + "SpacesEnv", act="box")  # low [-1, 0], high [1, 10], float32
    assert task.spec.action_kind == "box" and task.spec.act_low == (-1.0, 0.0) and task.spec.act_high == (1.0, 10.0)
    env = task.make_env()
    env.reset(0)
    env.step(np.array(a))
    got = env.env.unwrapped.last_action
    assert got.dtype == np.float32 and got.shape == (2,)
    assert np.all(got >= [-1, 0]) and np.all(got <= [1, 10])
    for k in range(2):
        if not np.isnan(a[k]) and np.isfinite(a[k]):
            assert got[k] == np.float32(np.clip(a[k], [-1, 0][k], [1, 10][k]))


def test_multibinary_action_is_reshaped_bits():
    task = make_task(FAKE + "SpacesEnv", act="multibinary")  # MultiBinary((2, 2))
    assert (task.spec.action_kind, task.spec.n_actions) == ("multibinary", 4)
    env = task.make_env()
    env.reset(0)
    env.step(np.array([1, 0, 0, 3]))
    got = env.env.unwrapped.last_action
    assert got.dtype == np.int8 and got.tolist() == [[1, 0], [0, 1]]


def test_reset_is_seeded():
    env = make_task("CartPole-v1").make_env()
    a, b, c = env.reset(7), env.reset(7), env.reset(8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    ref, _ = gym.make("CartPole-v1").reset(seed=7)
    np.testing.assert_array_equal(a, ref.astype(np.float64))


def test_terminated_and_truncated_stay_apart():
    env = make_task(FAKE + "TimeoutEnv").make_env()
    env.reset(0)
    flags = [env.step(0)[2:] for _ in range(5)]
    assert flags == [(False, False)] * 4 + [(False, True)]
    env = make_task("CartPole-v1").make_env()
    env.reset(0)
    while True:
        _, _, term, trunc = env.step(1)
        if term or trunc:
            break
    assert (term, trunc) == (True, False)


def test_horizon_truncates_in_the_adapter_and_in_gymnasium():
    env = make_task("CartPole-v1", max_episode_steps=3).make_env()
    env.reset(0)
    assert [env.step(i % 2)[3] for i in range(3)] == [False, False, True]
    env = make_task(FAKE + "_Base", max_episode_steps=4).make_env()  # no TimeLimit of its own
    env.reset(0)
    assert [env.step(0)[3] for _ in range(4)] == [False, False, False, True]
    # a horizon longer than Gymnasium's registered one reaches gymnasium.make
    assert make_task("Pendulum-v1", max_episode_steps=300).make_gym_env().spec.max_episode_steps == 300


def test_horizon_defaults():
    assert make_task("CartPole-v1").spec.max_episode_steps == 500
    assert make_task(FAKE + "make_wrapped", horizon=7).spec.max_episode_steps == 7  # a TimeLimit
    assert make_task(FAKE + "_Base").spec.max_episode_steps == 1000
    with pytest.raises(EnvironmentSpecError, match="max_episode_steps"):
        make_task("CartPole-v1", max_episode_steps=0)


def test_nan_observation_is_passed_through_for_the_lifetime_to_flag():
    env = make_task(FAKE + "NaNObsEnv", bad_step=2).make_env()
    assert obs_ok(env.reset(0))
    assert obs_ok(env.step(0)[0])
    obs = env.step(0)[0]
    assert np.isnan(obs[1]) and not obs_ok(obs)


def test_wrong_shape_and_raising_env_raise_episode_error():
    env = make_task(FAKE + "WrongShapeEnv").make_env()
    env.reset(0)
    env.step(0)
    with pytest.raises(EpisodeError, match=r"shape \(4,\).*\(3,\)"):
        env.step(0)
    env = make_task(FAKE + "RaisingStepEnv").make_env()
    env.reset(0)
    env.step(0)
    with pytest.raises(EpisodeError, match="RuntimeError in step: physics exploded"):
        env.step(0)
    assert issubclass(EpisodeError, EnvironmentSpecError)


def test_begin_lifetime_is_a_no_op_for_plain_gymnasium_envs():
    env = make_task("CartPole-v1").make_env()
    env.begin_lifetime(3)
    a = env.reset(1)
    env.begin_lifetime(4)
    assert np.array_equal(a, env.reset(1))
