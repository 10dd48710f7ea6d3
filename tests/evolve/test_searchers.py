"""Every searcher in the table runs 2 generations, and a resume after 1 ends identical."""

from __future__ import annotations

import pytest

from devo.evolve.checkpoint import list_checkpoints
from devo.evolve.metrics import read_metrics
from devo.evolve.runner import resume_run, start_run
from devo.evolve.searchers import SEARCHERS

from .helpers import assert_same_run, quiet_stream, tiny

POPSIZE = {"pgpe": 6, "ga": 6, "cmaes": 5}  # odd where allowed: no searcher silently needs an even size


@pytest.mark.parametrize("name", list(SEARCHERS))
def test_searcher_runs_two_generations_and_resumes_identically(name, tmp_path) -> None:
    exp = tiny(tmp_path, search__algorithm=name, search__popsize=POPSIZE.get(name, 5), run__generations=2)
    full = start_run(exp, quiet=True, stream=quiet_stream(), run_dir=tmp_path / "full")
    assert full.generations_done == 2 and not full.interrupted
    recs = read_metrics(full.run_dir)
    assert [r["generation"] for r in recs] == [0, 1]
    assert all(r["genomes"] >= exp.search.popsize and r["lifetimes"] == r["genomes"] * 2 for r in recs)
    assert recs[1]["best_so_far"] == max(r["best"] for r in recs)

    half = tiny(tmp_path, search__algorithm=name, search__popsize=POPSIZE.get(name, 5), run__generations=1)
    start_run(half, quiet=True, stream=quiet_stream(), run_dir=tmp_path / "half")
    assert [g for g, _ in list_checkpoints(tmp_path / "half")] == [1]
    resumed = resume_run(tmp_path / "half", generations=2, quiet=True, stream=quiet_stream())
    assert resumed.generations_done == 2
    assert_same_run(full.run_dir, tmp_path / "half")
