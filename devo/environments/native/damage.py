"""Mid-life damage around a compiled task: from a random episode on, the actions are permuted or one
observation is mirrored. The Python twin is :class:`devo.environments.damage.DamageAdapter`; both
draw the same numbers from the same rng state.

Kinds: ``permute_actions`` (1) and ``flip_obs`` (2). The wrapper that runs a task inside these
rules is the template :mod:`.damaged`.

- ``begin_lifetime``: the damage episode ``e* = lo + integers(hi - lo + 1)`` (episodes counted from
  0); then, for ``permute_actions`` with n >= 2 actions (or action dims, or bits), a uniformly random
  non-identity permutation ``perm`` (Fisher-Yates: for i = n-1 .. 1, j = integers(i + 1), swap
  perm[i], perm[j]; redrawn while it is the identity); for ``flip_obs``, the observation index
  ``k = integers(obs_dim)`` unless fixed by the config; then the wrapped task's own
  ``begin_lifetime`` on the same rng.
- From episode e* on: discrete action a -> ``perm[a]``; box and multibinary action vectors
  ``a'[i] = a[perm[i]]``; a single box dimension is mirrored, ``a' = (low + high) - a``; a single
  bit is inverted. ``flip_obs`` mirrors observation k: ``o'[k] = (low_k + high_k) - o[k]`` where
  both bounds are finite, ``-o[k]`` otherwise (a sign flip for symmetric bounds).

Params: ``[kind, lo, hi, action_kind (0 discrete, 1 box, 2 multibinary), n, fixed obs index (-1 =
random), P, m, inner params (P values), mirror sums (n values)]`` with n = number of actions
(``permute_actions``) or obs_dim (``flip_obs``) and m = length of the action vector (1 for
discrete).
State: ``[episode index (-1 before the first reset), e*, k, 0, perm (n), scratch action (m),
inner state]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.rng import integers

PERMUTE_ACTIONS = 1
FLIP_OBS = 2
KINDS = {"permute_actions": PERMUTE_ACTIONS, "flip_obs": FLIP_OBS}
P_HEADER = 8
S_HEADER = 4


def inner_offsets(params: np.ndarray | tuple) -> tuple[int, int, int]:
    """(inner params start, inner params end, inner state start) of a damage layout."""
    n = int(params[4])
    p = int(params[6])
    m = int(params[7])
    return P_HEADER, P_HEADER + p, S_HEADER + n + m


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def begin(params: np.ndarray, state: np.ndarray, rng: np.ndarray) -> None:
    kind = int(params[0])
    lo = int(params[1])
    hi = int(params[2])
    n = int(params[4])
    state[0] = -1.0
    state[1] = float(lo + integers(rng, hi - lo + 1))
    state[2] = -1.0
    if kind == PERMUTE_ACTIONS:
        for i in range(n):
            state[S_HEADER + i] = float(i)
        if n >= 2:
            identity = True
            while identity:
                for i in range(n):
                    state[S_HEADER + i] = float(i)
                for i in range(n - 1, 0, -1):
                    j = integers(rng, i + 1)
                    t = state[S_HEADER + i]
                    state[S_HEADER + i] = state[S_HEADER + j]
                    state[S_HEADER + j] = t
                identity = True
                for i in range(n):
                    if state[S_HEADER + i] != float(i):
                        identity = False
    else:
        fixed = int(params[5])
        state[2] = float(fixed) if fixed >= 0 else float(integers(rng, n))


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def reset(state: np.ndarray) -> None:
    state[0] += 1.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def map_action(params: np.ndarray, state: np.ndarray, action: np.ndarray) -> None:
    """Write the action the wrapped task receives into the scratch slot of ``state``."""
    n = int(params[4])
    s = S_HEADER + n
    damaged = state[0] >= state[1] and int(params[0]) == PERMUTE_ACTIONS
    akind = int(params[3])
    if akind == 0:
        a = int(action[0])
        state[s] = state[S_HEADER + a] if damaged else float(a)
        return
    if not damaged:
        for i in range(int(params[7])):
            state[s + i] = action[i]
        return
    if n == 1:
        if akind == 1:
            p = int(params[6])
            state[s] = params[P_HEADER + p] - action[0]
        else:
            state[s] = 0.0 if action[0] != 0.0 else 1.0
        return
    for i in range(n):
        state[s + i] = action[int(state[S_HEADER + i])]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def flip_observation(params: np.ndarray, state: np.ndarray, obs: np.ndarray) -> None:
    if int(params[0]) == FLIP_OBS and state[0] >= state[1]:
        k = int(state[2])
        p = int(params[6])
        obs[k] = params[P_HEADER + p + k] - obs[k]
