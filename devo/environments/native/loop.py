"""A compiled random-action loop over any native task: the benchmark's native side and check-env's
native smoke test. It does what a lifetime does per step (act, step, observe, reset when the
episode ends) with a uniformly random action in place of the network.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.environments.native.dispatch import (
    native_begin_lifetime,
    native_observe,
    native_reset,
    native_step,
)
from devo.environments.spec import ACT_BOX as BOX
from devo.environments.spec import ACT_DISCRETE as DISCRETE
from devo.rng import integers, uniform


@njit(cache=True, error_model="numpy", _nrt=False)
def random_steps(
    task_id: int,
    params: np.ndarray,
    state: np.ndarray,
    obs: np.ndarray,
    action: np.ndarray,
    act_low: np.ndarray,
    act_high: np.ndarray,
    action_kind: int,
    n_actions: int,
    max_episode_steps: int,
    n_steps: int,
    rng: np.ndarray,
) -> tuple[float, int, int]:
    """Run ``n_steps`` random steps (a new lifetime first); returns (total reward, finished
    episodes, steps whose observation was not finite)."""
    native_begin_lifetime(task_id, params, state, rng)
    native_reset(task_id, params, state, rng)
    native_observe(task_id, params, state, obs)
    total = 0.0
    episodes = 0
    bad = 0
    t = 0
    for _ in range(n_steps):
        if action_kind == DISCRETE:
            action[0] = float(integers(rng, n_actions))
        elif action_kind == BOX:
            for k in range(n_actions):
                action[k] = act_low[k] + (act_high[k] - act_low[k]) * uniform(rng)
        else:
            for k in range(n_actions):
                action[k] = float(integers(rng, 2))
        reward, terminated = native_step(task_id, params, state, action, rng)
        total += reward
        t += 1
        if terminated or t >= max_episode_steps:
            episodes += 1
            t = 0
            native_reset(task_id, params, state, rng)
        native_observe(task_id, params, state, obs)
        for k in range(obs.shape[0]):
            if not np.isfinite(obs[k]):
                bad += 1
                break
    return total, episodes, bad
