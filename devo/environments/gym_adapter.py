"""GymAdapter: any ``gymnasium.Env`` behind devo's :class:`~devo.environments.adapter.EnvAdapter`.

Encoding of observations and actions: :mod:`devo.environments.spaces`. ``reset(seed)`` always
calls ``env.reset(seed=seed)``; ``terminated`` and ``truncated`` are kept apart, and the adapter
also truncates at ``max_episode_steps`` (so an environment without a ``TimeLimit`` still ends).
If the environment (unwrapped) defines ``begin_lifetime(seed)``, the adapter forwards it.
"""

from __future__ import annotations

import contextlib

import gymnasium as gym
import numpy as np

from devo.environments.adapter import EpisodeError
from devo.environments.spaces import ActCodec, ObsCodec


class GymAdapter:
    def __init__(self, env: gym.Env, name: str, max_episode_steps: int) -> None:
        self.env = env
        self.name = name
        self.max_episode_steps = int(max_episode_steps)
        self.obs_codec = ObsCodec(env.observation_space, name)
        self.act_codec = ActCodec(env.action_space, name)
        self._t = 0
        self._begin = getattr(env.unwrapped, "begin_lifetime", None)

    def begin_lifetime(self, seed: int) -> None:
        if self._begin is not None:
            self._call(self._begin, "begin_lifetime", int(seed))

    def _call(self, fn, what: str, *args):
        try:
            return fn(*args)
        except EpisodeError:
            raise
        except Exception as exc:  # the environment's own code failed: the lifetime flags the episode
            raise EpisodeError(f"environment {self.name!r} raised {type(exc).__name__} in {what}: {exc}") from exc

    def reset(self, seed: int) -> np.ndarray:
        self._t = 0
        out = self._call(lambda: self.env.reset(seed=int(seed)), "reset")
        if not (isinstance(out, tuple) and len(out) == 2):
            raise EpisodeError(
                f"environment {self.name!r}: reset() must return (observation, info) (Gymnasium API), "
                f"got {type(out).__name__}"
            )
        return self.obs_codec.encode(out[0])

    def step(self, action) -> tuple[np.ndarray, float, bool, bool]:
        a = self.act_codec.decode(action)
        out = self._call(self.env.step, "step", a)
        if not (isinstance(out, tuple) and len(out) == 5):
            raise EpisodeError(
                f"environment {self.name!r}: step() must return (observation, reward, terminated, "
                f"truncated, info) (Gymnasium API), got {type(out).__name__} of length "
                f"{len(out) if isinstance(out, tuple) else '-'}"
            )
        obs, reward, terminated, truncated, _ = out
        try:
            r = float(reward)
        except (TypeError, ValueError) as exc:
            raise EpisodeError(f"environment {self.name!r} returned a non-numeric reward {reward!r}") from exc
        self._t += 1
        trunc = bool(truncated) or self._t >= self.max_episode_steps
        return self.obs_codec.encode(obs), r, bool(terminated), trunc

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing must never take a run down
            self.env.close()
