"""Counter-free, explicit random numbers that compiled code and Python agree on bit for bit.

Every random draw in devo comes from a :func:`Rng` state: four ``uint64`` words of
xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64. The state is a plain numpy
array, so it lives inside a lifetime's compiled code, travels between processes, and is saved in
checkpoints. :func:`derive_seed` turns a tuple of integers -- (run seed, generation, genome
index, trial, ...) -- into one 64-bit seed, so a draw never depends on which worker made it.

Generator (all arithmetic modulo 2^64)::

    result = rotl(s1 * 5, 7) * 9
    t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)

``uniform`` maps the top 53 bits to [0, 1); ``normal`` is Box-Muller on two uniforms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numba import njit

__all__ = [
    "derive_seed",
    "rng_from_seed",
    "seed_states",
    "next_u64",
    "xoshiro_step",
    "to_uniform",
    "uniform",
    "normal",
    "integers",
    "PyRng",
]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_H0 = 0x6A09E667F3BCC908  # derive_seed's starting value


def _splitmix64_py(x: int) -> tuple[int, int]:
    x = (x + _GOLDEN) & _MASK
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return x, z ^ (z >> 31)


def derive_seed(*keys: int) -> int:
    """Fold integers into one 64-bit seed: ``h = splitmix64(h xor key)`` for each key in order.

    Negative keys are taken modulo 2^64. The same keys always give the same seed, on any machine.
    """
    h = _H0
    for k in keys:
        _, h = _splitmix64_py(h ^ (int(k) & _MASK))
    return h


def rng_from_seed(seed: int) -> np.ndarray:
    """A fresh xoshiro256** state (``uint64[4]``) seeded by splitmix64 from ``seed``."""
    x = int(seed) & _MASK
    out = np.empty(4, dtype=np.uint64)
    for i in range(4):
        x, z = _splitmix64_py(x)
        out[i] = z
    if not out.any():  # the all-zero state is the one xoshiro cannot leave
        out[0] = 1
    return out


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def xoshiro_step(s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64) -> tuple:
    """One step of the generator on a state held in four variables: ``(result, s0, s1, s2, s3)``.

    :func:`next_u64` is this step on a state array. A loop that only draws can keep the state in
    variables with it, with the same stream (measured in pruning's loop: within noise, so the
    kernels draw from the array; docs/design.md)."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def to_uniform(x: np.uint64) -> float:
    """The uniform on [0, 1) of a 64-bit word: its top 53 bits (as :func:`uniform`)."""
    return float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, error_model="numpy", _nrt=False)
def next_u64(s: np.ndarray) -> np.uint64:
    """Advance the state in place and return the next 64-bit word."""
    result, s[0], s[1], s[2], s[3] = xoshiro_step(s[0], s[1], s[2], s[3])
    return result


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _splitmix64(x: np.uint64) -> tuple:
    x = x + np.uint64(_GOLDEN)
    z = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x, z ^ (z >> np.uint64(31))


@njit(cache=True, error_model="numpy", _nrt=False)
def _seed_states(keys: np.ndarray, salt: np.uint64, out: np.ndarray) -> None:
    h0 = np.uint64(_H0)
    for q in range(keys.shape[0]):
        _, h = _splitmix64(h0 ^ keys[q])
        _, x = _splitmix64(h ^ salt)
        zero = True
        for i in range(4):
            x, z = _splitmix64(x)
            out[q, i] = z
            zero = zero and z == np.uint64(0)
        if zero:
            out[q, 0] = np.uint64(1)


def seed_states(seeds: Sequence[int], salt: int) -> np.ndarray:
    """``rng_from_seed(derive_seed(seed, salt))`` for every seed, as rows of a ``uint64[k, 4]``
    array, in one compiled call (a lifetime needs two such states; in Python they cost ~10 us)."""
    keys = np.array([int(v) & _MASK for v in seeds], dtype=np.uint64)
    out = np.empty((len(keys), 4), np.uint64)
    _seed_states(keys, np.uint64(int(salt) & _MASK), out)
    return out


@njit(cache=True, error_model="numpy", _nrt=False)
def uniform(s: np.ndarray) -> float:
    """A float64 uniform on [0, 1) from the top 53 bits."""
    return to_uniform(next_u64(s))


@njit(cache=True, error_model="numpy", _nrt=False)
def normal(s: np.ndarray) -> float:
    """A standard normal draw (Box-Muller, cosine branch; two uniforms per draw)."""
    u1 = 1.0 - uniform(s)  # (0, 1]
    u2 = uniform(s)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True, error_model="numpy", _nrt=False)
def integers(s: np.ndarray, n: int) -> int:
    """An integer uniform on [0, n) for 1 <= n < 2^32 (Lemire's multiply-shift on 32 bits)."""
    x = next_u64(s) >> np.uint64(32)
    return int((x * np.uint64(n)) >> np.uint64(32))


class PyRng:
    """Pure-Python twin of the compiled generator; tests use it as the reference."""

    def __init__(self, state: np.ndarray) -> None:
        self.s = [int(v) for v in state]

    def next_u64(self) -> int:
        s0, s1, s2, s3 = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & _MASK  # noqa: E731
        result = (rotl((s1 * 5) & _MASK, 7) * 9) & _MASK
        t = (s1 << 17) & _MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self) -> float:
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)

    def normal(self) -> float:
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def integers(self, n: int) -> int:
        return ((self.next_u64() >> 32) * n) >> 32

    def state(self) -> np.ndarray:
        return np.array(self.s, dtype=np.uint64)
