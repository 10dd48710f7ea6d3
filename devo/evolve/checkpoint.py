"""Checkpoints: everything a run needs to continue bit-identically, written atomically.

A checkpoint is ``<run>/checkpoints/ckpt_<generations done, 6 digits>.pkl``: a pickle of a dict
with the searcher (EvoTorch's search algorithm and its problem, without the pool), the
problem's ``torch.Generator`` state, the global torch / numpy / Python RNG states, the best
genome so far, the running totals and the generation count.

Pickle executes code when read, so checkpoints are *only* read from the ``checkpoints`` folder
of the run being resumed, never from a path a user passes in; files meant for sharing (genomes,
eval results) are npz / JSON (:mod:`devo.evolve.genome_io`).
"""

from __future__ import annotations

import pickle
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from devo.errors import DevoError
from devo.evolve.rundir import CHECKPOINTS, atomic_write_bytes

__all__ = [
    "capture_rng",
    "checkpoint_path",
    "latest_checkpoint",
    "list_checkpoints",
    "read_checkpoint",
    "restore_rng",
    "write_checkpoint",
]

FORMAT = "devo-checkpoint"
VERSION = 1
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


def read_checkpoint(run_dir: str | Path) -> dict[str, Any]:
    """Load the newest checkpoint of ``run_dir`` (only from its own ``checkpoints`` folder)."""
    run_dir = Path(run_dir)
    latest = latest_checkpoint(run_dir)
    if latest is None:
        raise DevoError(f"{str(run_dir)!r} has no checkpoint to resume from (no {CHECKPOINTS}/ckpt_*.pkl)")
    _, path = latest
    folder = (run_dir / CHECKPOINTS).resolve()
    if path.resolve().parent != folder:  # e.g. a symlink pointing elsewhere
        raise DevoError(f"refusing to read {str(path)!r}: checkpoints are only read from {str(folder)!r}")
    try:
        with path.open("rb") as fh:
            payload = pickle.load(fh)  # noqa: S301 - the run's own checkpoint folder only
    except Exception as exc:  # noqa: BLE001
        raise DevoError(f"cannot read checkpoint {str(path)!r} ({type(exc).__name__}: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DevoError(f"{str(path)!r} is not a devo checkpoint")
    if payload.get("version") != VERSION:
        raise DevoError(f"{str(path)!r} is checkpoint format {payload.get('version')}; this devo reads {VERSION}")
    return payload
