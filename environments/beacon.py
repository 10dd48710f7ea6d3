"""A complete worked example of bringing your own environment to devo.

``BeaconEnv`` is an ordinary ``gymnasium.Env``: a cart on a rail must stop on a beacon placed at a
random spot each episode. Nothing in it knows about devo. Use it as

- ``"devo_environments.beacon:BeaconEnv"`` (a class; keyword arguments from the config go
  to its constructor, e.g. ``friction=0.2``), or
- ``"devo_environments.beacon:make_beacon"`` (a factory: it may wrap the env, here in a
  ``TimeLimit``), or
- an entry point of your package, so the short name ``Beacon-v0`` works::

      # your pyproject.toml
      [project.entry-points."devo.environments"]
      Beacon-v0 = "devo_environments.beacon:make_beacon"

Check it before a long run::

    devo check-env devo_environments.beacon:BeaconEnv

Rules: position x in [-1, 1], velocity v; actions 0 = push left, 1 = coast, 2 = push right:
``v <- (1 - friction) v + 0.02 (a - 1)``, ``x <- clip(x + v, -1, 1)`` (v = 0 at a wall).
Observation ``[x, v, beacon - x]``. Reward ``-|beacon - x|`` per step; terminated with +10 when
``|beacon - x| < 0.05`` and ``|v| < 0.02``. The beacon and the start are drawn from
``self.np_random``, which ``reset(seed=...)`` seeds: that makes the environment deterministic under a
seed, which devo needs for reproducible runs.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np


class BeaconEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, friction: float = 0.1) -> None:
        if not 0.0 <= friction < 1.0:
            raise ValueError(f"friction must be in [0, 1), got {friction}")
        self.friction = float(friction)
        high = np.array([1.0, 0.5, 2.0], dtype=np.float32)
        self.observation_space = gym.spaces.Box(-high, high, dtype=np.float32)
        self.action_space = gym.spaces.Discrete(3)
        self.x = 0.0
        self.v = 0.0
        self.beacon = 0.0

    def _obs(self) -> np.ndarray:
        return np.array([self.x, self.v, self.beacon - self.x], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.x = float(self.np_random.uniform(-0.2, 0.2))
        self.v = 0.0
        self.beacon = float(self.np_random.choice([-1.0, 1.0]) * self.np_random.uniform(0.4, 0.9))
        return self._obs(), {}

    def step(self, action):
        self.v = (1.0 - self.friction) * self.v + 0.02 * (int(action) - 1)
        self.v = float(np.clip(self.v, -0.5, 0.5))
        self.x += self.v
        if abs(self.x) >= 1.0:
            self.x = float(np.clip(self.x, -1.0, 1.0))
            self.v = 0.0
        dist = abs(self.beacon - self.x)
        terminated = dist < 0.05 and abs(self.v) < 0.02
        reward = 10.0 if terminated else -dist
        return self._obs(), reward, terminated, False, {}


def make_beacon(friction: float = 0.1, max_episode_steps: int = 200) -> gym.Env:
    """A factory: build, wrap, return. devo reads the horizon from the ``TimeLimit``."""
    return gym.wrappers.TimeLimit(BeaconEnv(friction=friction), max_episode_steps=max_episode_steps)
