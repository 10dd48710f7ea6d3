"""Per-generation metrics: ``metrics.jsonl`` (always), TensorBoard scalars, MLflow (behind a flag).

One JSON line per generation. Fitness statistics (``best mean median worst``) are over the
genomes whose lifetimes neither blew up nor raised (``nan_count``, ``error_count`` count the
others; if none is valid they are the worst fitness). ``best_so_far`` is the best genome fitness
of the whole run. Fields in :data:`TIMING_FIELDS` depend on the machine; every other field is a
pure function of the seed and the config (identical for any number of workers, and after a resume).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from devo.atomic import atomic_write_text
from devo.errors import DevoError
from devo.evolve.problem import GenomeEval
from devo.evolve.rundir import METRICS
from devo.lifetime import WORST_FITNESS

__all__ = ["TIMING_FIELDS", "MetricsWriter", "generation_record", "read_metrics", "truncate_metrics"]

TIMING_FIELDS = ("time", "wall_s", "evals_per_s", "env_steps_per_s")


def _stats(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    return float(np.mean(values)), float(np.max(values))


def generation_record(
    generation: int,
    evaluated: Sequence[GenomeEval],
    *,
    best_so_far: float,
    env_steps_total: int,
    lifetimes_total: int,
    spread: float | None,
    wall_s: float,
    validated: Sequence[GenomeEval] = (),
) -> dict[str, Any]:
    """The metrics line of one generation (``evaluated``: every genome the searcher had evaluated;
    ``validated``: the re-evaluations of ``run.validate_top``, counted in ``env_steps`` and
    ``lifetimes``, with their best fitness as ``validated_best``)."""
    valid = [e.fitness for e in evaluated if e.valid]
    if valid:
        best, mean, median, worst = (
            float(np.max(valid)), float(np.mean(valid)), float(np.median(valid)), float(np.min(valid))
        )  # fmt: skip
    else:
        best = mean = median = worst = float(WORST_FITNESS)
    env_steps = int(sum(e.env_steps for e in (*evaluated, *validated)))
    lifetimes = int(sum(len(e.trial_fitness) for e in (*evaluated, *validated)))
    neurons_mean, neurons_max = _stats([e.neurons for e in evaluated])
    synapses_mean, synapses_max = _stats([e.synapses for e in evaluated])
    rec: dict[str, Any] = {
        "generation": int(generation),
        "best": best,
        "mean": mean,
        "median": median,
        "worst": worst,
        "best_so_far": float(best_so_far),
        "genomes": len(evaluated),
        "lifetimes": lifetimes,
        "lifetimes_total": int(lifetimes_total),
        "env_steps": env_steps,
        "env_steps_total": int(env_steps_total),
        "neurons_mean": neurons_mean,
        "neurons_max": neurons_max,
        "synapses_mean": synapses_mean,
        "synapses_max": synapses_max,
        "spikes_mean": float(np.mean([e.spikes for e in evaluated])) if evaluated else 0.0,
        "added_mean": float(np.mean([e.added for e in evaluated])) if evaluated else 0.0,
        "pruned_mean": float(np.mean([e.pruned for e in evaluated])) if evaluated else 0.0,
        "divisions_mean": float(np.mean([e.divisions for e in evaluated])) if evaluated else 0.0,
        "nan_count": int(sum(1 for e in evaluated if e.nan)),
        "error_count": int(sum(1 for e in evaluated if e.errors)),
    }
    if validated:
        ok = [e.fitness for e in validated if e.valid]
        rec["validated_best"] = float(np.max(ok)) if ok else float(WORST_FITNESS)
    if spread is not None:
        rec["spread"] = float(spread)
    rec["wall_s"] = float(wall_s)
    rec["evals_per_s"] = lifetimes / wall_s if wall_s > 0 else 0.0
    rec["env_steps_per_s"] = env_steps / wall_s if wall_s > 0 else 0.0
    rec["time"] = time.time()
    return rec


def read_metrics(run_dir: str | Path) -> list[dict[str, Any]]:
    """Every complete line of ``metrics.jsonl`` (a torn last line from a kill is skipped)."""
    path = Path(run_dir) / METRICS
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def truncate_metrics(run_dir: str | Path, generations_done: int) -> None:
    """Keep only the lines of generations ``< generations_done`` (a resume redoes the rest)."""
    keep = [r for r in read_metrics(run_dir) if int(r.get("generation", -1)) < generations_done]
    atomic_write_text(Path(run_dir) / METRICS, "".join(json.dumps(r) + "\n" for r in keep))


def check_mlflow() -> None:
    """Raise a clear error if MLflow logging is asked for but MLflow is not installed."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise DevoError(
            "run.mlflow = true needs MLflow, which is not installed: pip install 'devo[mlflow]' "
            "(or set run.mlflow = false)"
        ) from None


class MetricsWriter:
    """Appends metrics lines; mirrors numeric fields to TensorBoard and, if enabled, MLflow."""

    def __init__(
        self,
        run_dir: str | Path,
        *,
        tensorboard: bool = True,
        mlflow: bool = False,
        mlflow_uri: str = "",
        params: dict[str, Any] | None = None,
        config_text: str = "",
        start_generation: int = 0,
    ) -> None:
        self.run_dir = Path(run_dir)
        self._fh = (self.run_dir / METRICS).open("a")
        self._tb = None
        self._mlflow = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            # purge_step hides events a killed run wrote past its last checkpoint.
            self._tb = SummaryWriter(str(self.run_dir), purge_step=start_generation or None)
            if start_generation == 0 and config_text:
                self._tb.add_text("config", "```\n" + config_text + "\n```", 0)
        if mlflow:
            self._start_mlflow(mlflow_uri, params or {}, start_generation)

    def _start_mlflow(self, uri: str, params: dict[str, Any], start_generation: int) -> None:
        check_mlflow()
        import mlflow

        if uri:
            mlflow.set_tracking_uri(uri)
        id_file = self.run_dir / "mlflow_run_id"
        if start_generation > 0 and id_file.is_file():
            mlflow.start_run(run_id=id_file.read_text().strip())
        else:
            run = mlflow.start_run(run_name=self.run_dir.name)
            atomic_write_text(id_file, run.info.run_id)
            flat = _flatten(params)
            for i in range(0, len(flat), 100):  # MLflow caps params per call
                mlflow.log_params(dict(list(flat.items())[i : i + 100]))
        self._mlflow = mlflow

    def write(self, rec: dict[str, Any]) -> None:
        self._fh.write(json.dumps(rec) + "\n")
        self._fh.flush()
        step = int(rec["generation"])
        numeric = {
            k: float(v) for k, v in rec.items() if isinstance(v, (int, float)) and k not in ("generation", "time")
        }
        if self._tb is not None:
            for k, v in numeric.items():
                self._tb.add_scalar(f"devo/{k}", v, step)
            self._tb.flush()
        if self._mlflow is not None:
            self._mlflow.log_metrics(numeric, step=step)

    def close(self, finished: bool = True) -> None:
        self._fh.close()
        if self._tb is not None:
            self._tb.close()
            self._tb = None
        if self._mlflow is not None:
            self._mlflow.end_run(status="FINISHED" if finished else "KILLED")
            self._mlflow = None


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v if isinstance(v, (int, float, str, bool)) else json.dumps(v)
    return out
