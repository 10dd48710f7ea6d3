"""The task registry: names -> how to build the Python environment (+ the compiled kernel, if any).

A task is declared by a :class:`TaskEntry`: in a ``devo.environments`` entry point of an installed
distribution (devo's own shelf, ``environments/``, is one: ``CartPole-v1 =
"devo_environments.cartpole:TASK"``), or in-process with :func:`register_task`. An entry point may
also name a plain ``gymnasium.Env`` class or factory (``"module:attr"``): a Python-path task.

:func:`make_task` accepts a task name, ``"module:Class"`` / ``"module:factory"``, or any Gymnasium
id (see :mod:`.resolve`). Keyword arguments go to the environment (over the entry's defaults),
except devo's own:

- ``max_episode_steps``: the truncation horizon (default: the task's, the Gymnasium spec's, a
  ``TimeLimit`` wrapper's, else 1000);
- ``native``: ``False`` turns the compiled fast path off;
- ``damage``, ``damage_episodes``, ``damage_obs_index``: mid-life damage (:mod:`.damage`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from devo.environments.compiled import load_kernel, native_constants
from devo.environments.damage import damaged_spec, parse_damage
from devo.environments.resolve import ENTRY_POINT_GROUP, EnvRef, entry_point_table, resolve
from devo.environments.spaces import ActCodec, ObsCodec
from devo.environments.spec import TaskSpec
from devo.environments.task import Task
from devo.errors import EnvironmentSpecError

DEFAULT_MAX_EPISODE_STEPS = 1000
DEVO_KWARGS = ("max_episode_steps", "native", "damage", "damage_episodes", "damage_obs_index")


@dataclass(frozen=True)
class TaskEntry:
    """Everything a task declares: how to build its environment (``env``: ``"module:attr"``, a
    Gymnasium id, or an importable callable), its compiled kernel (``kernel``: the module holding
    the functions of :mod:`devo.environments.compiled`'s protocol, or None), its horizon, a line of
    description and default keyword arguments for the environment."""

    env: str | Callable[..., gym.Env] | EnvRef
    kernel: str | None = None
    max_episode_steps: int | None = None
    description: str = ""
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def ref(self) -> EnvRef:
        if isinstance(self.env, EnvRef):
            return self.env
        if callable(self.env):
            return EnvRef("callable", self.env, "registered callable")
        if ":" in self.env:
            return EnvRef("import", self.env, "registered")
        return EnvRef("gym", self.env, "gymnasium")


@dataclass(frozen=True)
class Registered:
    """A declared task: its entry and where it came from (``"register_task"`` or the distribution)."""

    name: str
    entry: TaskEntry
    origin: str


_REGISTRY: dict[str, Registered] = {}  # register_task, this process
_FROM_ENTRY_POINTS: dict[str, Registered] = {}  # loaded entry points, cached


def register_task(
    name: str,
    env: str | Callable[..., gym.Env] | EnvRef,
    *,
    kernel: str | None = None,
    max_episode_steps: int | None = None,
    description: str = "",
    kwargs: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> None:
    """Register ``name`` in this process (a plug-in that Ray workers must see too declares an entry
    point instead). ``env`` is ``"module:attr"``, a Gymnasium id, or an importable callable (a lambda
    or a local function cannot reach Ray workers: prefer ``"module:attr"``); ``kernel`` the module of
    its compiled functions (:mod:`devo.environments.compiled`)."""
    if name in _REGISTRY and not overwrite:
        raise EnvironmentSpecError(f"task {name!r} is already registered (pass overwrite=True to replace it)")
    e = TaskEntry(env, kernel, max_episode_steps, description, dict(kwargs or {}))
    _REGISTRY[name] = Registered(name, e, "register_task")


def lookup(name: str) -> Registered | None:
    """The declared task called ``name`` (registered in-process first, then an entry point), or None."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name in _FROM_ENTRY_POINTS:
        return _FROM_ENTRY_POINTS[name]
    table = entry_point_table()
    if name not in table:
        return None
    eps = table[name]
    dists = sorted({f"{ep.dist.name if ep.dist else '?'} ({ep.value})" for ep in eps})
    if len(dists) > 1:
        raise EnvironmentSpecError(
            f"two plug-ins register the task {name!r} in {ENTRY_POINT_GROUP!r}: {' and '.join(dists)}; "
            f"uninstall one, or rename its entry point"
        )
    ep = eps[0]
    dist = ep.dist.name if ep.dist else "an installed distribution"
    from devo.environments.resolve import load_attr

    try:
        obj = load_attr(ep.value, name)
    except EnvironmentSpecError as exc:
        raise EnvironmentSpecError(f"plug-in {dist} (entry point {name} = {ep.value}): {exc}") from exc
    if isinstance(obj, TaskEntry):
        reg = Registered(name, obj, f"{dist} ({ep.value})")
    else:  # a plain environment class or factory
        ref = EnvRef("import", ep.value, f"entry point ({ep.value})")
        reg = Registered(name, TaskEntry(ref), f"{dist} ({ep.value})")
    _FROM_ENTRY_POINTS[name] = reg
    return reg


def registered_names() -> list[str]:
    """Every task name: registered in-process, then the installed entry points (sorted)."""
    return list(dict.fromkeys([*_REGISTRY, *sorted(entry_point_table())]))


def entry(name: str) -> TaskEntry | None:
    reg = lookup(name)
    return reg.entry if reg else None


def _time_limit(env: gym.Env) -> int | None:
    spec = getattr(env, "spec", None)
    if spec is not None and getattr(spec, "max_episode_steps", None):
        return int(spec.max_episode_steps)
    e = env
    while isinstance(e, gym.Wrapper):
        if isinstance(e, gym.wrappers.TimeLimit):
            return int(e._max_episode_steps)
        e = e.env
    return None


def make_task(spec: str, **kwargs: Any) -> Task:
    """Resolve ``spec`` into a picklable :class:`Task`; builds the environment once to read its
    spaces, so every problem with it (import, factory, spaces) shows here, before a run starts."""
    if not isinstance(spec, str) or not spec.strip():
        raise EnvironmentSpecError(f"an environment spec must be a non-empty string, got {spec!r}")
    spec = spec.strip()
    max_steps = kwargs.pop("max_episode_steps", None)
    use_native = bool(kwargs.pop("native", True))
    d = parse_damage(spec, kwargs.pop("damage", None), kwargs.pop("damage_episodes", None),
                     kwargs.pop("damage_obs_index", None))  # fmt: skip
    reg = lookup(spec)
    e = reg.entry if reg is not None else None
    ref = e.ref() if e is not None else resolve(spec, known=registered_names())
    if e is not None and e.kwargs:
        kwargs = {**e.kwargs, **kwargs}
    if max_steps is not None and (int(max_steps) != max_steps or max_steps < 1):
        raise EnvironmentSpecError(f"{spec}: max_episode_steps must be a positive integer, got {max_steps!r}")
    pass_max = ref.kind == "gym" and max_steps is not None
    env = ref.build(spec, dict(kwargs), max_steps if pass_max else None)
    try:
        obs = ObsCodec(env.observation_space, spec)
        act = ActCodec(env.action_space, spec)
        horizon = max_steps or (e.max_episode_steps if e else None) or _time_limit(env) or DEFAULT_MAX_EPISODE_STEPS
        env_spec = getattr(env, "spec", None)
        threshold = getattr(env_spec, "reward_threshold", None) if env_spec is not None else None
    finally:
        with contextlib.suppress(Exception):
            env.close()
    kernel, params, state_size, reward_range = "", (), 0, None
    if e is not None and e.kernel and use_native:
        mod, info = load_kernel(e.kernel, spec)
        constants = native_constants(mod, e.kernel, spec, kwargs)
        if constants is not None:  # None: a keyword the compiled version does not model
            kernel, params, state_size = e.kernel, constants, info.state_size
            if hasattr(mod, "reward_range"):
                reward_range = tuple(float(v) for v in mod.reward_range(params))
    task_spec = TaskSpec(
        name=spec,
        obs_dim=obs.dim,
        obs_low=tuple(float(v) for v in obs.low),
        obs_high=tuple(float(v) for v in obs.high),
        action_kind=act.kind,
        n_actions=act.n,
        act_low=None if act.low is None else tuple(float(v) for v in act.low),
        act_high=None if act.high is None else tuple(float(v) for v in act.high),
        max_episode_steps=int(horizon),
        kernel=kernel,
        native_params=params,
        native_state_size=state_size,
        reward_range=reward_range,
        reward_threshold=None if threshold is None else float(threshold),
        obs_space=obs.space_repr,
        action_space=act.space_repr,
    )
    if d is not None:
        task_spec = damaged_spec(task_spec, d)
    return Task(task_spec, ref, dict(kwargs), d, pass_max)


def list_tasks() -> list[TaskSpec]:
    """The spec of every declared task, with default arguments."""
    return [make_task(name).spec for name in registered_names()]
