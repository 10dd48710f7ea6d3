"""Task: a :class:`~devo.environments.spec.TaskSpec` plus how to build its Python environment.

A Task pickles (it holds strings, numbers and at most an importable callable), so it can be sent
to Ray workers or spawned processes; ``make_env()`` rebuilds the environment there by importing
the module by name, without devo's registry or entry-point metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from devo.environments.adapter import EnvAdapter
from devo.environments.damage import DamageAdapter, DamageSpec
from devo.environments.gym_adapter import GymAdapter
from devo.environments.resolve import EnvRef
from devo.environments.spec import TaskSpec


@dataclass(frozen=True, eq=False)
class Task:
    spec: TaskSpec
    env_ref: EnvRef
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    damage: DamageSpec | None = None
    pass_max_steps: bool = False  # gymnasium ids: hand an overridden horizon to gymnasium.make

    @property
    def name(self) -> str:
        return self.spec.name

    def make_gym_env(self):
        """The bare environment (a ``gymnasium.Env``), as built in this process."""
        steps = self.spec.max_episode_steps if self.pass_max_steps else None
        return self.env_ref.build(self.spec.name, dict(self.env_kwargs), steps)

    def make_env(self) -> EnvAdapter:
        """A fresh Python-path :class:`~devo.environments.adapter.EnvAdapter` for this task."""
        adapter: EnvAdapter = GymAdapter(self.make_gym_env(), self.spec.name, self.spec.max_episode_steps)
        if self.damage is not None:
            adapter = DamageAdapter(adapter, self.spec, self.damage)
        return adapter

    def native_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """Fresh ``(params, state)`` float64 arrays for the compiled kernels (native tasks only)."""
        if not self.spec.has_native:
            raise ValueError(f"task {self.spec.name!r} has no native fast path")
        return np.array(self.spec.native_params, np.float64), np.zeros(self.spec.native_state_size)

    def __repr__(self) -> str:
        extra = f", damage={self.damage.describe()!r}" if self.damage else ""
        return f"Task({self.spec.name!r}, kernel={self.spec.kernel or None!r}{extra})"
