r"""Pendulum-v1, compiled: Gymnasium's ``PendulumEnv`` equations and constants.

State ``[theta, theta_dot]`` (theta = 0 is upright); observation ``[cos th, sin th, th_dot]``.
The action u (one float) is clipped to [-2, 2]; with g = 10 (``g=`` keyword), m = l = 1,
dt = 0.05:

.. math::

    \mathrm{cost} &= \mathrm{norm}(\theta)^2 + 0.1 \dot\theta^2 + 0.001 u^2,
        \quad \mathrm{norm}(x) = ((x + \pi) \bmod 2\pi) - \pi \\
    \dot\theta &\leftarrow \mathrm{clip}(\dot\theta + (3 g / (2 l) \sin\theta + 3 / (m l^2) u)\, dt, -8, 8) \\
    \theta &\leftarrow \theta + \dot\theta\, dt

Reward = -cost (computed from the state before the update); never terminates (truncated at 200
steps). Reset: theta uniform on [-pi, pi), theta_dot uniform on [-1, 1).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.environments import TaskEntry
from devo.rng import uniform

GYM_ID = "Pendulum-v1"
STATE_SIZE = 2
PARAM_NAMES = ("max_speed", "max_torque", "dt", "g", "m", "l", "reset_x", "reset_y")


def native_params(g: float = 10.0, render_mode: str | None = None) -> tuple[float, ...]:
    """The kernel's constants for ``gymnasium.make("Pendulum-v1", **kwargs)``."""
    del render_mode
    return (8.0, 2.0, 0.05, float(g), 1.0, 1.0, math.pi, 1.0)


def state_from_env(env) -> np.ndarray:
    return np.array(env.unwrapped.state, dtype=np.float64)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    hx = params[6]
    hy = params[7]
    state[0] = -hx + 2.0 * hx * uniform(rng)
    state[1] = -hy + 2.0 * hy * uniform(rng)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    obs[0] = math.cos(state[0])
    obs[1] = math.sin(state[0])
    obs[2] = state[1]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _angle_normalize(x: float) -> float:
    return ((x + math.pi) % (2 * math.pi)) - math.pi  # Python's modulo, as numpy


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    max_speed = params[0]
    max_torque = params[1]
    dt = params[2]
    g = params[3]
    m = params[4]
    l = params[5]
    th = state[0]
    thdot = state[1]
    u = min(max(action[0], -max_torque), max_torque)
    costs = _angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    newthdot = thdot + (3 * g / (2 * l) * math.sin(th) + 3.0 / (m * l**2) * u) * dt
    newthdot = min(max(newthdot, -max_speed), max_speed)
    newth = th + newthdot * dt
    state[0] = newth
    state[1] = newthdot
    return -costs, False


TASK = TaskEntry(
    env="Pendulum-v1",
    kernel=__name__,
    description="swing a pendulum up and hold it (Gymnasium's, compiled twin)",
)
