"""The task registry: names -> how to build the Python environment (+ the compiled kernel, if any).

:func:`make_task` accepts a registered name, ``"module:Class"`` / ``"module:factory"``, a
``devo.environments`` entry point name, or any Gymnasium id (see :mod:`.resolve`). Keyword
arguments go to the environment, except devo's own:

- ``max_episode_steps``: the truncation horizon (default: the task's, the Gymnasium spec's, a
  ``TimeLimit`` wrapper's, else 1000);
- ``native``: ``False`` turns the compiled fast path off;
- ``damage``, ``damage_episodes``, ``damage_obs_index``: mid-life damage (:mod:`.damage`).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from devo.environments.damage import damaged_spec, parse_damage
from devo.environments.resolve import EnvRef, resolve
from devo.environments.spaces import ActCodec, ObsCodec
from devo.environments.spec import TaskSpec
from devo.environments.task import Task
from devo.errors import EnvironmentSpecError

DEFAULT_MAX_EPISODE_STEPS = 1000
DEVO_KWARGS = ("max_episode_steps", "native", "damage", "damage_episodes", "damage_obs_index")


@dataclass(frozen=True)
class TaskEntry:
    name: str
    env: EnvRef
    native: str | None = None  # module of a compiled kernel listed in native/dispatch.py
    max_episode_steps: int | None = None
    description: str = ""


_REGISTRY: dict[str, TaskEntry] = {}


def register_task(
    name: str,
    env: str | Callable[..., gym.Env] | EnvRef,
    *,
    native: str | None = None,
    max_episode_steps: int | None = None,
    description: str = "",
    overwrite: bool = False,
) -> None:
    """Register ``name``. ``env`` is ``"module:attr"``, a Gymnasium id, or an importable callable
    (a lambda or a local function cannot reach Ray workers: prefer ``"module:attr"``). ``native``
    is for devo's own compiled tasks only (a module under :mod:`devo.environments.native`).
    """
    if name in _REGISTRY and not overwrite:
        raise EnvironmentSpecError(f"task {name!r} is already registered (pass overwrite=True to replace it)")
    if isinstance(env, EnvRef):
        ref = env
    elif callable(env):
        ref = EnvRef("callable", env, "registered callable")
    elif ":" in env:
        ref = EnvRef("import", env, "registered")
    else:
        ref = EnvRef("gym", env, "gymnasium")
    _REGISTRY[name] = TaskEntry(name, ref, native, max_episode_steps, description)


def registered_names() -> list[str]:
    return list(_REGISTRY)


def entry(name: str) -> TaskEntry | None:
    return _REGISTRY.get(name)


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


def _native(module_name: str, kwargs: dict[str, Any]) -> tuple[int, tuple[float, ...], int, Any] | None:
    mod = importlib.import_module(module_name)
    try:
        params = tuple(float(v) for v in mod.native_params(**kwargs))
    except TypeError:  # an environment keyword the compiled version does not model
        return None
    return mod.TASK_ID, params, mod.STATE_SIZE, mod


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
    e = _REGISTRY.get(spec)
    ref = e.env if e is not None else resolve(spec, known=_REGISTRY)
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
    native = _native(e.native, kwargs) if (e is not None and e.native and use_native) else None
    native_id, params, state_size, reward_range = -1, (), 0, None
    if native is not None:
        native_id, params, state_size, mod = native
        if hasattr(mod, "reward_range"):
            reward_range = mod.reward_range(params)
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
        native_id=native_id,
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
    """The spec of every registered task, with default arguments."""
    return [make_task(name).spec for name in _REGISTRY]


def _register_builtins() -> None:
    native = "devo.environments.native."
    for gym_id, mod, text in (
        ("CartPole-v1", "cartpole", "balance a pole on a cart (Gymnasium)"),
        ("Acrobot-v1", "acrobot", "swing a two-link arm up (Gymnasium)"),
        ("MountainCar-v0", "mountaincar", "drive an underpowered car up a hill (Gymnasium)"),
        ("Pendulum-v1", "pendulum", "swing a pendulum up and hold it (Gymnasium)"),
    ):
        ref = EnvRef("gym", gym_id, "gymnasium, compiled twin")
        register_task(gym_id, ref, native=native + mod, description=text)
    for name, mod, cls, text in (
        ("Foraging-v0", "foraging", "ForagingEnv", "LNDP's foraging track, food side switches (lifetime learning)"),
        ("Bandit-v0", "bandit", "BanditEnv", "two-armed Bernoulli bandit with reversals (lifetime learning)"),
    ):
        ref = EnvRef("import", f"{native}{mod}:{cls}", "devo task")
        register_task(name, ref, native=native + mod, max_episode_steps=100, description=text)


_register_builtins()
