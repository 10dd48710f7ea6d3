"""The compiled-task protocol, and the kernels devo builds for any task that follows it.

A *compiled task* is a Python module (anywhere: on devo's shelf ``environments/``, in a user's
package, on ``PYTHONPATH``) that holds, besides its ``gymnasium.Env`` twin:

- ``STATE_SIZE``: the length of the task's float64 state array;
- ``native_params(**kwargs) -> sequence of floats``: the task's constants for the environment's
  keyword arguments (raise ``TypeError`` for a keyword the compiled version does not model: the
  task then runs on the Python path; raise :class:`devo.errors.EnvironmentSpecError` for a bad
  value);
- four ``numba.njit`` functions over float64 arrays and devo's ``uint64[4]`` random state
  (:mod:`devo.rng`; every random draw of the task comes from ``rng``):

  - ``begin_lifetime(params, state, rng)``: lifetime-level state (kept across episodes);
  - ``reset(params, state, rng)``: start an episode;
  - ``observe(params, state, obs)``: write the ``obs_dim`` observation values;
  - ``step(params, state, action, rng) -> (reward, terminated)``: one step; ``action[0]`` holds a
    discrete index, or ``action`` the box / multibinary vector (box actions arrive unclipped);
- optionally ``new_trial(params, state) -> bool`` (after a step: it began a new trial, for tasks made
  of trials, used by ``lifetime.activity_reset = "trial"``), ``reward_range(params)`` and
  ``state_from_env(env) -> state`` (the compiled state of the Python twin after its reset: check-env
  then steps both with the same actions and compares).

devo never switches on a task: a template module (the compiled lifetime, the random-action loop of
check-env and the benchmark, the damage wrapper) imports the five functions in one marked line,
``from devo.environments.native.stub import ... # devo:task``; :func:`specialise` writes a copy of
the template whose marked line imports them from the task's module instead (the line carries
``# isort: skip`` so that formatters keep it one line), into a folder beside
numba's cache, and imports it. The copy is named by a hash of the template's and the task's source
files, so numba's on-disk cache (keyed by file) serves every later process -- Ray workers
included -- and an edit of the task compiles afresh.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from devo.errors import EnvironmentSpecError

MARKER = "# devo:task"
STUB = "devo.environments.native.stub"
FUNCTIONS = {
    "begin_lifetime": "(params, state, rng) -> None",
    "reset": "(params, state, rng) -> None",
    "observe": "(params, state, obs) -> None",
    "step": "(params, state, action, rng) -> (float reward, bool terminated)",
}
OPTIONAL_FUNCTIONS = {"new_trial": "(params, state) -> bool"}
_LINE = re.compile(r"^from (\S+) import ([\w, ]+?)\s+" + re.escape(MARKER) + r"[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class KernelInfo:
    """What :func:`load_kernel` read off a compiled task's module."""

    module: str
    state_size: int
    has_new_trial: bool


def _plugin(module: str, task: str) -> str:
    return f"compiled task {task!r} (module {module!r})"


def _import(module: str, task: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any import failure is the plug-in's, say whose
        raise EnvironmentSpecError(
            f"{_plugin(module, task)}: importing it raised {type(exc).__name__}: {exc}. Is its package "
            f"installed, or its folder on PYTHONPATH (in every Ray worker too)?"
        ) from exc


_CHECKED: dict[tuple[str, str], tuple[ModuleType, KernelInfo]] = {}


def load_kernel(module: str, task: str) -> tuple[ModuleType, KernelInfo]:
    """Import a compiled task's module and check it has what the protocol asks (see the module
    docstring); every shortfall is an :class:`EnvironmentSpecError` naming the task, the module and
    what was expected. Checked once per process."""
    key = (module, task)
    if key not in _CHECKED:
        _CHECKED[key] = _load_kernel(module, task)
    return _CHECKED[key]


def _load_kernel(module: str, task: str) -> tuple[ModuleType, KernelInfo]:
    mod = _import(module, task)
    where = _plugin(module, task)
    size = getattr(mod, "STATE_SIZE", None)
    if not isinstance(size, int | np.integer) or isinstance(size, bool) or size < 0:
        raise EnvironmentSpecError(f"{where}: STATE_SIZE must be an int >= 0 (the state array's length), got {size!r}")
    if not callable(getattr(mod, "native_params", None)):
        raise EnvironmentSpecError(
            f"{where}: it needs a function native_params(**env_kwargs) returning the task's constants"
        )
    for name, sig in {**FUNCTIONS, **OPTIONAL_FUNCTIONS}.items():
        fn = getattr(mod, name, None)
        if fn is None:
            if name in OPTIONAL_FUNCTIONS:
                continue
            raise EnvironmentSpecError(f"{where}: it has no function {name}{sig}")
        if not hasattr(fn, "py_func") or not hasattr(fn, "compile"):
            raise EnvironmentSpecError(
                f"{where}: {name} must be a numba.njit function {name}{sig}, got {type(fn).__name__}; "
                f"decorate it with @numba.njit(cache=True)"
            )
        want = len(sig.split(")")[0].split(","))
        try:
            got = len(inspect.signature(fn.py_func).parameters)
        except (TypeError, ValueError):
            got = want
        if got != want:
            raise EnvironmentSpecError(f"{where}: {name} takes {got} arguments; expected {name}{sig}")
    return mod, KernelInfo(module, int(size), hasattr(mod, "new_trial"))


def native_constants(mod: ModuleType, module: str, task: str, kwargs: dict[str, Any]) -> tuple[float, ...] | None:
    """``native_params(**kwargs)`` as floats; None when a keyword is not modelled (``TypeError``)."""
    try:
        values = mod.native_params(**kwargs)
    except TypeError:
        return None
    except EnvironmentSpecError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise EnvironmentSpecError(
            f"{_plugin(module, task)}: native_params({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) "
            f"raised {type(exc).__name__}: {exc}"
        ) from exc
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise EnvironmentSpecError(
            f"{_plugin(module, task)}: native_params must return a sequence of numbers, got {values!r}"
        ) from exc


# -- checking the functions by calling them ------------------------------------------------------


def _call(where: str, name: str, fn: Any, args: tuple, compiled: bool) -> Any:
    f = fn if compiled else fn.py_func
    try:
        return f(*args)
    except Exception as exc:  # noqa: BLE001 - turned into one line naming the function
        msg = [m.strip() for m in str(exc).strip().splitlines() if m.strip()]
        msg = [m for m in msg if not m.startswith("Failed in nopython mode pipeline")]
        first = msg[0] if msg else type(exc).__name__
        at = next((m for m in msg if m.startswith("File ") and ", line " in m), "")
        if at:
            first += f" ({at.rstrip(':')})"
        if type(exc).__name__ in ("TypingError", "UnsupportedError", "LoweringError"):
            kind = "does not compile with numba for"
        else:
            kind = "raised " + type(exc).__name__ + " on"
        types = ", ".join(f"{a.dtype}[{a.shape[0]}]" if isinstance(a, np.ndarray) else type(a).__name__ for a in args)
        raise EnvironmentSpecError(
            f"{where}: {name}{FUNCTIONS.get(name) or OPTIONAL_FUNCTIONS[name]} {kind} ({types}): {first}"
        ) from None


def check_kernel(
    module: str, task: str, params: tuple[float, ...], state_size: int, obs_dim: int, action_size: int,
    action: np.ndarray, steps: int = 20, compiled: bool = True,
) -> None:  # fmt: skip
    """Call the task's functions with the arrays a lifetime gives them, first as plain Python (numpy
    bounds-checks every index), then compiled, for ``steps`` steps of ``action``; raise
    :class:`EnvironmentSpecError` naming the function and what was expected at the first problem:
    an index outside ``state``/``obs``/``params``, an observation value not written or not finite,
    a ``step`` that does not return ``(float, bool)``, a function that does not compile."""
    from devo.rng import rng_from_seed

    mod, info = load_kernel(module, task)
    where = _plugin(module, task)
    if info.state_size != state_size:
        raise EnvironmentSpecError(f"{where}: STATE_SIZE is {info.state_size}, the task spec says {state_size}")
    for run_compiled in (False, True) if compiled else (False,):
        p = np.array(params, np.float64)
        s = np.zeros(state_size)
        rng = rng_from_seed(0)
        obs = np.full(obs_dim, np.nan)
        act = np.array(action, np.float64).reshape(action_size)
        _call(where, "begin_lifetime", mod.begin_lifetime, (p, s, rng), run_compiled)
        _call(where, "reset", mod.reset, (p, s, rng), run_compiled)
        for t in range(steps + 1):
            obs[:] = np.nan
            _call(where, "observe", mod.observe, (p, s, obs), run_compiled)
            if not np.isfinite(obs).all():
                bad = np.flatnonzero(~np.isfinite(obs))[:8].tolist()
                raise EnvironmentSpecError(
                    f"{where}: observe(params, state, obs) left obs{bad} unwritten or not finite; it must write "
                    f"all {obs_dim} observation values"
                )
            if t == steps:
                break
            out = _call(where, "step", mod.step, (p, s, act, rng), run_compiled)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise EnvironmentSpecError(
                    f"{where}: step must return (float reward, bool terminated), got {out!r}"
                )
            if info.has_new_trial:
                _call(where, "new_trial", mod.new_trial, (p, s), run_compiled)
            if bool(out[1]):
                _call(where, "reset", mod.reset, (p, s, rng), run_compiled)


# -- specialising templates ------------------------------------------------------------------------

_LOADED: dict[tuple[str, str], ModuleType] = {}
_SOURCE_KEY: dict[str, str] = {}


def kernel_dir() -> Path:
    """Where the specialised copies live: beside numba's cache (``devo._configure_numba_cache``)."""
    import numba

    root = getattr(numba.config, "CACHE_DIR", "") or os.environ.get("DEVO_CACHE_DIR") or Path.home() / ".cache" / "devo"
    return Path(root) / "tasks"


def _source_key(module: str) -> str:
    """A hash of the files a compiled module is made of: its folder's ``.py`` files (or, for a copy
    made here, its own text and what it was made from)."""
    if module in _SOURCE_KEY:
        return _SOURCE_KEY[module]
    mod = importlib.import_module(module)
    path = Path(inspect.getfile(mod))
    h = hashlib.sha256()
    for p in sorted(path.parent.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    _SOURCE_KEY[module] = h.hexdigest()[:16]
    return _SOURCE_KEY[module]


def _write_once(path: Path, text: str) -> None:
    """Create ``path`` holding ``text`` unless it exists with that text (never rewritten in place:
    numba's cache of the file is keyed by its modification time)."""
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    try:
        os.link(tmp, path)  # atomic, and fails if another process wrote it meanwhile
    except FileExistsError:
        if path.read_text() != text:
            os.replace(tmp, path)
            return
    os.unlink(tmp)


def specialise(template: str, task_module: str, has_new_trial: bool = True) -> ModuleType:
    """The template module ``template`` with its task import pointed at ``task_module`` (see the
    module docstring): written once, imported, and kept for the process."""
    key = (template, task_module)
    if key in _LOADED:
        return _LOADED[key]
    if task_module == STUB:
        mod = importlib.import_module(template)
        _LOADED[key] = mod
        return mod
    tmod = importlib.import_module(template)
    src = Path(inspect.getfile(tmod)).read_text()
    m = _LINE.search(src)
    if m is None or m.group(1) != STUB:
        raise RuntimeError(f"template {template} has no line 'from {STUB} import ... {MARKER}'")
    names = [n.strip() for n in m.group(2).split(",")]
    own = [n for n in names if n.split(" as ")[0] != "new_trial" or has_new_trial]
    line = f"from {task_module} import {', '.join(own)}  {MARKER}"
    if len(own) < len(names):
        line += f"\nfrom {STUB} import {', '.join(n for n in names if n not in own)}"
    header = f"# generated by devo.environments.compiled from {template} for {task_module}: do not edit\n"
    text = header + src[: m.start()] + line + src[m.end() :]
    digest = hashlib.sha256((text + _source_key(task_module)).encode()).hexdigest()[:12]
    name = f"devo_{template.rsplit('.', 1)[-1]}__{task_module.replace('.', '_')}__{digest}"
    folder = kernel_dir()
    _write_once(folder / f"{name}.py", text)
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    importlib.invalidate_caches()
    mod = importlib.import_module(name)
    _SOURCE_KEY[name] = hashlib.sha256((text + _source_key(task_module)).encode()).hexdigest()[:16]
    _LOADED[key] = mod
    return mod


DAMAGED = "devo.environments.native.damaged"


def functions(spec: Any) -> ModuleType:
    """The module whose ``begin_lifetime``, ``reset``, ``observe``, ``step`` and ``new_trial`` run the
    compiled task of ``spec`` on ``task.native_buffers()`` (inside the damage wrapper when damaged):
    a compiled task driven from Python, as tests and check-env do."""
    if not spec.kernel:
        raise ValueError(f"task {spec.name!r} has no compiled kernel")
    mod, info = load_kernel(spec.kernel, spec.name)
    if spec.damage:
        return specialise(DAMAGED, spec.kernel, info.has_new_trial)
    if not info.has_new_trial:
        return specialise("devo.environments.native.with_trials", spec.kernel, False)
    return mod


def for_task(template: str, spec: Any) -> ModuleType:
    """``template`` specialised for the compiled task of ``spec`` (a
    :class:`~devo.environments.TaskSpec`): its kernel module, inside the damage wrapper
    (:mod:`devo.environments.native.damaged`) when the spec is damaged."""
    if not spec.kernel:
        raise ValueError(f"task {spec.name!r} has no compiled kernel")
    _, info = load_kernel(spec.kernel, spec.name)
    module, has_new_trial = spec.kernel, info.has_new_trial
    if spec.damage:
        module, has_new_trial = specialise(DAMAGED, module, has_new_trial).__name__, True
    return specialise(template, module, has_new_trial)
