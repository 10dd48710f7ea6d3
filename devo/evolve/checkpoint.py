"""Checkpoints: everything a run needs to continue bit-identically, written atomically.

A checkpoint is ``<run>/checkpoints/ckpt_<generations done, 6 digits>.pkl``: a pickle of a dict
with the searcher (EvoTorch's search algorithm and its problem, without the pool), the
problem's ``torch.Generator`` state, the global torch / numpy / Python RNG states, the best
genome so far, the running totals and the generation count.

Plain pickle executes code when read, so a checkpoint is read with a restricted unpickler
(:mod:`devo.evolve.safe_pickle`: only the types devo writes; anything else is refused before it is
imported or called), and only from the ``checkpoints`` folder of the run being resumed. A newest
checkpoint that cannot be read (damaged, foreign, keys missing) is renamed ``*.unreadable`` and
the next older one kept is used instead. Files meant for sharing (genomes, eval results) are
npz / JSON (:mod:`devo.genome_io`).
"""

from __future__ import annotations

import pickle
import random
import re
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np
import torch

from devo.atomic import atomic_write_bytes
from devo.errors import DevoError
from devo.evolve.rundir import CHECKPOINTS
from devo.evolve.safe_pickle import safe_loads

__all__ = [
    "capture_rng",
    "checkpoint_path",
    "latest_checkpoint",
    "list_checkpoints",
    "read_checkpoint",
    "read_checkpoint_file",
    "restore_rng",
    "write_checkpoint",
]

FORMAT = "devo-checkpoint"
VERSION = 1
# what every checkpoint written by devo holds (runner._Run.snapshot)
REQUIRED = ("generation", "searcher", "problem_rng", "global_rng", "state", "lifetime_hash", "genome_size")
_NAME = re.compile(r"^ckpt_(\d{6,})\.pkl$")


def capture_rng() -> dict[str, Any]:
    """The process-global RNG states (torch, numpy, Python)."""
    # Global generators are saved because library code (EvoTorch, torch) may draw from them.
    return {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),  # noqa: NPY002 - the legacy global state is what is saved
        "python": random.getstate(),
    }


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])  # noqa: NPY002
    random.setstate(state["python"])


def checkpoint_path(run_dir: str | Path, generation: int) -> Path:
    return Path(run_dir) / CHECKPOINTS / f"ckpt_{int(generation):06d}.pkl"


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """``(generations done, path)`` of the run's checkpoints, oldest first."""
    folder = Path(run_dir) / CHECKPOINTS
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _NAME.match(p.name)
        if m and p.is_file():
            found.append((int(m.group(1)), p))
    return sorted(found)


def latest_checkpoint(run_dir: str | Path) -> tuple[int, Path] | None:
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def encode_checkpoint(payload: dict[str, Any]) -> bytes:
    """Serialise a checkpoint payload (done once per generation, kept in memory for Ctrl-C)."""
    return pickle.dumps({"format": FORMAT, "version": VERSION, **payload}, protocol=pickle.HIGHEST_PROTOCOL)


def write_checkpoint(run_dir: str | Path, generation: int, blob: bytes, keep: int = 2) -> Path:
    """Write an encoded checkpoint for ``generation`` generations done; keep the newest ``keep``."""
    path = checkpoint_path(run_dir, generation)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, blob)
    for _, old in list_checkpoints(run_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def read_checkpoint_file(path: Path) -> dict[str, Any]:
    """Load one checkpoint file (restricted unpickling; see the module docstring); a file that is
    not a whole devo checkpoint is a :class:`DevoError` naming it."""
    try:
        payload = safe_loads(path.read_bytes())
    except OSError as exc:
        raise DevoError(f"cannot read checkpoint {str(path)!r} ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - damaged, truncated, or refused content
        raise DevoError(f"cannot read checkpoint {str(path)!r} ({type(exc).__name__}: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DevoError(f"{str(path)!r} is not a devo checkpoint")
    if payload.get("version") != VERSION:
        raise DevoError(f"{str(path)!r} is checkpoint format {payload.get('version')}; this devo reads {VERSION}")
    missing = [k for k in REQUIRED if k not in payload]
    if missing:
        raise DevoError(f"{str(path)!r} is incomplete: it lacks {', '.join(missing)}")
    if not isinstance(payload["state"], dict) or not isinstance(payload["generation"], int):
        raise DevoError(f"{str(path)!r} is damaged: its state or generation has the wrong type")
    return payload


def read_checkpoint(run_dir: str | Path, log: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Load the newest readable checkpoint of ``run_dir`` (only from its own ``checkpoints`` folder).

    A newer checkpoint that cannot be read is renamed ``<name>.unreadable`` (so later checkpoints
    of the resumed run replace it in the rotation) and the next older one is tried; ``log`` hears
    about each. The error names every file tried when none can be read.
    """
    run_dir = Path(run_dir)
    found = list_checkpoints(run_dir)
    if not found:
        raise DevoError(f"{str(run_dir)!r} has no checkpoint to resume from (no {CHECKPOINTS}/ckpt_*.pkl)")
    folder = (run_dir / CHECKPOINTS).resolve()
    problems: list[str] = []
    for _, path in reversed(found):
        if path.resolve().parent != folder:  # e.g. a symlink pointing elsewhere
            raise DevoError(f"refusing to read {str(path)!r}: checkpoints are only read from {str(folder)!r}")
        try:
            payload = read_checkpoint_file(path)
        except DevoError as exc:
            problems.append(str(exc))
            aside = path.with_name(path.name + ".unreadable")
            with suppress(OSError):
                path.rename(aside)
            if log is not None:
                log(f"{exc}; set aside as {aside.name}, trying the previous checkpoint")
            continue
        return payload
    raise DevoError("no checkpoint of this run can be read: " + "; ".join(problems))
