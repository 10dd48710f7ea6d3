r"""Spontaneous activity: an evolved Ornstein-Uhlenbeck process drives the input neurons before
the first episode, with every rule switched on (LNDP's biggest single gain).

One OU unit per observation value, in normalised-observation units; its output takes the place of
the normalised observation and goes through the same encoder:

.. math::

    o_{t+1} = o_t + \theta \odot (\mu - o_t) + L \xi_t, \qquad \xi_t \sim N(0, I),
    \qquad \hat x_t = \mathrm{clip}(o_t, -1, 1)

with :math:`\theta = \sigma(\rho_\theta)` and ``L`` lower-triangular (correlated input waves).
The process starts at :math:`o_0 = L \xi_0`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from devo.develop.agent import Agent
from devo.develop.blocks import Array, New
from devo.genome import Block
from devo.rng import normal

if TYPE_CHECKING:  # annotations only: rules.py assembles Rules from this module's ARRAYS
    from devo.develop.rules import Rules


def blocks(obs_dim: int) -> tuple[Block, ...]:
    """The OU process's blocks: one unit per observation value (``d = obs_dim``)."""
    d = obs_dim
    return (
        Block("sa.mu", (d,), "const", 0.0, "spontaneous activity: OU mean per input"),
        Block("sa.theta", (d,), "const", -2.0, "spontaneous activity: OU reversion-rate logit"),
        Block("sa.l", (d * (d + 1) // 2,), "normal", 0.3, "spontaneous activity: OU noise Cholesky factor"),
    )


@lru_cache(maxsize=8)
def _tril(d: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(d)``, once per size (it costs ~100 us a call, a sixth of a short lifetime)."""
    return np.tril_indices(d)


def _lower_triangle(new: New, packed: np.ndarray) -> np.ndarray:
    """The ``d (d + 1) / 2`` packed entries of ``sa.l`` as a (d, d) lower-triangular matrix."""
    d = (math.isqrt(8 * packed.size + 1) - 1) // 2
    out = new((d, d), 0.0)
    out[_tril(d)] = packed
    return out


ARRAYS = (
    Array("sa_mu", ("sa.mu",)),  # (d,)  OU mean
    Array("sa_theta", ("sa.theta",)),  # (d,)  OU reversion rate logit
    Array("sa_l", ("sa.l",), _lower_triangle),  # (d, d)  OU noise factor (lower triangle used)
)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def ou_start(ag: Agent, R: Rules) -> None:
    d = ag.ou.shape[0]
    for k in range(d):
        ag.ou[k] = 0.0
    _add_noise(ag, R)
    _to_xn(ag)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def ou_step(ag: Agent, R: Rules) -> None:
    """Advance the OU process one env step and write its output into ``ag.xn``."""
    d = ag.ou.shape[0]
    # o += theta (mu - o), then + L xi
    for k in range(d):
        theta = 1.0 / (1.0 + math.exp(-float(R.sa_theta[k])))
        ag.ou[k] += theta * (float(R.sa_mu[k]) - ag.ou[k])
    _add_noise(ag, R)
    _to_xn(ag)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _add_noise(ag: Agent, R: Rules) -> None:
    """o += L xi, xi ~ N(0, I), with L the lower-triangular noise factor."""
    d = ag.ou.shape[0]
    for j in range(d):
        z = normal(ag.rng)
        for k in range(j, d):
            ag.ou[k] += float(R.sa_l[k, j]) * z


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _to_xn(ag: Agent) -> None:
    for k in range(ag.ou.shape[0]):
        ag.xn[k] = np.float32(min(1.0, max(-1.0, ag.ou[k])))
