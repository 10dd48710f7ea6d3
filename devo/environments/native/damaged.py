"""A compiled task with mid-life damage around it (:mod:`.damage` holds the rules and the layout of
``params`` and ``state``): the wrapped task's functions run on slices of the arrays.

A template: :func:`devo.environments.compiled.specialise` points the marked import at the wrapped
task, and the copy is itself a compiled task (the lifetime template is then pointed at it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.environments.native import damage

from devo.environments.native.stub import begin_lifetime as inner_begin_lifetime, new_trial as inner_new_trial, observe as inner_observe, reset as inner_reset, step as inner_step  # devo:task  # isort: skip  # noqa: E501

STATE_SIZE = -1  # depends on the wrapped task: TaskSpec.native_state_size


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _split(params: np.ndarray) -> tuple[int, int, int, int]:
    n = int(params[4])
    p = int(params[6])
    m = int(params[7])
    return damage.P_HEADER, damage.P_HEADER + p, damage.S_HEADER + n, damage.S_HEADER + n + m


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin_lifetime(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    p0, p1, _, s1 = _split(params)
    damage.begin(params, state, rng)
    inner_begin_lifetime(params[p0:p1], state[s1:], rng)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    p0, p1, _, s1 = _split(params)
    damage.reset(state)
    inner_reset(params[p0:p1], state[s1:], rng)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def observe(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    p0, p1, _, s1 = _split(params)
    inner_observe(params[p0:p1], state[s1:], obs)
    damage.flip_observation(params, state, obs)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def step(params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray) -> tuple[float, bool]:
    p0, p1, s0, s1 = _split(params)
    damage.map_action(params, state, action)
    return inner_step(params[p0:p1], state[s1:], state[s0:s1], rng)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def new_trial(params: np.ndarray, state: np.ndarray) -> bool:
    p0, p1, _, s1 = _split(params)
    return inner_new_trial(params[p0:p1], state[s1:])
