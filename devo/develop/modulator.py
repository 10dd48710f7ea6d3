r"""Neuromodulation: the reward enters as a reward-prediction error, an explicit third factor.

With a running baseline :math:`\bar r` (rate :math:`\beta = \sigma(\rho_\beta)`) and evolved gains
:math:`g_\delta, g_T`:

.. math::

    \delta_t = r_t - \bar r_{t-1}, \qquad \bar r_t = \bar r_{t-1} + \beta\, \delta_t, \qquad
    m_t = \mathrm{softsign}(g_\delta\, \delta_t + g_T\, \mathbb{1}[\text{terminated}_t])

A constant reward (CartPole's +1) gives :math:`m \to 0`; what remains is surprise, and the end of
an episode by failure (``terminated``, not ``truncated``).
"""

from __future__ import annotations

import math

from numba import njit

from devo.develop.agent import MS_BASELINE, MS_M, MS_REWARD, Agent
from devo.develop.rules import Rules


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def update_modulator(ag: Agent, R: Rules, reward: float, terminated: bool) -> float:
    """Update the baseline and the modulator from one reward; returns the new modulator."""
    ms = ag.ms
    beta = 1.0 / (1.0 + math.exp(-float(R.mod[2])))
    delta = reward - ms[MS_BASELINE]
    ms[MS_BASELINE] += beta * delta
    u = float(R.mod[0]) * delta + (float(R.mod[1]) if terminated else 0.0)
    m = u / (1.0 + abs(u))
    ms[MS_M] = m
    ms[MS_REWARD] = reward
    return m


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def silence_modulator(ag: Agent) -> None:
    """No reward signal (development and spontaneous activity)."""
    ag.ms[MS_M] = 0.0
