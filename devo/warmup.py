"""The first run on a machine compiles devo's kernels (about 2-3 minutes on 2 cores): say so, show
the time it takes, and say where the result is cached, instead of staying silent.

:func:`ensure_compiled` is called by `devo run`, `devo eval` and `devo inspect` before their work
starts. When numba's on-disk cache (``devo._configure_numba_cache``) already holds the lifetime's
entry point for this kind of task (``run_native_batch`` of ``lifetime/task_life.py``, specialised,
for compiled tasks; ``py_step`` of ``lifetime/step.py`` for Python environments), it does nothing;
otherwise it prints the notice (on stderr by default, so ``--json`` output stays parseable), lives
one lifetime of the config's initial genome (which compiles everything a lifetime calls; every
later process, Ray workers included, loads it in about a second) and prints the elapsed time, with
a line every 30 s while it waits. A config whose lifetime would not fit in this machine's memory
is left to the command, which refuses it with its message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "ensure_compiled", "kernels_cached"]

NOTICE = "compiling devo's kernels, once per machine: ~2-3 min; cached in {where}"
TICK_S = 30.0


def cache_dir() -> Path | None:
    """numba's on-disk cache folder for this version of devo's sources (None if numba has none)."""
    import numba

    where = getattr(numba.config, "CACHE_DIR", "") or ""
    return Path(where) if where else None


def _entry(setup: Any) -> str:
    """The compiled entry point a lifetime of ``setup`` starts from: the specialised chunk of
    lifetimes of its compiled task (:mod:`devo.lifetime.task_life`; ``Evaluator.run_many`` calls it),
    or ``step.py_step`` for a Python environment."""
    from devo.environments import make_task

    tc = setup.task
    task = make_task(tc.env, **tc.make_kwargs())
    spec = task.spec
    if not (tc.native and spec.has_native):
        return "step.py_step"
    from devo.environments.check import check_compiled

    check_compiled(task)  # a broken compiled task must not run compiled here: the command reports it
    from devo.lifetime.task_life import life_kernels

    return life_kernels(spec).__name__ + ".run_native_batch"


def kernels_cached(entry: str = "step.py_step") -> bool:
    """Whether the cache holds the compiled lifetime entry point ``entry`` (``module.function``, the
    module by its file's name)."""
    where = cache_dir()
    return where is not None and where.is_dir() and any(where.glob(f"**/{entry}-*.nbi"))


def _ticker(log: Callable[[str], Any], t0: float, stop: threading.Event) -> None:
    while not stop.wait(TICK_S):
        log(f"  still compiling ({time.perf_counter() - t0:.0f} s)")


def _stderr(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def ensure_compiled(setup: Any, log: Callable[[str], Any] = _stderr) -> float | None:
    """Compile the kernels a lifetime of ``setup`` needs if the cache lacks them, telling the user
    (see the module docstring). Returns the seconds it took, or None when nothing was compiled."""
    try:
        entry = _entry(setup)
    except Exception:  # noqa: BLE001 - a task that cannot be built is reported by the command itself
        return None
    if kernels_cached(entry):
        return None
    from devo.lifetime import Evaluator
    from devo.lifetime.capacity import check_capacity

    try:
        ev = Evaluator(setup)
        # a lifetime too big for this machine is the command's error to report, not one to allocate here
        check_capacity(ev)
    except Exception:  # noqa: BLE001 - the command checks the config next and reports what is wrong
        return None
    log(NOTICE.format(where=cache_dir() or "numba's default cache"))
    t0 = time.perf_counter()
    stop = threading.Event()
    tick = threading.Thread(target=_ticker, args=(log, t0, stop), daemon=True)
    tick.start()
    try:
        ev(ev.initial_genome(0), 0)
    except Exception:  # noqa: BLE001 - the command runs the config next and reports what is wrong
        return None
    finally:
        stop.set()
        tick.join()
    took = time.perf_counter() - t0
    log(f"kernels compiled in {took:.0f} s")
    return took
