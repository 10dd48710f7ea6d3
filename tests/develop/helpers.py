"""Small lifetime set-ups for the develop tests: fast to run, every mechanism on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from devo.lifetime import Evaluator
from devo.settings import DevelopConfig, LifetimeConfig, NetworkConfig, TaskConfig


@dataclass(frozen=True)
class Setup:
    task: TaskConfig = field(default_factory=lambda: TaskConfig(max_episode_steps=60))
    network: NetworkConfig = field(default_factory=lambda: NetworkConfig(max_neurons=24, max_synapses=200))
    develop: DevelopConfig = field(default_factory=lambda: DevelopConfig(dev_steps=8, sa_steps=8, growth_budget=10))
    lifetime: LifetimeConfig = field(default_factory=lambda: LifetimeConfig(n_episodes=2))


_CACHE: dict = {}


def evaluator(**changes) -> Evaluator:
    """An Evaluator for ``Setup`` with sections replaced field by field, e.g.
    ``evaluator(develop={"plasticity": "frozen"})``; cached per configuration."""
    key = repr(sorted((k, sorted(v.items())) for k, v in changes.items()))
    if key not in _CACHE:
        base = Setup()
        kw = {name: replace(getattr(base, name), **vals) for name, vals in changes.items()}
        _CACHE[key] = Evaluator(replace(base, **kw))
    return _CACHE[key]


def set_block(ev: Evaluator, genome: np.ndarray, name: str, value) -> np.ndarray:
    """A copy of ``genome`` with block ``name`` set to ``value`` (broadcast)."""
    g = genome.copy()
    a, b = ev.spec.offsets[name]
    g[a:b] = np.broadcast_to(np.asarray(value, np.float32), (b - a,)) if np.ndim(value) == 0 else np.ravel(value)
    return g
