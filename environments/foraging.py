"""Foraging-v0: LNDP's 1-D foraging task (Plantec et al. 2024, ``utils/foraging.py``), compiled and
as a Python ``gymnasium.Env`` twin that draws the same random numbers.

Rules:

- a track of ``length`` cells (default 5); the agent starts each trial in the centre cell
  ``length // 2`` and observes only its own cell index (one float in [0, length - 1]);
- actions (LNDP's order): 0 = one cell right (+1), 1 = one cell left (-1), 2 = stay; moves are
  clipped to the track;
- food sits at one end (cell 0 or ``length - 1``, the *food side*); stepping onto it gives
  ``food_reward`` (default +10) and starts a new trial; a trial also ends, without reward, after
  ``reset_after`` steps (default 10);
- a new trial puts the agent back in the centre, and the food side switches with probability
  ``p_switch`` (default 0.5; one uniform draw per new trial);
- the food side is lifetime-level state: drawn uniformly at ``begin_lifetime`` and kept across
  episodes, so what was learnt about it carries over; an episode reset only re-centres the agent.
  An episode never terminates; it is truncated at ``max_episode_steps`` (default 100).

Difference from LNDP's code: LNDP ends a trial on its 11th step (``steps == max_steps`` is tested
before counting); here it ends after ``reset_after`` steps. LNDP draws the switch on every step and
applies it on a new trial, which is the same distribution as one draw per new trial.

State ``[position, food_side (0 = cell 0, 1 = last cell), steps_in_trial]``.
Params ``[length, food_reward, reset_after, p_switch]``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from numba import njit

from devo.environments import TaskEntry
from devo.errors import EnvironmentSpecError
from devo.rng import PyRng, integers, rng_from_seed, uniform

STATE_SIZE = 3
PARAM_NAMES = ("length", "food_reward", "reset_after", "p_switch")
DEFAULT_EPISODE_STEPS = 100


def native_params(
    p_switch: float = 0.5, length: int = 5, food_reward: float = 10.0, reset_after: int = 10
) -> tuple[float, ...]:
    """Validated constants (the same keywords as :class:`ForagingEnv`)."""
    if not 0.0 <= float(p_switch) <= 1.0:
        raise EnvironmentSpecError(f"Foraging-v0: p_switch must be in [0, 1], got {p_switch}")
    if int(length) != length or length < 3:
        raise EnvironmentSpecError(f"Foraging-v0: length must be an integer >= 3, got {length}")
    if int(reset_after) != reset_after or reset_after < 1:
        raise EnvironmentSpecError(f"Foraging-v0: reset_after must be an integer >= 1, got {reset_after}")
    return (float(length), float(food_reward), float(reset_after), float(p_switch))


def reward_range(params: tuple[float, ...]) -> tuple[float, float]:
    return (min(0.0, params[1]), max(0.0, params[1]))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _new_trial(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    state[0] = float(int(params[0]) // 2)
    state[2] = 0.0
    if uniform(rng) < params[3]:
        state[1] = 1.0 - state[1]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    state[1] = float(integers(rng, 2))
    state[0] = float(int(params[0]) // 2)
    state[2] = 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    state[0] = float(int(params[0]) // 2)
    state[2] = 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def new_trial(params: np.ndarray, state: np.ndarray) -> bool:
    """After a step: True if it ended a trial (food found or timed out), so a new one begins."""
    return state[2] == 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    obs[0] = state[0]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    length = int(params[0])
    a = int(action[0])
    dp = 1 if a == 0 else (-1 if a == 1 else 0)
    pos = min(max(int(state[0]) + dp, 0), length - 1)
    goal = 0 if state[1] == 0.0 else length - 1
    state[2] += 1.0
    if pos == goal:
        _new_trial(params, state, rng)
        return params[1], False
    if state[2] >= params[2]:
        _new_trial(params, state, rng)
        return 0.0, False
    state[0] = float(pos)
    return 0.0, False


class ForagingEnv(gym.Env):
    """The Python twin of the compiled task (same rules, same draws from :class:`devo.rng.PyRng`).

    ``begin_lifetime(seed)`` draws the food side; ``reset(seed=s)`` re-centres the agent and
    restarts the step-level random stream from ``s``. Without ``begin_lifetime`` the first reset
    draws the food side from the reset's stream.
    """

    metadata = {"render_modes": []}

    def __init__(
        self, p_switch: float = 0.5, length: int = 5, food_reward: float = 10.0, reset_after: int = 10
    ) -> None:
        self.params = np.array(native_params(p_switch, length, food_reward, reset_after))
        self.length = int(length)
        self.observation_space = gym.spaces.Box(0.0, float(length - 1), (1,), np.float64)
        self.action_space = gym.spaces.Discrete(3)
        self._rng = PyRng(rng_from_seed(0))
        self._state = np.zeros(STATE_SIZE)
        self._lifetime = False

    def begin_lifetime(self, seed: int) -> None:
        rng = PyRng(rng_from_seed(seed))
        self._state[1] = float(rng.integers(2))
        self._lifetime = True

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._rng = PyRng(rng_from_seed(seed))
        if not self._lifetime:
            self._state[1] = float(self._rng.integers(2))
            self._lifetime = True
        self._state[0] = float(self.length // 2)
        self._state[2] = 0.0
        return self._obs(), {}

    def _obs(self) -> np.ndarray:
        return np.array([self._state[0]], dtype=np.float64)

    def _new_trial(self) -> None:
        self._state[0] = float(self.length // 2)
        self._state[2] = 0.0
        if self._rng.uniform() < self.params[3]:
            self._state[1] = 1.0 - self._state[1]

    def step(self, action):
        a = int(action)
        dp = 1 if a == 0 else (-1 if a == 1 else 0)
        pos = min(max(int(self._state[0]) + dp, 0), self.length - 1)
        goal = 0 if self._state[1] == 0.0 else self.length - 1
        self._state[2] += 1.0
        reward = 0.0
        if pos == goal:
            reward = float(self.params[1])
            self._new_trial()
        elif self._state[2] >= self.params[2]:
            self._new_trial()
        else:
            self._state[0] = float(pos)
        return self._obs(), reward, False, False, {}

    @property
    def food_side(self) -> int:
        return int(self._state[1])


TASK = TaskEntry(
    env="devo_environments.foraging:ForagingEnv",
    kernel=__name__,
    max_episode_steps=DEFAULT_EPISODE_STEPS,
    description="LNDP's foraging track, food side switches (lifetime learning)",
)
