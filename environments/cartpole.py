r"""CartPole-v1, compiled: Gymnasium's ``CartPoleEnv`` equations and constants, Euler integrator.

State ``[x, x_dot, theta, theta_dot]``; observation = state. With force
:math:`F = \pm F_{mag}` (action 1 pushes right, 0 left), :math:`M = m_c + m_p`, :math:`l` the half
pole length:

.. math::

    t &= (F + m_p l \dot\theta^2 \sin\theta) / M \\
    \ddot\theta &= (g \sin\theta - \cos\theta\, t) / (l (4/3 - m_p \cos^2\theta / M)) \\
    \ddot x &= t - m_p l \ddot\theta \cos\theta / M \\
    x &\leftarrow x + \tau \dot x,\quad \dot x \leftarrow \dot x + \tau \ddot x,\quad
    \theta \leftarrow \theta + \tau \dot\theta,\quad \dot\theta \leftarrow \dot\theta + \tau \ddot\theta

Constants: g = 9.8, m_c = 1.0, m_p = 0.1, l = 0.5, F_mag = 10, tau = 0.02. Terminated when
``|x| > 2.4`` or ``|theta| > 12 * 2 * pi / 360``. Reward +1 every step, the terminating step
included (``sutton_barto_reward=True``: 0 per step, -1 on the terminating step). Reset: the four
state values uniform on [-0.05, 0.05). No lifetime-level state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.environments import TaskEntry
from devo.rng import uniform

GYM_ID = "CartPole-v1"
STATE_SIZE = 4
PARAM_NAMES = (
    "gravity", "masscart", "masspole", "length", "force_mag", "tau",
    "theta_threshold_radians", "x_threshold", "sutton_barto_reward", "reset_low", "reset_high",
)  # fmt: skip


def native_params(sutton_barto_reward: bool = False, render_mode: str | None = None) -> tuple[float, ...]:
    """The kernel's constants for ``gymnasium.make("CartPole-v1", **kwargs)``."""
    del render_mode
    return (9.8, 1.0, 0.1, 0.5, 10.0, 0.02, 12 * 2 * math.pi / 360, 2.4, float(bool(sutton_barto_reward)),
            -0.05, 0.05)  # fmt: skip


def state_from_env(env) -> np.ndarray:
    """The native state of a reset Gymnasium CartPole (``env.unwrapped.state``)."""
    return np.array(env.unwrapped.state, dtype=np.float64)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    lo = params[9]
    hi = params[10]
    for k in range(4):
        state[k] = lo + (hi - lo) * uniform(rng)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    for k in range(4):
        obs[k] = state[k]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    gravity = params[0]
    masscart = params[1]
    masspole = params[2]
    length = params[3]
    force_mag = params[4]
    tau = params[5]
    total_mass = masspole + masscart
    polemass_length = masspole * length

    x = state[0]
    x_dot = state[1]
    theta = state[2]
    theta_dot = state[3]
    force = force_mag if int(action[0]) == 1 else -force_mag
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (
        length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass)
    )
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    x = x + tau * x_dot
    x_dot = x_dot + tau * xacc
    theta = theta + tau * theta_dot
    theta_dot = theta_dot + tau * thetaacc
    state[0] = x
    state[1] = x_dot
    state[2] = theta
    state[3] = theta_dot

    th = params[6]
    xt = params[7]
    terminated = x < -xt or x > xt or theta < -th or theta > th
    if params[8] != 0.0:
        reward = -1.0 if terminated else 0.0
    else:
        reward = 1.0
    return reward, terminated


TASK = TaskEntry(
    env="CartPole-v1",
    kernel=__name__,
    description="balance a pole on a cart (Gymnasium's, compiled twin)",
)
