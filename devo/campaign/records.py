"""The committed record of one cell and seed: small files that the report is made from.

``<results>/<cell>/s<seed>/``::

    genome.npz      the best genome the run handed over (its whole config inside)
    eval.json       `devo eval genome.npz --lifetimes L --json`: return per episode index
                    (0 = innate, later = learned) and over all episodes
    ablation.json   `devo ablate genome.npz --lifetimes L --json`: each knock-out's paired difference
    curve.csv       the run's fitness per generation (from its metrics.jsonl)
    run.json        how the record was made: commands, config hash, generations, wall times,
                    machine, devo version

``run.json`` is written last: a record without it is incomplete and is made again.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devo.atomic import atomic_write_bytes, atomic_write_text
from devo.errors import DevoError

__all__ = [
    "ABLATION",
    "CURVE",
    "CURVE_FIELDS",
    "EVAL",
    "GENOME",
    "RUN",
    "SeedRecord",
    "curve_csv",
    "is_complete",
    "read_record",
    "write_json",
]

GENOME = "genome.npz"
EVAL = "eval.json"
ABLATION = "ablation.json"
CURVE = "curve.csv"
RUN = "run.json"
CURVE_FIELDS = ("generation", "best", "mean", "median", "best_so_far", "validated_best", "spread", "wall_s")


@dataclass
class SeedRecord:
    """One cell-seed's record as read back."""

    seed: int
    run: dict[str, Any]
    eval: dict[str, Any]
    ablation: dict[str, Any] | None
    curve: list[dict[str, float]]


def is_complete(folder: Path) -> bool:
    return (folder / RUN).is_file()


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, allow_nan=False) + "\n")


def write_genome(folder: Path, best_genome: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN).unlink(missing_ok=True)  # the record is incomplete until run.json is written again
    atomic_write_bytes(folder / GENOME, best_genome.read_bytes())
    return folder / GENOME


def _cell(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


def curve_csv(metrics: list[dict[str, Any]]) -> str:
    """``metrics.jsonl``'s lines as a small CSV (:data:`CURVE_FIELDS`, 6 significant digits)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CURVE_FIELDS)
    for rec in metrics:
        w.writerow([_cell(rec.get(k)) for k in CURVE_FIELDS])
    return buf.getvalue()


def read_curve(path: Path) -> list[dict[str, float]]:
    with path.open(newline="") as fh:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(fh)]


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DevoError(
            f"record file {str(path)!r} cannot be read ({exc}); delete its folder to make the record again"
        ) from None


def read_record(folder: Path, seed: int) -> SeedRecord | None:
    """The complete record in ``folder``, or None when there is none (or it is incomplete)."""
    if not is_complete(folder):
        return None
    ablation = _load(folder / ABLATION) if (folder / ABLATION).is_file() else None
    curve = read_curve(folder / CURVE) if (folder / CURVE).is_file() else []
    return SeedRecord(seed=seed, run=_load(folder / RUN), eval=_load(folder / EVAL), ablation=ablation, curve=curve)
