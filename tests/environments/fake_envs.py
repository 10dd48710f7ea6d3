"""Small environments for the tests, importable as ``tests.environments.fake_envs:Name`` (also
from fresh processes started in the repository root)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class _Base(gym.Env):
    metadata = {"render_modes": []}
    horizon = 20

    def __init__(self, obs_space=None, act_space=None) -> None:
        self.observation_space = obs_space or spaces.Box(-1.0, 1.0, (3,), np.float64)
        self.action_space = act_space or spaces.Discrete(2)
        self.t = 0
        self.last_action = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self._obs(), {}

    def _obs(self):
        return self.np_random.uniform(-1, 1, self.observation_space.shape)

    def step(self, action):
        self.last_action = action
        self.t += 1
        return self._obs(), 1.0, self.t >= self.horizon, False, {}


class DictObsEnv(_Base):
    def __init__(self) -> None:
        super().__init__(spaces.Dict({"position": spaces.Box(-1, 1, (2,)), "goal": spaces.Discrete(4)}))


class TupleObsEnv(_Base):
    def __init__(self) -> None:
        super().__init__(spaces.Tuple((spaces.Box(-1, 1, (2,)), spaces.Discrete(3))))


class TextObsEnv(_Base):
    def __init__(self) -> None:
        super().__init__(spaces.Text(max_length=8))


class GraphObsEnv(_Base):
    def __init__(self) -> None:
        super().__init__(spaces.Graph(node_space=spaces.Box(-1, 1, (2,)), edge_space=None))


class MultiDiscreteActionEnv(_Base):
    def __init__(self) -> None:
        super().__init__(act_space=spaces.MultiDiscrete([2, 3]))


class UnboundedBoxActionEnv(_Base):
    def __init__(self) -> None:
        super().__init__(act_space=spaces.Box(-np.inf, np.inf, (2,)))


class NaNObsEnv(_Base):
    """Returns NaN in its observation from step ``bad_step`` on."""

    def __init__(self, bad_step: int = 3) -> None:
        super().__init__()
        self.bad_step = bad_step

    def step(self, action):
        obs, r, term, trunc, info = super().step(action)
        if self.t >= self.bad_step:
            obs[1] = np.nan
        return obs, r, term, trunc, info


class WrongShapeEnv(_Base):
    """Declares 3 observations, returns 4 from step 2 on."""

    def step(self, action):
        obs, r, term, trunc, info = super().step(action)
        if self.t >= 2:
            obs = np.zeros(4)
        return obs, r, term, trunc, info


class RaisingStepEnv(_Base):
    def step(self, action):
        if self.t >= 1:
            raise RuntimeError("physics exploded")
        return super().step(action)


class NondeterministicEnv(_Base):
    """Ignores the reset seed (draws from a global generator)."""

    _global = np.random.default_rng()

    def _obs(self):
        return self._global.uniform(-1, 1, 3)


class SpacesEnv(_Base):
    """Configurable spaces; records the last action it received."""

    def __init__(self, obs: str = "box2d", act: str = "discrete_start") -> None:
        obs_spaces = {
            "box2d": spaces.Box(-2.0, 2.0, (2, 3), np.float32),
            "discrete_start": spaces.Discrete(4, start=-1),
            "multibinary": spaces.MultiBinary(5),
            "multidiscrete": spaces.MultiDiscrete([2, 3]),
        }
        act_spaces = {
            "discrete_start": spaces.Discrete(3, start=5),
            "box": spaces.Box(np.array([-1.0, 0.0], np.float32), np.array([1.0, 10.0], np.float32)),
            "multibinary": spaces.MultiBinary((2, 2)),
        }
        super().__init__(obs_spaces[obs], act_spaces[act])

    def _obs(self):
        return self.observation_space.sample()

    def reset(self, *, seed=None, options=None):
        out = super().reset(seed=seed, options=options)
        self.observation_space.seed(int(self.np_random.integers(2**31)))
        return self.observation_space.sample(), out[1]


class TimeoutEnv(_Base):
    """Sets ``truncated`` on step 5 and ``terminated`` never."""

    def step(self, action):
        self.t += 1
        return self._obs(), 0.5, False, self.t >= 5, {}


class Factories:
    @staticmethod
    def base(**kwargs):
        return _Base()


def make_raising(**kwargs):
    raise ValueError("factory failed on purpose")


def make_not_env():
    return 42


def make_wrapped(horizon: int = 7):
    return gym.wrappers.TimeLimit(_Base(), max_episode_steps=horizon)


def make_flat_dict():
    return gym.wrappers.FlattenObservation(DictObsEnv())


gym.register(id="FakeRegistered-v0", entry_point=_Base)
