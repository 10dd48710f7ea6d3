"""Run directories.

A run lives in ``<out>/<env>__<name>__<seed>__<time>/`` (CleanRL's naming)::

    config.toml          the resolved config (every default filled in); `devo resume` reads it
    metrics.jsonl        one JSON line per generation
    events.out.tfevents.* TensorBoard scalars (`tensorboard --logdir runs`)
    best_genome.npz      the best genome so far, with its metadata (no pickle)
    checkpoints/         ckpt_<generation>.pkl, written atomically every k generations

Every file is written atomically (:mod:`devo.atomic`), so a kill at any moment leaves the old or
the new file whole.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from devo.errors import DevoError

__all__ = [
    "BEST_GENOME",
    "CHECKPOINTS",
    "CONFIG",
    "METRICS",
    "make_run_dir",
    "run_dir_name",
    "storage_error",
]

CONFIG = "config.toml"
METRICS = "metrics.jsonl"
BEST_GENOME = "best_genome.npz"
CHECKPOINTS = "checkpoints"


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", part).strip("-") or "x"


def run_dir_name(env: str, name: str, seed: int, when: float | None = None) -> str:
    """``<env>__<name>__<seed>__<YYYYmmdd-HHMMSS>``, with characters unsafe in paths replaced."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if when is None else when))
    return f"{_safe(env)}__{_safe(name)}__{int(seed)}__{stamp}"


def make_run_dir(out: str | Path, env: str, name: str, seed: int) -> Path:
    """Create a fresh run directory under ``out`` (a suffix ``-2``, ``-3``... if the name is taken)."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    base = run_dir_name(env, name, seed)
    for k in range(1, 1000):
        path = root / (base if k == 1 else f"{base}-{k}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        (path / CHECKPOINTS).mkdir()
        return path
    raise FileExistsError(f"cannot create a run directory named {base} in {root}")


def storage_error(exc: OSError, run_dir: str | Path) -> DevoError:
    """A file error during a run as a message: the file, the cause, and the checkpoint to resume from."""
    from devo.evolve.checkpoint import list_checkpoints

    where = exc.filename or run_dir
    try:
        found = list_checkpoints(run_dir)
    except OSError:
        found = []
    if found:
        gen, path = found[-1]
        last = f"the last good checkpoint is {path} (generation {gen}): fix the cause, then `devo resume {run_dir}`"
    else:
        last = "no checkpoint was written yet: fix the cause and start the run again"
    return DevoError(f"cannot write {str(where)!r} ({exc.strerror or type(exc).__name__}); the run stopped; {last}")
