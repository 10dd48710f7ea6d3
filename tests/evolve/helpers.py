"""Tiny experiments and comparisons shared by the evolution tests."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from devo.evolve.metrics import TIMING_FIELDS, read_metrics
from devo.evolve.rundir import BEST_GENOME
from devo.experiment import Experiment, experiment_from_dict
from devo.genome_io import load_genome

# Short lifetimes: one or two episodes of at most 30 steps.
TINY: dict[str, Any] = {
    "name": "tiny",
    "seed": 7,
    "task": {"env": "CartPole-v1", "max_episode_steps": 30},
    "lifetime": {"n_episodes": 1},
    "search": {"algorithm": "sep-cmaes", "popsize": 6, "stdev_init": 0.3},
    "run": {"generations": 3, "trials": 2, "workers": 0, "checkpoint_every": 1, "tensorboard": False},
}


def tiny(out: Path, **changes: Any) -> Experiment:
    """The tiny experiment, with ``section.key`` or top-level changes, writing runs under ``out``."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in TINY.items()}
    data["run"]["out"] = str(out)
    for key, value in changes.items():
        if "__" in key:
            section, field = key.split("__", 1)
            data.setdefault(section, {})[field] = value
        else:
            data[key] = value
    return experiment_from_dict(data)


def with_run(exp: Experiment, **changes: Any) -> Experiment:
    """A copy of ``exp`` with some ``run`` fields changed."""
    return replace(exp, run=replace(exp.run, **changes))


def tiny_toml(path: Path, out: Path, **run: Any) -> Path:
    """The tiny experiment as a TOML file (for CLI and subprocess tests)."""
    from devo.experiment import experiment_to_toml

    exp = tiny(out)
    if run:
        exp = with_run(exp, **run)
    path.write_text(experiment_to_toml(exp))
    return path


def quiet_stream() -> io.StringIO:
    return io.StringIO()


def untimed(run_dir: Path) -> list[dict[str, Any]]:
    """metrics.jsonl without the fields that depend on the machine's speed."""
    return [{k: v for k, v in rec.items() if k not in TIMING_FIELDS} for rec in read_metrics(run_dir)]


def best_genome(run_dir: Path) -> tuple[np.ndarray, float]:
    gf = load_genome(run_dir / BEST_GENOME)
    return gf.genome, float(gf.meta["fitness"])


def assert_same_run(a: Path, b: Path) -> None:
    """Two runs produced the same numbers: metrics (timing aside) and best genome, bit for bit."""
    ma, mb = untimed(a), untimed(b)
    assert len(ma) == len(mb) > 0
    assert ma == mb
    ga, fa = best_genome(a)
    gb, fb = best_genome(b)
    assert fa == fb
    np.testing.assert_array_equal(ga, gb)
