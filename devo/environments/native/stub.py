"""The null compiled task: what the templates import before :func:`devo.environments.compiled.specialise`
points them at a real task (and the ``new_trial`` of tasks that have none: never a new trial)."""

from __future__ import annotations

import numpy as np
from numba import njit

STATE_SIZE = 0


def native_params() -> tuple[float, ...]:
    return ()


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    pass


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    return 0.0, True


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def new_trial(params: np.ndarray, state: np.ndarray) -> bool:
    return False
