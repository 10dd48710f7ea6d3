"""Small float32 activation functions used by every rule (compiled, inlined).

- softsign(x) = x / (1 + |x|), in (-1, 1): a cheap tanh;
- gate(x) = (1 + softsign(x)) / 2, in (0, 1): a cheap sigmoid for GRU gates;
- sigmoid(x) = 1 / (1 + exp(-x)): exact, for probabilities of structural decisions;
- bernoulli_logit(u, x) = [u < sigmoid(x)], the same decision with the exponential skipped when a
  bound settles it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def softsign(x):
    return x / (np.float32(1.0) + abs(x))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def gate(x):
    return np.float32(0.5) + np.float32(0.5) * (x / (np.float32(1.0) + abs(x)))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def relu(x):
    return x if x > 0 else np.float32(0.0)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def bernoulli_logit(u: float, x: float) -> bool:
    r"""``u < sigmoid(x)`` for a uniform draw ``u``, exactly, mostly without an exponential.

    For :math:`x \le 0`, :math:`e^{-x} \ge 1 - x + x^2/2`, so
    :math:`\sigma(x) \le 1 / (2 - x + x^2/2)`; a draw at or above that bound is a "no" (for the
    rare events of structural plasticity, logits near -6, that is about 96% of draws). The margin
    of 1e-9 keeps rounding from deciding a draw differently from ``u < sigmoid(x)``.
    """
    if x <= 0.0 and u * (2.0 - x + 0.5 * x * x) >= 1.0 + 1e-9:
        return False
    return u < sigmoid(x)
