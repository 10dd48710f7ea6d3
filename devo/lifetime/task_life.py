"""The whole lifetime on a compiled task, in compiled code: one call per lifetime
(:func:`run_native`) or per chunk of lifetimes of one genome (:func:`run_native_batch`).

A template: :func:`devo.environments.compiled.specialise` writes a copy whose marked import takes
the task's functions (``begin_lifetime``, ``reset``, ``observe``, ``step``, ``new_trial``) from the
task's module, so any task that follows the compiled-task protocol gets this lifetime without an
edit here. :func:`life_kernels` returns the copy for a task.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
from numba import njit

from devo.develop.agent import C_EPISODES, C_HORIZON, C_RECORD, K_NAN, K_NEW_TRIAL, K_STEP, Agent
from devo.develop.growth import birth
from devo.develop.rules import Rules
from devo.environments.compiled import for_task
from devo.lifetime.batch import lifetime_stats, reset_lifetime
from devo.lifetime.fpmode import flush_subnormals, restore_mode
from devo.lifetime.record import Recorder, take_snapshot
from devo.lifetime.step import develop, env_act, env_learn

from devo.environments.native.stub import begin_lifetime, new_trial, observe, reset, step  # devo:task  # isort: skip
from devo.environments.spec import TaskSpec
from devo.snn.state import NetState


def life_kernels(spec: TaskSpec) -> ModuleType:
    """This module specialised for the compiled task of ``spec`` (its damage wrapper included)."""
    return for_task(__name__, spec)


@njit(cache=True, error_model="numpy", _nrt=False)
def run_native(
    net: NetState,
    ag: Agent,
    R: Rules,
    rec: Recorder,
    tparams: np.ndarray,
    tstate: np.ndarray,
    env_rng: np.ndarray,
    returns: np.ndarray,
    lengths: np.ndarray,
) -> None:
    """A whole lifetime on a native task, in compiled code: develop, then ``n_episodes`` episodes
    without resetting the network. ``returns``/``lengths`` receive each episode's return and
    length; a bad observation or reward sets ``K_NAN`` and ends the lifetime. Subnormal floats
    flush to zero while it runs (:mod:`devo.lifetime.fpmode`)."""
    mode = flush_subnormals()
    _live(net, ag, R, rec, tparams, tstate, env_rng, returns, lengths)
    restore_mode(mode)


@njit(cache=True, error_model="numpy", _nrt=False)
def _live(net, ag, R, rec, tparams, tstate, env_rng, returns, lengths):
    """:func:`run_native`'s lifetime, in the caller's floating-point mode."""
    birth(net, ag, R)
    develop(net, ag, R, rec)
    begin_lifetime(tparams, tstate, env_rng)
    horizon = ag.ci[C_HORIZON]
    for ep in range(ag.ci[C_EPISODES]):
        reset(tparams, tstate, env_rng)
        total = 0.0
        steps = 0
        for t in range(horizon):
            observe(tparams, tstate, ag.obs)
            spikes = env_act(net, ag, rec, t == 0)
            if spikes < 0:
                ag.counters[K_NAN] = 1
                returns[ep] = total
                lengths[ep] = steps
                return
            reward, terminated = step(tparams, tstate, ag.action, env_rng)
            if new_trial(tparams, tstate):
                ag.counters[K_NEW_TRIAL] = 1
            if not math.isfinite(reward):
                ag.counters[K_NAN] = 1
                returns[ep] = total
                lengths[ep] = steps
                return
            total += reward
            steps += 1
            if R.potential.shape[1] != 0:  # shaping reads the next observation (ag.obs is read again next step)
                observe(tparams, tstate, ag.obs)
            env_learn(net, ag, R, rec, reward, terminated, ep, t, spikes)
            if terminated:
                break
        returns[ep] = total
        lengths[ep] = steps
    if ag.ci[C_RECORD] != 0:
        take_snapshot(net, rec, ag.counters[K_STEP])



@njit(cache=True, error_model="numpy")
def run_native_batch(
    box,
    params: np.ndarray,
    tparams: np.ndarray,
    tstate: np.ndarray,
    agent_rngs: np.ndarray,
    env_rngs: np.ndarray,
    returns: np.ndarray,
    lengths: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Lifetime ``k`` of the boxed genome with agent random state ``agent_rngs[k]`` and task random
    state ``env_rngs[k]`` (uint64[K, 4]), for every ``k``: reset, :func:`run_native`,
    then ``returns[k]``, ``lengths[k]`` (per episode) and ``stats[k]`` (:data:`STATS`). The task's
    parameters start from ``params`` and its state from zero in every lifetime. Subnormal floats
    flush to zero while it runs (:mod:`devo.lifetime.fpmode`)."""
    mode = flush_subnormals()
    _run_batch(box.net, box.ag, box.R, box.rec, params, tparams, tstate, agent_rngs, env_rngs,
               returns, lengths, stats)  # fmt: skip
    restore_mode(mode)


@njit(cache=True, error_model="numpy", _nrt=False)
def _run_batch(net, ag, R, rec, params, tparams, tstate, agent_rngs, env_rngs, returns, lengths, stats):
    for k in range(agent_rngs.shape[0]):
        reset_lifetime(net, ag, rec, agent_rngs[k])
        for q in range(tparams.shape[0]):
            tparams[q] = params[q]
        for q in range(tstate.shape[0]):
            tstate[q] = 0.0
        _live(net, ag, R, rec, tparams, tstate, env_rngs[k], returns[k], lengths[k])
        lifetime_stats(net, ag, stats[k])
