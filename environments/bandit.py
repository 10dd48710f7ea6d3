r"""Bandit-v0: a Bernoulli multi-armed bandit (two arms by default) with reversals, compiled and as a
Python ``gymnasium.Env`` twin that draws the same random numbers.

Rules:

- ``n_arms`` arms (default 2); one is *good*: it pays 1 with probability ``p_high`` (0.8), every
  other arm pays 1 with probability ``p_low`` (0.2), else 0. Action = the arm's index;
- the good arm is lifetime-level state: drawn uniformly at ``begin_lifetime``;
- reversal between episodes: at every episode reset after the lifetime's first, with probability
  ``p_switch`` (default 0.5) the good arm moves to another arm (uniform among the others; with two
  arms, the other one). One uniform draw per such reset;
- reversal within an episode: if ``reverse_every`` = k > 0 (default 0 = off), the good arm moves
  to another arm after every k pulls of the episode (a fixed schedule; one draw per reversal when
  there are more than two arms, none with two);
- observation (``n_arms + 2`` floats in [0, 1]): ``[1 (a constant cue), last reward,
  one-hot of the last arm pulled]``; after a reset: ``[1, 0, 0, ..., 0]``. ``reveal`` chooses what
  the agent is shown: ``"all"`` (default, as above), ``"reward"`` (the last reward but not the last
  arm: the one-hot stays 0) or ``"none"`` (the cue alone: the observation never changes);
- never terminates; truncated at ``max_episode_steps`` (default 100 pulls).

What it takes: with ``reveal = "all"`` the observation holds the last reward *and* the last arm,
so win-stay / lose-shift is a fixed reactive policy, no memory needed: it earns
:math:`\pi p_h + (1 - \pi) p_l` per pull with :math:`\pi = (1 - p_l) / (2 - p_h - p_l)` the share
of pulls on the good arm (two arms) -- 0.68 at 0.8 / 0.2, against 0.8 for an agent that knows
the good arm. Beating 0.68 needs memory of which arm has paid (in activity or in synapses).
With ``reveal = "reward"`` a reactive policy cannot tell which arm it pulled, and with
``"none"`` it sees nothing at all: a fixed policy then earns :math:`(p_h + p_l)/2` = 0.5, and
anything above that is learned within the life from the reward alone -- the reward reaches the
network only through the modulator, or through the activity that produced the last choice.

State ``[good_arm, episode_index, pulls_in_episode, last_reward, last_arm (-1 none)]``.
Params ``[n_arms, p_high, p_low, p_switch, reverse_every, reveal (0 all, 1 reward, 2 none)]``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from numba import njit

from devo.environments import TaskEntry
from devo.errors import EnvironmentSpecError
from devo.rng import PyRng, integers, rng_from_seed, uniform

STATE_SIZE = 5
PARAM_NAMES = ("n_arms", "p_high", "p_low", "p_switch", "reverse_every", "reveal")
REVEAL = {"all": 0, "reward": 1, "none": 2}
DEFAULT_EPISODE_STEPS = 100
MAX_ARMS = 64


def native_params(
    n_arms: int = 2, p_high: float = 0.8, p_low: float = 0.2, p_switch: float = 0.5, reverse_every: int = 0,
    reveal: str = "all",
) -> tuple[float, ...]:
    """Validated constants (the same keywords as :class:`BanditEnv`)."""
    if int(n_arms) != n_arms or not 2 <= n_arms <= MAX_ARMS:
        raise EnvironmentSpecError(f"Bandit-v0: n_arms must be an integer in [2, {MAX_ARMS}], got {n_arms}")
    for name, p in (("p_high", p_high), ("p_low", p_low), ("p_switch", p_switch)):
        if not 0.0 <= float(p) <= 1.0:
            raise EnvironmentSpecError(f"Bandit-v0: {name} must be in [0, 1], got {p}")
    if int(reverse_every) != reverse_every or reverse_every < 0:
        raise EnvironmentSpecError(f"Bandit-v0: reverse_every must be an integer >= 0, got {reverse_every}")
    if reveal not in REVEAL:
        raise EnvironmentSpecError(f"Bandit-v0: reveal must be one of {', '.join(REVEAL)}, got {reveal!r}")
    return (float(n_arms), float(p_high), float(p_low), float(p_switch), float(reverse_every), float(REVEAL[reveal]))


def reward_range(params: tuple[float, ...]) -> tuple[float, float]:
    return (0.0, 1.0)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _move_good_arm(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    n = int(params[0])
    good = int(state[0])
    if n == 2:
        state[0] = float(1 - good)
    else:
        state[0] = float((good + 1 + integers(rng, n - 1)) % n)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    state[0] = float(integers(rng, int(params[0])))
    state[1] = -1.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    state[1] += 1.0
    if state[1] > 0.0 and uniform(rng) < params[3]:
        _move_good_arm(params, state, rng)
    state[2] = 0.0
    state[3] = 0.0
    state[4] = -1.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    n = int(params[0])
    reveal = int(params[5])
    obs[0] = 1.0
    obs[1] = state[3] if reveal < 2 else 0.0
    last = int(state[4]) if reveal == 0 else -1
    for k in range(n):
        obs[2 + k] = 1.0 if k == last else 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    a = int(action[0])
    p = params[1] if a == int(state[0]) else params[2]
    reward = 1.0 if uniform(rng) < p else 0.0
    state[2] += 1.0
    state[3] = reward
    state[4] = float(a)
    k = int(params[4])
    if k > 0 and int(state[2]) % k == 0:
        _move_good_arm(params, state, rng)
    return reward, False


class BanditEnv(gym.Env):
    """The Python twin of the compiled task (same rules, same draws from :class:`devo.rng.PyRng`).

    ``begin_lifetime(seed)`` draws the good arm and restarts the episode count; ``reset(seed=s)``
    restarts the step-level random stream from ``s`` (the between-episode reversal draw included).
    Without ``begin_lifetime`` the first reset draws the good arm from the reset's stream.
    """

    metadata = {"render_modes": []}

    def __init__(
        self, n_arms: int = 2, p_high: float = 0.8, p_low: float = 0.2, p_switch: float = 0.5,
        reverse_every: int = 0, reveal: str = "all",
    ) -> None:  # fmt: skip
        self.params = np.array(native_params(n_arms, p_high, p_low, p_switch, reverse_every, reveal))
        self.n_arms = int(n_arms)
        self.observation_space = gym.spaces.Box(0.0, 1.0, (self.n_arms + 2,), np.float64)
        self.action_space = gym.spaces.Discrete(self.n_arms)
        self._rng = PyRng(rng_from_seed(0))
        self._state = np.array([0.0, -1.0, 0.0, 0.0, -1.0])
        self._lifetime = False

    def begin_lifetime(self, seed: int) -> None:
        rng = PyRng(rng_from_seed(seed))
        self._state[0] = float(rng.integers(self.n_arms))
        self._state[1] = -1.0
        self._lifetime = True

    def _move_good_arm(self) -> None:
        n = self.n_arms
        good = int(self._state[0])
        self._state[0] = float(1 - good) if n == 2 else float((good + 1 + self._rng.integers(n - 1)) % n)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._rng = PyRng(rng_from_seed(seed))
        if not self._lifetime:
            self._state[0] = float(self._rng.integers(self.n_arms))
            self._state[1] = -1.0
            self._lifetime = True
        self._state[1] += 1.0
        if self._state[1] > 0.0 and self._rng.uniform() < self.params[3]:
            self._move_good_arm()
        self._state[2:] = (0.0, 0.0, -1.0)
        return self._obs(), {}

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.n_arms + 2)
        reveal = int(self.params[5])
        obs[0] = 1.0
        obs[1] = self._state[3] if reveal < 2 else 0.0
        last = int(self._state[4]) if reveal == 0 else -1
        if last >= 0:
            obs[2 + last] = 1.0
        return obs

    def step(self, action):
        a = int(action)
        p = self.params[1] if a == int(self._state[0]) else self.params[2]
        reward = 1.0 if self._rng.uniform() < p else 0.0
        self._state[2] += 1.0
        self._state[3] = reward
        self._state[4] = float(a)
        k = int(self.params[4])
        if k > 0 and int(self._state[2]) % k == 0:
            self._move_good_arm()
        return self._obs(), reward, False, False, {}

    @property
    def good_arm(self) -> int:
        return int(self._state[0])


TASK = TaskEntry(
    env="devo_environments.bandit:BanditEnv",
    kernel=__name__,
    max_episode_steps=DEFAULT_EPISODE_STEPS,
    description="two-armed Bernoulli bandit with reversals (lifetime learning)",
)
