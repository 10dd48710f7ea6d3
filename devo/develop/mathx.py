"""Small float32 activation functions used by every rule (compiled, inlined).

- softsign(x) = x / (1 + |x|), in (-1, 1): a cheap tanh;
- gate(x) = (1 + softsign(x)) / 2, in (0, 1): a cheap sigmoid for GRU gates;
- sigmoid(x) = 1 / (1 + exp(-x)): exact, for probabilities of structural decisions;
- bernoulli_logit(u, x) = [u < sigmoid(x)], the same decision with the exponential skipped when a
  bound settles it;
- accumulate_pair(h, i, wa, wb, a, b): a[k] + sum_q wa[q, k] h[q, i] (and b with wb) for 8-tuples,
  the per-neuron projections of the edge rule and of structural plasticity (row8, store8, axpy8:
  its 8-wide parts).
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
def row8(r: np.ndarray, o: int) -> tuple:
    """``r[o:o + 8]`` as a tuple (8 scalars LLVM keeps in one SIMD register)."""
    return (r[o], r[o + 1], r[o + 2], r[o + 3], r[o + 4], r[o + 5], r[o + 6], r[o + 7])


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def store8(r: np.ndarray, o: int, a: tuple) -> None:
    """``r[o:o + 8] = a`` for an 8-tuple ``a``."""
    r[o] = a[0]
    r[o + 1] = a[1]
    r[o + 2] = a[2]
    r[o + 3] = a[3]
    r[o + 4] = a[4]
    r[o + 5] = a[5]
    r[o + 6] = a[6]
    r[o + 7] = a[7]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def axpy8(a: tuple, r: np.ndarray, o: int, s) -> tuple:
    """``a[k] + r[o + k] * s`` for the 8 entries of ``a``."""
    return (a[0] + r[o] * s, a[1] + r[o + 1] * s, a[2] + r[o + 2] * s, a[3] + r[o + 3] * s,
            a[4] + r[o + 4] * s, a[5] + r[o + 5] * s, a[6] + r[o + 6] * s, a[7] + r[o + 7] * s)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def add8(a: tuple, b: tuple) -> tuple:
    """``a[k] + b[k]`` for 8-tuples."""
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5], a[6] + b[6], a[7] + b[7])


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def max8(a: tuple, b: tuple) -> tuple:
    """``max(a[k], b[k])`` for 8-tuples (``max``'s rule: ``b[k]`` if it is larger, else ``a[k]``)."""
    return (max(a[0], b[0]), max(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]),
            max(a[4], b[4]), max(a[5], b[5]), max(a[6], b[6]), max(a[7], b[7]))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def abs8(a: tuple) -> tuple:
    """``abs(a[k])`` for an 8-tuple."""
    return (abs(a[0]), abs(a[1]), abs(a[2]), abs(a[3]), abs(a[4]), abs(a[5]), abs(a[6]), abs(a[7]))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def accumulate_pair(h: np.ndarray, i: int, wa: np.ndarray, wb: np.ndarray, a: tuple, b: tuple) -> tuple:
    """``(a[k] + sum_q wa[q, k] h[q, i], b[k] + sum_q wb[q, k] h[q, i])`` for 8-tuples ``a``, ``b``,
    summed in ``q`` order: the two per-neuron projections of the edge rule and of structural
    plasticity, ``wa`` and ``wb`` of shape (H, 8) (one row of coefficients per state component).

    The sums are carried in tuples, not in the output rows: LLVM keeps each in one SIMD register
    and the two chains interleave (with the rows as accumulators, twice the time at N=64)."""
    for q in range(wa.shape[0]):
        hq = h[q, i]
        a = axpy8(a, wa[q], 0, hq)
        b = axpy8(b, wb[q], 0, hq)
    return a, b
