"""The Python-path environment interface the lifetime drives, and its error for a bad episode.

An :class:`EnvAdapter` (made by ``task.make_env()`` in any process):

- ``begin_lifetime(seed)``: draw lifetime-level state (food side, good arm, damage episode); a
  no-op for plain Gymnasium environments. Call once per lifetime, before the first reset;
- ``reset(seed) -> obs``: start an episode, always seeded (devo derives the seed);
- ``step(action) -> (obs, reward, terminated, truncated)``; ``truncated`` is also set when the
  episode reaches the task's ``max_episode_steps``;
- ``close()``.

``obs`` is always a fresh float64 vector of ``spec.obs_dim``. NaN or inf in an observation or a
reward is passed through unchanged (never raised): the lifetime checks with :func:`obs_ok` /
``math.isfinite`` and gives the episode the worst fitness and a counted flag. A structural fault --
an observation of the wrong shape or type, or an exception raised by the environment's own
``reset``/``step`` -- raises :class:`EpisodeError`, which the lifetime catches the same way.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from devo.errors import EnvironmentSpecError


class EpisodeError(EnvironmentSpecError):
    """The environment misbehaved during an episode (wrong shape, bad type, or it raised)."""


@runtime_checkable
class EnvAdapter(Protocol):
    def begin_lifetime(self, seed: int) -> None: ...

    def reset(self, seed: int) -> np.ndarray: ...

    def step(self, action) -> tuple[np.ndarray, float, bool, bool]: ...

    def close(self) -> None: ...


def obs_ok(obs: np.ndarray) -> bool:
    """True when every entry of the observation is finite."""
    return bool(np.isfinite(obs).all())
