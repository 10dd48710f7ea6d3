"""Gymnasium spaces -> devo's flat encoding, and back for actions; unsupported spaces get a clear error.

Observations become one float64 vector:

- ``Box`` (any shape): flattened, bounds kept (inf stays inf);
- ``Discrete(n, start=s)``: one-hot of ``obs - s`` (n floats in [0, 1]);
- ``MultiBinary``: its bits, flattened;
- ``MultiDiscrete``: the one-hot codes of each component, concatenated.

Actions: ``Discrete(n, start=s)`` takes an index in [0, n) and sends ``index + s``; ``Box`` takes a
float vector, NaN -> 0, clipped to the bounds (which must be finite), reshaped and cast to the
space's dtype; ``MultiBinary`` takes a 0/1 vector, reshaped, cast to int8.

Rejected (:class:`~devo.errors.EnvironmentSpecError` naming the task and the space): ``Dict``,
``Tuple``, ``Text``, ``Graph``, ``Sequence``, ``OneOf`` and unknown spaces; ``MultiDiscrete``
actions; box actions with infinite bounds.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from devo.environments.adapter import EpisodeError
from devo.errors import EnvironmentSpecError

_FLATTEN_HINT = (
    "wrap the environment in gymnasium.wrappers.FlattenObservation (e.g. a factory "
    "`def make(): return FlattenObservation(MyEnv())`, used as 'module:make') to get one flat Box"
)


def _unsupported_obs(name: str, space: spaces.Space) -> EnvironmentSpecError:
    kind = type(space).__name__
    if isinstance(space, spaces.Dict):
        keys = list(space.spaces.keys())
        return EnvironmentSpecError(
            f"environment {name!r}: observation space Dict with keys {keys} is not supported: devo needs "
            f"one flat vector of numbers. Option: {_FLATTEN_HINT}, or keep only the keys you need with "
            f"gymnasium.wrappers.FilterObservation before flattening."
        )
    if isinstance(space, spaces.Tuple):
        return EnvironmentSpecError(
            f"environment {name!r}: observation space Tuple of {len(space.spaces)} spaces is not supported: "
            f"devo needs one flat vector of numbers. Option: {_FLATTEN_HINT}."
        )
    if isinstance(space, spaces.Text):
        return EnvironmentSpecError(
            f"environment {name!r}: observation space Text is not supported: devo feeds numbers to input "
            f"neurons. Encode the text as numbers (a Box or Discrete space) in an observation wrapper."
        )
    if isinstance(space, spaces.Graph | spaces.Sequence):
        return EnvironmentSpecError(
            f"environment {name!r}: observation space {kind} is not supported: its size changes from step "
            f"to step, and devo needs a fixed number of input neurons. Encode it as a fixed-size Box."
        )
    return EnvironmentSpecError(
        f"environment {name!r}: observation space {kind} ({space}) is not supported; devo takes Box, "
        f"Discrete, MultiBinary or MultiDiscrete observations."
    )


class ObsCodec:
    """Turns an observation of one supported space into a flat float64 vector."""

    def __init__(self, space: spaces.Space, name: str) -> None:
        self.name = name
        self.space_repr = str(space)
        if isinstance(space, spaces.Box):
            if not np.issubdtype(space.dtype, np.number) and space.dtype != np.bool_:
                raise _unsupported_obs(name, space)
            self.kind = "box"
            self.shape = space.shape
            self.dim = int(np.prod(space.shape, dtype=np.int64))
            self.low = np.asarray(space.low, np.float64).reshape(-1)
            self.high = np.asarray(space.high, np.float64).reshape(-1)
        elif isinstance(space, spaces.Discrete):
            self.kind = "discrete"
            self.n = int(space.n)
            self.start = int(space.start)
            self.dim = self.n
            self.low, self.high = np.zeros(self.dim), np.ones(self.dim)
        elif isinstance(space, spaces.MultiBinary):
            self.kind = "multibinary"
            self.dim = int(np.prod(space.shape, dtype=np.int64))
            self.low, self.high = np.zeros(self.dim), np.ones(self.dim)
        elif isinstance(space, spaces.MultiDiscrete):
            self.kind = "multidiscrete"
            self.nvec = np.asarray(space.nvec, np.int64).reshape(-1)
            self.mstart = np.asarray(space.start, np.int64).reshape(-1)
            self.offsets = np.concatenate([[0], np.cumsum(self.nvec)[:-1]]).astype(np.int64)
            self.dim = int(self.nvec.sum())
            self.low, self.high = np.zeros(self.dim), np.ones(self.dim)
        else:
            raise _unsupported_obs(name, space)
        if self.dim < 1:
            raise EnvironmentSpecError(f"environment {name!r}: observation space {space} is empty")

    def describe(self) -> str:
        if self.kind == "box":
            return f"{self.space_repr} -> {self.dim} floats (flattened)"
        if self.kind == "discrete":
            return f"{self.space_repr} -> one-hot of {self.dim}"
        if self.kind == "multibinary":
            return f"{self.space_repr} -> {self.dim} bits as floats"
        return f"{self.space_repr} -> concatenated one-hot codes, {self.dim} floats"

    def encode(self, obs) -> np.ndarray:
        """The flat float64 observation; :class:`EpisodeError` on a wrong shape or type."""
        if self.kind == "box":
            try:
                x = np.asarray(obs, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise EpisodeError(
                    f"environment {self.name!r} returned an observation that is not numeric: "
                    f"{type(obs).__name__} ({exc})"
                ) from exc
            if x.size != self.dim:
                raise EpisodeError(
                    f"environment {self.name!r} returned an observation of shape {x.shape}, but its "
                    f"observation space {self.space_repr} has shape {self.shape}"
                )
            return x.reshape(self.dim)
        if self.kind == "discrete":
            try:
                i = int(obs) - self.start
            except (TypeError, ValueError) as exc:
                raise EpisodeError(
                    f"environment {self.name!r} returned {obs!r} for observation space {self.space_repr}"
                ) from exc
            if not 0 <= i < self.n:
                raise EpisodeError(f"environment {self.name!r} returned observation {obs!r}, outside {self.space_repr}")
            x = np.zeros(self.dim)
            x[i] = 1.0
            return x
        x = np.asarray(obs)
        if x.size != (self.dim if self.kind == "multibinary" else len(self.nvec)):
            raise EpisodeError(
                f"environment {self.name!r} returned an observation of shape {x.shape}, which does not fit "
                f"its observation space {self.space_repr}"
            )
        if self.kind == "multibinary":
            return x.reshape(-1).astype(np.float64)
        idx = x.reshape(-1).astype(np.int64) - self.mstart
        if np.any(idx < 0) or np.any(idx >= self.nvec):
            raise EpisodeError(f"environment {self.name!r} returned {x!r}, outside {self.space_repr}")
        out = np.zeros(self.dim)
        out[self.offsets + idx] = 1.0
        return out


class ActCodec:
    """Turns devo's action (index, float vector or bit vector) into the environment's action."""

    def __init__(self, space: spaces.Space, name: str) -> None:
        self.name = name
        self.space_repr = str(space)
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None
        if isinstance(space, spaces.Discrete):
            self.kind = "discrete"
            self.n = int(space.n)
            self.start = int(space.start)
        elif isinstance(space, spaces.Box):
            self.kind = "box"
            self.shape = space.shape
            self.dtype = space.dtype
            self.n = int(np.prod(space.shape, dtype=np.int64))
            self.low = np.asarray(space.low, np.float64).reshape(-1)
            self.high = np.asarray(space.high, np.float64).reshape(-1)
            bad = np.flatnonzero(~(np.isfinite(self.low) & np.isfinite(self.high)))
            if bad.size:
                raise EnvironmentSpecError(
                    f"environment {name!r}: action space {space} has infinite bounds in dimension(s) "
                    f"{bad.tolist()}: devo maps output neurons onto a bounded range. Give the action "
                    f"space finite bounds (e.g. wrap it in gymnasium.wrappers.RescaleAction after setting them)."
                )
        elif isinstance(space, spaces.MultiBinary):
            self.kind = "multibinary"
            self.shape = space.shape
            self.n = int(np.prod(space.shape, dtype=np.int64))
        elif isinstance(space, spaces.MultiDiscrete):
            raise EnvironmentSpecError(
                f"environment {name!r}: action space {space} (MultiDiscrete) is not supported yet; devo "
                f"takes Discrete, Box or MultiBinary actions. Wrap the environment so it takes one "
                f"Discrete action (the product of the choices) or MultiBinary bits."
            )
        else:
            raise EnvironmentSpecError(
                f"environment {name!r}: action space {type(space).__name__} ({space}) is not supported; "
                f"devo takes Discrete, Box or MultiBinary actions."
            )
        if self.n < 1:
            raise EnvironmentSpecError(f"environment {name!r}: action space {space} is empty")

    def describe(self) -> str:
        if self.kind == "discrete":
            return f"{self.space_repr} -> one of {self.n} actions (index + {self.start})"
        if self.kind == "box":
            return f"{self.space_repr} -> {self.n} floats, clipped to the bounds"
        return f"{self.space_repr} -> {self.n} bits"

    def decode(self, action):
        if self.kind == "discrete":
            a = int(action)
            if not 0 <= a < self.n:
                raise ValueError(f"{self.name}: discrete action {a} outside [0, {self.n})")
            return a + self.start
        if self.kind == "box":
            a = np.asarray(action, dtype=np.float64).reshape(-1)
            if a.size != self.n:
                raise ValueError(f"{self.name}: box action of size {a.size}, expected {self.n}")
            a = np.clip(np.nan_to_num(a, nan=0.0), self.low, self.high)
            return a.reshape(self.shape).astype(self.dtype, copy=False)
        a = np.asarray(action).reshape(-1)
        if a.size != self.n:
            raise ValueError(f"{self.name}: multibinary action of size {a.size}, expected {self.n}")
        return (a != 0).astype(np.int8).reshape(self.shape)
