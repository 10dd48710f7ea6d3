"""From a spec string to a way of building the environment, in any process.

A spec that is not a declared task name (:mod:`.registry`: ``register_task`` and the
``devo.environments`` entry points) is, in this order:

1. ``"module:attr"`` (``attr`` may be dotted): ``attr`` is a ``gymnasium.Env`` class or a factory
   returning one, called with the task's keyword arguments. Gymnasium's own ``"module:EnvId-v0"``
   form (importing ``module`` registers ``EnvId-v0``) works too;
2. a Gymnasium id (``gymnasium.make``).

:class:`EnvRef` is what a :class:`~devo.environments.task.Task` keeps: a kind and a target string
(or an importable callable), so a Ray worker rebuilds the environment by importing the module by
name -- the registry, and entry-point metadata, are never needed there.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import gymnasium as gym

from devo.errors import EnvironmentSpecError

ENTRY_POINT_GROUP = "devo.environments"
FROM_CWD: set[str] = set()  # modules found only after adding the working directory to the path


@dataclass(frozen=True)
class EnvRef:
    """How to build a task's Python environment: ``kind`` is ``"gym"`` (``gymnasium.make(target)``),
    ``"import"`` (import ``"module:attr"``, call it) or ``"callable"`` (call ``target``)."""

    kind: str
    target: str | Callable[..., Any]
    origin: str = ""

    def build(self, name: str, kwargs: dict[str, Any], max_episode_steps: int | None = None) -> gym.Env:
        if self.kind == "gym":
            extra = {} if max_episode_steps is None else {"max_episode_steps": int(max_episode_steps)}
            try:
                env = gym.make(self.target, **kwargs, **extra)
            except Exception as exc:
                raise EnvironmentSpecError(
                    f"environment {name!r}: gymnasium.make({self.target!r}{_kw(kwargs)}) raised "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            return env
        fn = load_attr(self.target, name) if self.kind == "import" else self.target
        return call_factory(fn, kwargs, name)


def _kw(kwargs: dict[str, Any]) -> str:
    return "".join(f", {k}={v!r}" for k, v in kwargs.items())


def _add_cwd_to_path() -> bool:
    """Put the working directory on ``sys.path`` and on ``PYTHONPATH`` (so processes started from
    here -- spawned workers, a local Ray cluster -- see it too), as ``python -m`` would. False if
    it already was on the path."""
    cwd = os.getcwd()
    if "" in sys.path or cwd in sys.path:
        return False
    sys.path.append(cwd)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if cwd not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([*paths, cwd])
    return True


def _import_module(module_name: str, name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        top_missing = exc.name is not None and module_name.split(".")[0] == exc.name
        if top_missing and _add_cwd_to_path():
            module = _import_module(module_name, name)
            FROM_CWD.add(module_name)
            return module
        if exc.name is not None and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise EnvironmentSpecError(
                f"environment {name!r}: cannot import module {module_name!r} ({exc}). Is its package "
                f"installed, or its folder on PYTHONPATH -- in every Ray worker too?"
            ) from exc
        raise EnvironmentSpecError(
            f"environment {name!r}: importing module {module_name!r} failed: ModuleNotFoundError: {exc}"
        ) from exc
    except Exception as exc:
        raise EnvironmentSpecError(
            f"environment {name!r}: importing module {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from exc


def load_attr(target: str, name: str) -> Any:
    """Import ``"module:attr"`` (``attr`` may be dotted) and return the attribute."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise EnvironmentSpecError(
            f"environment {name!r}: {target!r} is not of the form 'module:attr' (e.g. 'mypkg.envs:MyEnv')"
        )
    obj = _import_module(module_name, name)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            module = importlib.import_module(module_name)
            envs = [k for k, v in vars(module).items() if _looks_like_env_factory(v)]
            hint = f" It defines: {', '.join(sorted(envs))}." if envs else ""
            raise EnvironmentSpecError(
                f"environment {name!r}: module {module_name!r} has no attribute {attr!r}.{hint}"
            ) from None
    return obj


def _looks_like_env_factory(v: Any) -> bool:
    return isinstance(v, type) and issubclass(v, gym.Env) and v is not gym.Env


def call_factory(fn: Any, kwargs: dict[str, Any], name: str) -> gym.Env:
    """Call a class or factory with ``kwargs``; the result must be a Gymnasium-style environment."""
    if not callable(fn):
        raise EnvironmentSpecError(
            f"environment {name!r}: {fn!r} is not callable; give a gymnasium.Env class or a function returning one"
        )
    try:
        env = fn(**kwargs)
    except EnvironmentSpecError:
        raise
    except Exception as exc:
        what = getattr(fn, "__qualname__", repr(fn))
        raise EnvironmentSpecError(
            f"environment {name!r}: calling {what}({_kw(kwargs).lstrip(', ')}) raised {type(exc).__name__}: {exc}"
        ) from exc
    missing = [a for a in ("observation_space", "action_space", "reset", "step") if not hasattr(env, a)]
    if missing:
        raise EnvironmentSpecError(
            f"environment {name!r}: the factory returned {type(env).__name__}, not a gymnasium.Env "
            f"(it lacks {', '.join(missing)})"
        )
    return env


def entry_point_table() -> dict[str, list[EntryPoint]]:
    """The installed ``devo.environments`` entry points by name (two distributions may declare one
    name: the registry refuses such a name, naming both)."""
    table: dict[str, list[EntryPoint]] = {}
    seen: set[tuple[str, str, str]] = set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        key = (ep.name, ep.value, ep.dist.name if ep.dist else "")
        if key not in seen:  # one distribution found twice on the path
            seen.add(key)
            table.setdefault(ep.name, []).append(ep)
    return table


def entry_point_names() -> list[str]:
    """Names of the installed ``devo.environments`` entry points."""
    return sorted(entry_point_table())


def resolve(spec: str, known: Iterable[str] = ()) -> EnvRef:
    """The :class:`EnvRef` of a spec that is not a devo task name (see the module docstring).

    ``known`` are devo's own names, used for "did you mean" suggestions.
    """
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
        module = _import_module(module_name, spec)
        if hasattr(module, attr.split(".")[0]):
            return EnvRef("import", spec, "module")
        if attr in gym.registry:
            return EnvRef("gym", spec, f"gymnasium id registered by {module_name}")
        load_attr(spec, spec)  # raises with the list of what the module defines
    if spec in gym.registry:
        return EnvRef("gym", spec, "gymnasium")
    names = list(dict.fromkeys([*known, *gym.registry.keys()]))
    close = difflib.get_close_matches(spec, names, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise EnvironmentSpecError(
        f"unknown environment {spec!r}: not a devo task (`devo envs` lists them), not a "
        f"{ENTRY_POINT_GROUP!r} entry point, and not a registered Gymnasium id.{hint} "
        f"Your own environment is given as 'module:Class' or 'module:factory'."
    )
