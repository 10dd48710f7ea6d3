"""Small float32 activation functions used by every rule (compiled, inlined).

- softsign(x) = x / (1 + |x|), in (-1, 1): a cheap tanh;
- gate(x) = (1 + softsign(x)) / 2, in (0, 1): a cheap sigmoid for GRU gates;
- sigmoid(x) = 1 / (1 + exp(-x)): exact, for probabilities of structural decisions;
- bernoulli_logit(u, x) = [u < sigmoid(x)], the same decision with the exponential skipped when a
  bound settles it;
- accumulate_row(h, i, w, row): row[k] += sum_q w[q, k] h[q, i] for an 8-wide row, the per-neuron
  projection of the edge rule and of structural plasticity.
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


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def accumulate_row(h: np.ndarray, i: int, w: np.ndarray, row: np.ndarray) -> None:
    """``row[k] += sum_q w[q, k] * h[q, i]`` for the 8 entries of ``row``, summed in ``q`` order.

    ``w`` is (H, 8), one row of coefficients per state component; the eight sums are written out
    so LLVM keeps them in one SIMD register."""
    a0, a1, a2, a3, a4, a5, a6, a7 = row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]
    for q in range(w.shape[0]):
        hq = h[q, i]
        r = w[q]
        a0 += r[0] * hq
        a1 += r[1] * hq
        a2 += r[2] * hq
        a3 += r[3] * hq
        a4 += r[4] * hq
        a5 += r[5] * hq
        a6 += r[6] * hq
        a7 += r[7] * hq
    row[0] = a0
    row[1] = a1
    row[2] = a2
    row[3] = a3
    row[4] = a4
    row[5] = a5
    row[6] = a6
    row[7] = a7
