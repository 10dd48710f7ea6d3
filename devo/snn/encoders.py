r"""Encoders: a normalised observation :math:`\hat x \in [-1, 1]^d` drives the input neurons.

An encoder works in two stages, so the per-tick work stays tiny:

1. :func:`encode` (once per env step) turns :math:`\hat x` into a *drive* per input neuron;
2. :func:`apply_drive` (every tick) turns the drive into input current or forced spikes.

Kinds (``g`` = gain, ``o`` = offset, ``K`` = ticks per env step):

- ``CURRENT`` (default), one neuron per dimension: :math:`I^{ext}_k = g \hat x_k + o` every tick;
- ``POISSON``, one neuron per dimension: spike forced each tick with probability
  :math:`\min(1, g (\hat x_k + 1)/2)` (``g`` = peak spike probability per tick);
- ``LATENCY``, one neuron per dimension: one forced spike per env step at tick
  :math:`\mathrm{round}((1 - (\hat x_k + 1)/2)(K - 1))` -- larger values fire earlier; no spike
  for :math:`\hat x_k = -1`;
- ``POPULATION``, ``M`` neurons per dimension with Gaussian receptive fields at centres
  :math:`c_m = -1 + 2m/(M-1)`: :math:`I^{ext}_{k,m} = g \exp(-(\hat x_k - c_m)^2 / 2\sigma^2) + o`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from devo.rng import uniform

CURRENT = 0
POISSON = 1
LATENCY = 2
POPULATION = 3
KIND_NAMES = {"current": CURRENT, "poisson": POISSON, "latency": LATENCY, "population": POPULATION}

# packed encoder parameters
E_GAIN = 0
E_OFFSET = 1
E_SIGMA = 2
E_POP = 3
N_EP = 4


@dataclass(frozen=True)
class EncoderSpec:
    """How observations become input-neuron activity.

    Attributes:
        kind: "current", "poisson", "latency" or "population".
        gain: current scale (current, population) or peak spike probability per tick (poisson).
        offset: constant current added to every input neuron (current, population).
        population: neurons per observation dimension (population only).
        sigma: receptive-field width on [-1, 1] (population only).
    """

    kind: str = "current"
    gain: float = 1.0
    offset: float = 0.0
    population: int = 5
    sigma: float = 0.35

    def __post_init__(self) -> None:
        if self.kind not in KIND_NAMES:
            raise ValueError(f"unknown encoder {self.kind!r}; choose one of {sorted(KIND_NAMES)}")
        if self.kind == "population" and self.population < 2:
            raise ValueError(f"a population encoder needs population >= 2, got {self.population}")
        if self.kind == "population" and not self.sigma > 0:
            raise ValueError(f"sigma must be > 0, got {self.sigma}")
        if not (math.isfinite(self.gain) and math.isfinite(self.offset)):
            raise ValueError("encoder gain and offset must be finite")

    @property
    def code(self) -> int:
        return KIND_NAMES[self.kind]

    def n_neurons(self, obs_dim: int) -> int:
        """Input neurons needed for an observation of ``obs_dim`` values."""
        return obs_dim * self.population if self.kind == "population" else obs_dim

    def pack(self) -> np.ndarray:
        p = np.zeros(N_EP, np.float32)
        p[E_GAIN] = self.gain
        p[E_OFFSET] = self.offset
        p[E_SIGMA] = self.sigma
        p[E_POP] = self.population
        return p


@njit(cache=True, error_model="numpy", _nrt=False)
def encode(xn: np.ndarray, kind: int, params: np.ndarray, drive: np.ndarray) -> None:
    """Drive per input neuron from the normalised observation ``xn`` (see module docstring)."""
    d = xn.shape[0]
    if kind == POPULATION:
        m_pop = int(params[E_POP])
        inv = np.float32(1.0) / (np.float32(2.0) * params[E_SIGMA] * params[E_SIGMA])
        step = np.float32(2.0) / np.float32(m_pop - 1)
        for k in range(d):
            for m in range(m_pop):
                c = np.float32(-1.0) + step * np.float32(m)
                diff = xn[k] - c
                drive[k * m_pop + m] = np.float32(math.exp(-diff * diff * inv))
    elif kind == CURRENT:
        for k in range(d):
            drive[k] = xn[k]
    else:  # POISSON, LATENCY: a value on [0, 1]
        for k in range(d):
            drive[k] = (xn[k] + np.float32(1.0)) * np.float32(0.5)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def apply_drive(
    i_ext: np.ndarray,
    force: np.ndarray,
    inputs: np.ndarray,
    drive: np.ndarray,
    kind: int,
    params: np.ndarray,
    tick_in_step: int,
    ticks_per_step: int,
    rng: np.ndarray,
) -> None:
    """Set input current (``i_ext``) or forced spikes (``force``) of the input neurons ``inputs``
    for the next tick. Takes the network's arrays, not the NetState, so tick loops can inline it."""
    g = params[E_GAIN]
    if kind in (CURRENT, POPULATION):
        o = params[E_OFFSET]
        for k in range(inputs.shape[0]):
            i_ext[inputs[k]] = g * drive[k] + o
    elif kind == POISSON:
        for k in range(inputs.shape[0]):
            p = g * drive[k]
            if uniform(rng) < p:
                force[inputs[k]] = 1
    else:  # LATENCY
        for k in range(inputs.shape[0]):
            if drive[k] > 0.0:
                t_k = int(math.floor((1.0 - drive[k]) * (ticks_per_step - 1) + 0.5))
                if t_k == tick_in_step:
                    force[inputs[k]] = 1
