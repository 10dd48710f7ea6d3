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

**Potential-based shaping** (``develop.shaping = true``): the modulator reads the reward plus an
evolved shaping term (Ng, Harada & Russell 1999: a term of this form leaves the task's optimal
policies unchanged), with a potential quadratic in the normalised observation :math:`\tilde x`
(genome block ``mod.potential``, rows :math:`a, b`, initially 0):

.. math::

    \Phi(\tilde x) = \textstyle\sum_k a_k \tilde x_k + b_k \tilde x_k^2, \qquad
    r_t \leftarrow r_t + \Phi(\tilde x_{t+1}) - \Phi(\tilde x_t)
    \quad (\Phi(\tilde x_{t+1}) = 0 \text{ when the episode terminated})

so a reward that speaks once per episode (CartPole's fall) gets a dense, evolved forerunner: with
:math:`b < 0` on the pole's angular velocity (what the evolved CartPole genomes of
``experiments/cartpole_damage_shaping.toml`` chose), every step that sets the pole swinging is a
negative surprise, and gated plasticity can act within the episode. :math:`\tilde x_{t+1}` is normalised with the
running statistics as they are (the next step's sensing updates them), and the next step reuses
that :math:`\Phi(\tilde x_{t+1})` as its :math:`\Phi(\tilde x_t)`, so the shaping terms of an
episode sum to :math:`\Phi(\text{end}) - \Phi(\tilde x_0)` exactly; a non-finite potential counts as 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from devo.develop.agent import F_CLIP_SD, K_EP_STEP, K_LIFE_STEP, MS_BASELINE, MS_M, MS_PHI, MS_REWARD, MS_VAR, Agent
from devo.develop.blocks import Array
from devo.genome import Block
from devo.snn.normalize import normalize

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules

BLOCKS = (
    Block("mod", (3,), "values", help="modulator: RPE gain, termination gain, baseline rate logit",
          values=(1.0, -1.0, -3.0)),
)
ARRAYS = (
    Array("mod", ("mod",)),  # (3,)  g_delta, g_T, rho_beta
    Array("potential", ("mod.potential",), absent=((2, 0), 0.0)),  # (2, d) a, b of the shaping potential; (2, 0): off
)


def shaping_blocks(obs_dim: int) -> tuple[Block, ...]:
    """``develop.shaping``: the potential's linear and quadratic coefficient per observation value."""
    return (
        Block("mod.potential", (2, obs_dim), "const", 0.0,
              help="modulator: shaping potential, linear and quadratic coefficient per observation value"),
    )  # fmt: skip

M_CLIP = 3.0
RPE_EPS = 1e-2


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def potential(R: Rules, x: np.ndarray) -> float:
    r""":math:`\Phi(x) = \sum_k a_k x_k + b_k x_k^2` (0 without shaping or when not finite)."""
    pot = R.potential
    phi = 0.0
    for k in range(pot.shape[1]):
        v = float(x[k])
        phi += float(pot[0, k]) * v + float(pot[1, k]) * v * v
    return phi if math.isfinite(phi) else 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def shaped_reward(ag: Agent, R: Rules, reward: float, terminated: bool) -> float:
    r"""The reward plus :math:`\Phi(\tilde x_{t+1}) - \Phi(\tilde x_t)` with ``ag.obs`` the next
    observation (unchanged without shaping). :math:`\Phi(\tilde x_t)` is the value the last step
    computed as its next potential (``ms[MS_PHI]``), so the terms telescope over an episode even
    while running statistics move; at an episode's first step it is :math:`\Phi` of the sensed
    ``ag.xn``."""
    if R.potential.shape[1] == 0:
        return reward
    now = potential(R, ag.xn) if ag.counters[K_EP_STEP] == 0 else ag.ms[MS_PHI]
    nxt = 0.0
    if not terminated:
        normalize(ag.obs, ag.norm_mode, ag.obs_low, ag.obs_high, ag.norm_stats, False, ag.cf[F_CLIP_SD], ag.xnext)
        nxt = potential(R, ag.xnext)
    ag.ms[MS_PHI] = nxt
    return reward + nxt - now


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def update_modulator(ag: Agent, R: Rules, reward: float, terminated: bool) -> float:
    """Update the baseline, the RPE variance and the modulator from one reward (shaped, with
    ``develop.shaping``); returns the new modulator. ``ms[MS_REWARD]`` keeps the task's reward."""
    ms = ag.ms
    task_reward = reward
    reward = shaped_reward(ag, R, reward, terminated)
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
    ms[MS_REWARD] = task_reward
    return m


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def silence_modulator(ag: Agent) -> None:
    """No reward signal (development and spontaneous activity)."""
    ag.ms[MS_M] = 0.0
