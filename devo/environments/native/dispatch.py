"""The one entry point compiled code uses to run a native task: a switch on the integer task id.

(Passing numba dispatchers as arguments defeats ``cache=True`` and recompiles in every process, so
the task is chosen by id here.) All arrays are float64 except ``rng`` (devo's ``uint64[4]``
xoshiro state, :mod:`devo.rng`); every random draw of a task comes from ``rng``.

- ``native_begin_lifetime(task_id, params, state, rng)``: lifetime-level state (food side, good
  arm, damage episode, ...). Call once per lifetime, before the first reset.
- ``native_reset(task_id, params, state, rng)``: start an episode (lifetime-level state is kept).
- ``native_observe(task_id, params, state, obs)``: write the observation (``obs_dim`` floats).
- ``native_step(task_id, params, state, action, rng) -> (reward, terminated)``: one step;
  ``action`` holds the discrete index in ``action[0]``, or the box / multibinary vector. Box
  actions are clipped by the task as Gymnasium does. Truncation is the caller's job.
- ``native_new_trial(task_id, params, state) -> bool``: whether the last step began a new trial
  of a task made of trials (Foraging-v0: food found or the trial timed out); False for the others.

Ids: CartPole-v1 0, Acrobot-v1 1, MountainCar-v0 2, Pendulum-v1 3, Foraging-v0 4, Bandit-v0 5;
a damaged task is ``base + DAMAGE_STRIDE * kind`` (:mod:`.damage`). ``params``, the state size and
the observation size come from the task's :class:`~devo.environments.TaskSpec`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.environments.native import acrobot, bandit, cartpole, damage, foraging, mountaincar, pendulum

CARTPOLE = cartpole.TASK_ID
ACROBOT = acrobot.TASK_ID
MOUNTAINCAR = mountaincar.TASK_ID
PENDULUM = pendulum.TASK_ID
FORAGING = foraging.TASK_ID
BANDIT = bandit.TASK_ID
BASE_IDS = (CARTPOLE, ACROBOT, MOUNTAINCAR, PENDULUM, FORAGING, BANDIT)
DAMAGE_STRIDE = damage.DAMAGE_STRIDE


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _begin(base: int, params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    if base == CARTPOLE:
        cartpole.begin_lifetime(params, state, rng)
    elif base == ACROBOT:
        acrobot.begin_lifetime(params, state, rng)
    elif base == MOUNTAINCAR:
        mountaincar.begin_lifetime(params, state, rng)
    elif base == PENDULUM:
        pendulum.begin_lifetime(params, state, rng)
    elif base == FORAGING:
        foraging.begin_lifetime(params, state, rng)
    elif base == BANDIT:
        bandit.begin_lifetime(params, state, rng)
    else:
        raise ValueError("unknown native task id")


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _reset(base: int, params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    if base == CARTPOLE:
        cartpole.reset(params, state, rng)
    elif base == ACROBOT:
        acrobot.reset(params, state, rng)
    elif base == MOUNTAINCAR:
        mountaincar.reset(params, state, rng)
    elif base == PENDULUM:
        pendulum.reset(params, state, rng)
    elif base == FORAGING:
        foraging.reset(params, state, rng)
    elif base == BANDIT:
        bandit.reset(params, state, rng)
    else:
        raise ValueError("unknown native task id")


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _observe(base: int, params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    if base == CARTPOLE:
        cartpole.observe(params, state, obs)
    elif base == ACROBOT:
        acrobot.observe(params, state, obs)
    elif base == MOUNTAINCAR:
        mountaincar.observe(params, state, obs)
    elif base == PENDULUM:
        pendulum.observe(params, state, obs)
    elif base == FORAGING:
        foraging.observe(params, state, obs)
    elif base == BANDIT:
        bandit.observe(params, state, obs)
    else:
        raise ValueError("unknown native task id")


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _step(base: int, params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray):
    if base == CARTPOLE:
        return cartpole.step(params, state, action, rng)
    elif base == ACROBOT:
        return acrobot.step(params, state, action, rng)
    elif base == MOUNTAINCAR:
        return mountaincar.step(params, state, action, rng)
    elif base == PENDULUM:
        return pendulum.step(params, state, action, rng)
    elif base == FORAGING:
        return foraging.step(params, state, action, rng)
    elif base == BANDIT:
        return bandit.step(params, state, action, rng)
    raise ValueError("unknown native task id")


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _split(params: np.ndarray) -> tuple[int, int, int, int]:
    n = int(params[4])
    p = int(params[6])
    m = int(params[7])
    return damage.P_HEADER, damage.P_HEADER + p, damage.S_HEADER + n, damage.S_HEADER + n + m


@njit(cache=True, error_model="numpy", _nrt=False)
def native_begin_lifetime(task_id: int, params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    if task_id < DAMAGE_STRIDE:
        _begin(task_id, params, state, rng)
        return
    p0, p1, _, s1 = _split(params)
    damage.begin(params, state, rng)
    _begin(task_id % DAMAGE_STRIDE, params[p0:p1], state[s1:], rng)


@njit(cache=True, error_model="numpy", _nrt=False)
def native_reset(task_id: int, params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    if task_id < DAMAGE_STRIDE:
        _reset(task_id, params, state, rng)
        return
    p0, p1, _, s1 = _split(params)
    damage.reset(state)
    _reset(task_id % DAMAGE_STRIDE, params[p0:p1], state[s1:], rng)


@njit(cache=True, error_model="numpy", _nrt=False)
def native_observe(task_id: int, params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    if task_id < DAMAGE_STRIDE:
        _observe(task_id, params, state, obs)
        return
    p0, p1, _, s1 = _split(params)
    _observe(task_id % DAMAGE_STRIDE, params[p0:p1], state[s1:], obs)
    damage.flip_observation(params, state, obs)


@njit(cache=True, error_model="numpy", _nrt=False)
def native_step(
    task_id: int, params: np.ndarray, state: np.ndarray, action: np.ndarray, rng: np.ndarray
) -> tuple[float, bool]:
    if task_id < DAMAGE_STRIDE:
        return _step(task_id, params, state, action, rng)
    p0, p1, s0, s1 = _split(params)
    damage.map_action(params, state, action)
    return _step(task_id % DAMAGE_STRIDE, params[p0:p1], state[s1:], state[s0:s1], rng)


@njit(cache=True, error_model="numpy", _nrt=False)
def native_new_trial(task_id: int, params: np.ndarray, state: np.ndarray) -> bool:
    base = task_id % DAMAGE_STRIDE
    if base != FORAGING:
        return False
    if task_id < DAMAGE_STRIDE:
        return foraging.new_trial(state)
    _, _, _, s1 = _split(params)
    return foraging.new_trial(state[s1:])
