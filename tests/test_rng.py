"""The compiled generator against its pure-Python twin; seed derivation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from devo.rng import (
    PyRng,
    derive_seed,
    integers,
    next_u64,
    normal,
    rng_from_seed,
    seed_states,
    to_uniform,
    uniform,
    xoshiro_step,
)


@njit(cache=True)
def _draws(s, n):
    out = np.empty((4, n))
    for k in range(n):
        out[0, k] = float(next_u64(s) >> np.uint64(11))
        out[1, k] = uniform(s)
        out[2, k] = normal(s)
        out[3, k] = integers(s, 7)
    return out


@njit(cache=True)
def _register_draws(s, n):
    """Uniforms with the state held in four variables (a loop that only draws), stored back after."""
    out = np.empty(n)
    r0, r1, r2, r3 = s[0], s[1], s[2], s[3]
    for k in range(n):
        x, r0, r1, r2, r3 = xoshiro_step(r0, r1, r2, r3)
        out[k] = to_uniform(x)
    s[0] = r0
    s[1] = r1
    s[2] = r2
    s[3] = r3
    return out


@given(seed=st.integers(-(2**63), 2**64 - 1), n=st.integers(1, 50))
def test_compiled_matches_python_twin(seed: int, n: int) -> None:
    s = rng_from_seed(seed)
    py = PyRng(s.copy())
    got = _draws(s, n)
    for k in range(n):
        assert got[0, k] == float(py.next_u64() >> 11)
        assert got[1, k] == py.uniform()
        assert got[2, k] == py.normal()
        assert got[3, k] == py.integers(7)
    np.testing.assert_array_equal(s, py.state())


def test_derive_seed_is_stable_and_order_sensitive() -> None:
    assert derive_seed(1, 2, 3) == derive_seed(1, 2, 3)
    assert derive_seed(1, 2, 3) != derive_seed(3, 2, 1)
    assert derive_seed(0) != derive_seed(0, 0)
    # pinned value: changing the scheme silently would change every run's results
    assert derive_seed(42, 0, 7, 1) == 0x6D94234A1AB9A083


def test_distributions() -> None:
    s = rng_from_seed(5)
    d = _draws(s, 20000)
    assert d[1].min() >= 0.0 and d[1].max() < 1.0
    assert abs(d[1].mean() - 0.5) < 0.01
    assert abs(d[2].mean()) < 0.03 and abs(d[2].std() - 1.0) < 0.03
    counts = np.bincount(d[3].astype(int), minlength=7)
    assert counts.min() > 2500 and d[3].max() == 6


def test_zero_seed_state_is_valid() -> None:
    s = rng_from_seed(0)
    assert s.any()
    assert uniform(s) != uniform(s)


@pytest.mark.parametrize("seed", [0, 1, 2**64 - 1, -1])
def test_negative_and_large_seeds(seed: int) -> None:
    assert rng_from_seed(seed).dtype == np.uint64


@given(seed=st.integers(-(2**63), 2**64 - 1), n=st.integers(1, 50))
def test_state_in_registers_is_the_same_stream(seed: int, n: int) -> None:
    s = rng_from_seed(seed)
    py = PyRng(s.copy())
    got = _register_draws(s, n)
    assert got.tolist() == [py.uniform() for _ in range(n)]
    np.testing.assert_array_equal(s, py.state())


@given(
    seeds=st.lists(st.integers(-(2**70), 2**70), max_size=20),
    salt=st.one_of(st.integers(0, 3), st.integers(-(2**65), 2**65)),
)
def test_seed_states_match_python_derivation(seeds: list[int], salt: int) -> None:
    got = seed_states(seeds, salt)
    assert got.shape == (len(seeds), 4) and got.dtype == np.uint64
    for q, seed in enumerate(seeds):
        np.testing.assert_array_equal(got[q], rng_from_seed(derive_seed(seed, salt)))
