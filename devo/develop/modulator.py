r"""Neuromodulation: the reward enters as a reward-prediction error, an explicit third factor.

With a running baseline :math:`\bar r` and running RPE variance :math:`\bar v` (rate
:math:`\beta = \sigma(\rho_\beta)`; the baseline starts at the lifetime's first reward, so a
constant reward is no surprise), evolved gains :math:`g_\delta, g_T` and :math:`\epsilon = 10^{-2}`:

.. math::

    \delta_t = r_t - \bar r_{t-1}, \qquad
    m_t = \mathrm{clip}\Big(g_\delta \frac{\delta_t}{\sqrt{\bar v_{t-1} + \epsilon}}
        + g_T\, \mathbb{1}[\text{terminated}_t],\; \pm 3\Big), \\
    \bar r_t = \bar r_{t-1} + \beta\, \delta_t, \qquad \bar v_t = \bar v_{t-1} + \beta\, (\delta_t^2 - \bar v_{t-1})

The modulator is *linear* in the RPE (normalised by its running scale) up to the clip, so its
running mean is ~0 whatever the reward's distribution: a sparse +10 among zeros gives a large
positive m once and small negative m otherwise, summing to ~0. Gated plasticity
(:math:`\Delta H \propto m\, \varepsilon`) therefore moves no synapse on average unless the
synapse's eligibility is correlated with surprise (a squashing function such as softsign would
break this: it shrinks the rare large positive errors more than the frequent small negative ones,
and every gated synapse would drift). CartPole's constant +1 gives m = 0 until the pole falls
(``terminated``, not ``truncated``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from numba import njit

from devo.develop.agent import K_LIFE_STEP, MS_BASELINE, MS_M, MS_REWARD, MS_VAR, Agent
from devo.develop.blocks import Array
from devo.genome import Block

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules

BLOCKS = (
    Block("mod", (3,), "values", help="modulator: RPE gain, termination gain, baseline rate logit",
          values=(1.0, -1.0, -3.0)),
)
ARRAYS = (Array("mod", ("mod",)),)  # (3,)  g_delta, g_T, rho_beta

M_CLIP = 3.0
RPE_EPS = 1e-2


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def update_modulator(ag: Agent, R: Rules, reward: float, terminated: bool) -> float:
    """Update the baseline, the RPE variance and the modulator from one reward; returns the new
    modulator."""
    ms = ag.ms
    if ag.counters[K_LIFE_STEP] == 0:
        ms[MS_BASELINE] = reward
        ms[MS_VAR] = 0.0
    beta = 1.0 / (1.0 + math.exp(-float(R.mod[2])))
    delta = reward - ms[MS_BASELINE]
    u = float(R.mod[0]) * delta / math.sqrt(ms[MS_VAR] + RPE_EPS) + (float(R.mod[1]) if terminated else 0.0)
    m = min(max(u, -M_CLIP), M_CLIP)
    ms[MS_BASELINE] += beta * delta
    ms[MS_VAR] += beta * (delta * delta - ms[MS_VAR])
    ms[MS_M] = m
    ms[MS_REWARD] = reward
    return m


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def silence_modulator(ag: Agent) -> None:
    """No reward signal (development and spontaneous activity)."""
    ag.ms[MS_M] = 0.0
