r"""MountainCar-v0, compiled: Gymnasium's ``MountainCarEnv`` equations and constants.

State ``[position, velocity]``, observation = state. Action a in {0, 1, 2} (push left, none,
right):

.. math::

    v &\leftarrow \mathrm{clip}(v + (a - 1) F - g \cos(3 p), -v_{max}, v_{max}) \\
    p &\leftarrow \mathrm{clip}(p + v, p_{min}, p_{max}); \quad v \leftarrow 0 \text{ if } p = p_{min}, v < 0

with F = 0.001, g = 0.0025, v_max = 0.07, p in [-1.2, 0.6]. Terminated when ``p >= 0.5`` and
``v >= goal_velocity`` (default 0). Reward -1 every step. Reset: p uniform on [-0.6, -0.4), v = 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.environments import TaskEntry
from devo.rng import uniform

GYM_ID = "MountainCar-v0"
STATE_SIZE = 2
PARAM_NAMES = ("min_position", "max_position", "max_speed", "goal_position", "goal_velocity", "force",
               "gravity", "reset_low", "reset_high")  # fmt: skip


def native_params(goal_velocity: float = 0.0, render_mode: str | None = None) -> tuple[float, ...]:
    """The kernel's constants for ``gymnasium.make("MountainCar-v0", **kwargs)``."""
    del render_mode
    return (-1.2, 0.6, 0.07, 0.5, float(goal_velocity), 0.001, 0.0025, -0.6, -0.4)


def state_from_env(env) -> np.ndarray:
    return np.array(env.unwrapped.state, dtype=np.float64)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    lo = params[7]
    hi = params[8]
    state[0] = lo + (hi - lo) * uniform(rng)
    state[1] = 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    obs[0] = state[0]
    obs[1] = state[1]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    min_p = params[0]
    max_p = params[1]
    max_v = params[2]
    position = state[0]
    velocity = state[1]
    velocity += (int(action[0]) - 1) * params[5] + math.cos(3 * position) * (-params[6])
    velocity = min(max(velocity, -max_v), max_v)
    position += velocity
    position = min(max(position, min_p), max_p)
    if position == min_p and velocity < 0:
        velocity = 0.0
    state[0] = position
    state[1] = velocity
    terminated = position >= params[3] and velocity >= params[4]
    return -1.0, terminated


TASK = TaskEntry(
    env="MountainCar-v0",
    kernel=__name__,
    description="drive an underpowered car up a hill (Gymnasium's, compiled twin)",
)
