r"""Acrobot-v1, compiled: Gymnasium's ``AcrobotEnv`` ("book" dynamics), one RK4 step of dt = 0.2.

State ``[theta1, theta2, dtheta1, dtheta2]``; action a in {0, 1, 2} applies torque
:math:`\tau = a - 1` at the joint between the links. With m1 = m2 = 1, l1 = 1, lc1 = lc2 = 0.5,
I1 = I2 = 1, g = 9.8:

.. math::

    d_1 &= m_1 l_{c1}^2 + m_2 (l_1^2 + l_{c2}^2 + 2 l_1 l_{c2} \cos\theta_2) + I_1 + I_2 \\
    d_2 &= m_2 (l_{c2}^2 + l_1 l_{c2} \cos\theta_2) + I_2 \\
    \phi_2 &= m_2 l_{c2} g \cos(\theta_1 + \theta_2 - \pi/2) \\
    \phi_1 &= -m_2 l_1 l_{c2} \dot\theta_2^2 \sin\theta_2 - 2 m_2 l_1 l_{c2} \dot\theta_2 \dot\theta_1 \sin\theta_2
             + (m_1 l_{c1} + m_2 l_1) g \cos(\theta_1 - \pi/2) + \phi_2 \\
    \ddot\theta_2 &= (\tau + d_2/d_1\, \phi_1 - m_2 l_1 l_{c2} \dot\theta_1^2 \sin\theta_2 - \phi_2)
                     / (m_2 l_{c2}^2 + I_2 - d_2^2 / d_1) \\
    \ddot\theta_1 &= -(d_2 \ddot\theta_2 + \phi_1) / d_1

integrated by one classical RK4 step (``y + dt/6 (k1 + 2 k2 + 2 k3 + k4)``); then both angles are
wrapped into [-pi, pi] and the velocities bounded to [-4 pi, 4 pi] and [-9 pi, 9 pi].
Observation ``[cos th1, sin th1, cos th2, sin th2, dth1, dth2]``. Terminated when
``-cos(th1) - cos(th1 + th2) > 1``; reward -1 per step, 0 on the terminating step. Reset: the four
state values uniform on [-0.1, 0.1), rounded to float32 as Gymnasium does.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.environments import TaskEntry
from devo.rng import uniform

GYM_ID = "Acrobot-v1"
STATE_SIZE = 4
PARAM_NAMES = ("dt", "l1", "m1", "m2", "lc1", "lc2", "moi", "max_vel_1", "max_vel_2", "g",
               "reset_low", "reset_high")  # fmt: skip


def native_params(render_mode: str | None = None) -> tuple[float, ...]:
    """The kernel's constants for ``gymnasium.make("Acrobot-v1")``."""
    del render_mode
    return (0.2, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 4 * math.pi, 9 * math.pi, 9.8, -0.1, 0.1)


def state_from_env(env) -> np.ndarray:
    return np.array(env.unwrapped.state, dtype=np.float64)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _dsdt(params, theta1, theta2, dtheta1, dtheta2, a):
    l1 = params[1]
    m1 = params[2]
    m2 = params[3]
    lc1 = params[4]
    lc2 = params[5]
    I1 = params[6]
    I2 = params[6]
    g = params[9]
    pi = math.pi
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(theta2)) + I1 + I2
    d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(theta2)) + I2
    phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - pi / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * dtheta2**2 * math.sin(theta2)
        - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * math.sin(theta2)
        + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - pi / 2)
        + phi2
    )
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * math.sin(theta2) - phi2) / (
        m2 * lc2**2 + I2 - d2**2 / d1
    )
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return dtheta1, dtheta2, ddtheta1, ddtheta2


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _wrap(x, m, M):
    diff = M - m
    while x > M:
        x = x - diff
    while x < m:
        x = x + diff
    return x


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    lo = params[10]
    hi = params[11]
    for k in range(4):
        state[k] = float(np.float32(lo + (hi - lo) * uniform(rng)))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    obs[0] = math.cos(state[0])
    obs[1] = math.sin(state[0])
    obs[2] = math.cos(state[1])
    obs[3] = math.sin(state[1])
    obs[4] = state[2]
    obs[5] = state[3]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    a = float(int(action[0]) - 1)
    dt = params[0]
    dt2 = dt / 2.0
    y0 = state[0]
    y1 = state[1]
    y2 = state[2]
    y3 = state[3]
    k1a, k1b, k1c, k1d = _dsdt(params, y0, y1, y2, y3, a)
    k2a, k2b, k2c, k2d = _dsdt(params, y0 + dt2 * k1a, y1 + dt2 * k1b, y2 + dt2 * k1c, y3 + dt2 * k1d, a)
    k3a, k3b, k3c, k3d = _dsdt(params, y0 + dt2 * k2a, y1 + dt2 * k2b, y2 + dt2 * k2c, y3 + dt2 * k2d, a)
    k4a, k4b, k4c, k4d = _dsdt(params, y0 + dt * k3a, y1 + dt * k3b, y2 + dt * k3c, y3 + dt * k3d, a)
    n0 = y0 + dt / 6.0 * (k1a + 2 * k2a + 2 * k3a + k4a)
    n1 = y1 + dt / 6.0 * (k1b + 2 * k2b + 2 * k3b + k4b)
    n2 = y2 + dt / 6.0 * (k1c + 2 * k2c + 2 * k3c + k4c)
    n3 = y3 + dt / 6.0 * (k1d + 2 * k2d + 2 * k3d + k4d)
    pi = math.pi
    n0 = _wrap(n0, -pi, pi)
    n1 = _wrap(n1, -pi, pi)
    v1 = params[7]
    v2 = params[8]
    n2 = min(max(n2, -v1), v1)
    n3 = min(max(n3, -v2), v2)
    state[0] = n0
    state[1] = n1
    state[2] = n2
    state[3] = n3
    terminated = -math.cos(n0) - math.cos(n1 + n0) > 1.0
    reward = 0.0 if terminated else -1.0
    return reward, terminated


TASK = TaskEntry(
    env="Acrobot-v1",
    kernel=__name__,
    description="swing a two-link arm up (Gymnasium's, compiled twin)",
)
