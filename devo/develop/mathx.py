"""Small float32 activation functions used by every rule (compiled, inlined).

- softsign(x) = x / (1 + |x|), in (-1, 1): a cheap tanh;
- gate(x) = (1 + softsign(x)) / 2, in (0, 1): a cheap sigmoid for GRU gates;
- sigmoid(x) = 1 / (1 + exp(-x)): exact, for probabilities of structural decisions.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def softsign(x):
    return x / (np.float32(1.0) + abs(x))


@njit(cache=True, inline="always")
def gate(x):
    return np.float32(0.5) + np.float32(0.5) * (x / (np.float32(1.0) + abs(x)))


@njit(cache=True, inline="always")
def sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@njit(cache=True, inline="always")
def relu(x):
    return x if x > 0 else np.float32(0.0)
