"""One recording and one folder of exports shared by the inspect tests (growing and rendering
are the slow parts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inspect.helpers import METRICS, genome_for, make_run_dir, small


@pytest.fixture(scope="session")
def experiment():
    return small()


@pytest.fixture(scope="session")
def genome(experiment):
    return genome_for(experiment)


@pytest.fixture(scope="session")
def recording(experiment, genome):
    from devo.inspect import grow

    return grow(genome, experiment, seed=3, snap_every=4)


@pytest.fixture(scope="session")
def bundle(recording, tmp_path_factory) -> dict[str, Path]:
    """Every file `devo inspect` writes, for ``recording``."""
    from devo.inspect import write_all

    root = tmp_path_factory.mktemp("bundle")
    run = make_run_dir(root / "run", recording.setup, None, METRICS, partial_line=True)
    return write_all(recording, root / "out", metrics=run / "metrics.jsonl", source="test genome",
                     meta={"fitness": 30.0}, eval_report=None)
