"""Runs: identical numbers for 0, 1 and 2 workers; run directory contents; Ctrl-C; kill -9 + resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from devo.evolve.checkpoint import latest_checkpoint, list_checkpoints
from devo.evolve.metrics import TIMING_FIELDS, read_metrics
from devo.evolve.rundir import BEST_GENOME, CONFIG
from devo.evolve.runner import resume_run, start_run
from devo.experiment import lifetime_hash, load_experiment
from devo.genome_io import load_genome

from .helpers import assert_same_run, quiet_stream, tiny, tiny_toml, untimed, with_run

METRIC_FIELDS = {
    "generation", "best", "mean", "median", "worst", "best_so_far", "env_steps", "env_steps_total", "lifetimes",
    "lifetimes_total", "neurons_mean", "neurons_max", "synapses_mean", "synapses_max", "nan_count", "error_count",
    "wall_s", "evals_per_s",
}  # fmt: skip


def test_run_directory_holds_config_metrics_checkpoints_and_best_genome(tmp_path) -> None:
    exp = tiny(tmp_path, run__generations=3, run__checkpoint_every=2, run__keep_checkpoints=5, run__tensorboard=True)
    stream = quiet_stream()
    out = start_run(exp, stream=stream)
    d = out.run_dir
    assert d.parent == tmp_path and d.name.startswith("CartPole-v1__tiny__7__")
    assert f"run directory: {d}" in stream.getvalue()
    assert load_experiment(d / CONFIG) == exp  # the resolved config reads back to the same experiment
    recs = read_metrics(d)
    assert [r["generation"] for r in recs] == [0, 1, 2]
    assert set(recs[0]) >= METRIC_FIELDS
    assert recs[-1]["best_so_far"] == max(r["best"] for r in recs)
    assert recs[-1]["lifetimes_total"] == sum(r["lifetimes"] for r in recs) == 3 * 6 * 2
    assert recs[-1]["env_steps_total"] == sum(r["env_steps"] for r in recs) > 0
    assert [g for g, _ in list_checkpoints(d)] == [2, 3]  # every 2, and at the end
    gf = load_genome(d / BEST_GENOME)
    assert gf.meta["fitness"] == recs[-1]["best_so_far"] and gf.meta["lifetime_hash"] == lifetime_hash(exp)
    assert gf.genome.dtype == np.float32 and gf.genome.size > 0
    assert list(d.glob("events.out.tfevents.*"))
    assert not list(d.rglob("*.tmp"))  # atomic writes leave no temporaries


def test_tensorboard_scalars_are_readable(tmp_path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = start_run(tiny(tmp_path, run__generations=2, run__tensorboard=True), stream=quiet_stream())
    acc = EventAccumulator(str(out.run_dir))
    acc.Reload()
    best = [e.value for e in acc.Scalars("devo/best")]
    assert best == [r["best"] for r in read_metrics(out.run_dir)]


def test_workers_0_1_2_give_identical_runs(ray_session, tmp_path) -> None:
    dirs = []
    for w in (0, 1, 2):
        exp = tiny(tmp_path, run__workers=w, run__generations=3, search__popsize=7, run__chunk_size=2)
        dirs.append(start_run(exp, stream=quiet_stream(), run_dir=tmp_path / f"w{w}").run_dir)
    assert_same_run(dirs[0], dirs[1])
    assert_same_run(dirs[0], dirs[2])
    ca = [load_genome(d / BEST_GENOME).genome for d in dirs]
    assert all(np.array_equal(ca[0], c) for c in ca[1:])


def test_a_different_seed_gives_a_different_run(tmp_path) -> None:
    a = start_run(tiny(tmp_path, run__generations=1), stream=quiet_stream(), run_dir=tmp_path / "a").run_dir
    b = start_run(tiny(tmp_path, run__generations=1, seed=8), stream=quiet_stream(), run_dir=tmp_path / "b").run_dir
    ma, mb = untimed(a)[0], untimed(b)[0]
    assert ma["spikes_mean"] != mb["spikes_mean"] and ma["synapses_mean"] != mb["synapses_mean"]
    assert not np.array_equal(load_genome(a / BEST_GENOME).genome, load_genome(b / BEST_GENOME).genome)


def test_resume_of_a_complete_run_does_nothing(tmp_path, capsys) -> None:
    out = start_run(tiny(tmp_path, run__generations=1), stream=quiet_stream())
    again = resume_run(out.run_dir, quiet=True, stream=quiet_stream())
    assert again.generations_done == 1 and "already complete" in capsys.readouterr().out
    from devo.errors import DevoError

    with pytest.raises(DevoError, match="already has 1 generations"):
        resume_run(out.run_dir, generations=0)


def _devo(*args: str) -> list[str]:
    return [sys.executable, "-m", "devo", *args]


def _wait_for(cond, proc: subprocess.Popen, what: str, limit: float = 240.0) -> None:
    """Poll until ``cond()``; fail if the process ends first. (A hang guard, not a timing assertion.)"""
    t0 = time.monotonic()
    while not cond():
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"devo run ended (rc {proc.returncode}) before {what}:\n{out}")
        if time.monotonic() - t0 > limit:
            proc.kill()
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def _interruptible() -> None:
    """In the child before exec: SIGINT at its default and unblocked, whatever the test process
    (Ray's threads, a terminal) left in the signal state a child inherits."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _subprocess_run(tmp_path: Path, generations: int, checkpoint_every: int) -> tuple[subprocess.Popen, Path]:
    cfg = tiny_toml(tmp_path / "tiny.toml", tmp_path / "runs", generations=generations,
                    checkpoint_every=checkpoint_every, keep_checkpoints=50)  # fmt: skip
    proc = subprocess.Popen(
        _devo("run", str(cfg), "--workers", "0", "--quiet", "--set", "lifetime.n_episodes=2",
              "--set", "search.popsize=8"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"},  # the child picks its own
        preexec_fn=_interruptible,
    )  # fmt: skip
    runs = tmp_path / "runs"
    _wait_for(lambda: runs.is_dir() and any(runs.iterdir()), proc, "the run directory")
    return proc, next(runs.iterdir())


def _reference(tmp_path: Path, generations: int) -> Path:
    exp = tiny(tmp_path, run__generations=generations, lifetime__n_episodes=2, search__popsize=8)
    return start_run(exp, stream=quiet_stream(), run_dir=tmp_path / "reference").run_dir


@pytest.mark.slow
def test_kill_9_then_resume_ends_identical_to_an_uninterrupted_run(tmp_path) -> None:
    G = 100  # tiny generations take milliseconds: leave room for the kill to land mid-run
    proc, run_dir = _subprocess_run(tmp_path, G, checkpoint_every=2)
    _wait_for(lambda: (c := latest_checkpoint(run_dir)) is not None and c[0] >= 2, proc, "checkpoint 2")
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    done = latest_checkpoint(run_dir)[0]
    assert done < G, "the run finished before the kill; nothing was tested"
    out = resume_run(run_dir, quiet=True, stream=quiet_stream())
    assert out.generations_done == G and not out.interrupted
    assert_same_run(_reference(tmp_path, G), run_dir)


@pytest.mark.slow
def test_ctrl_c_writes_a_final_checkpoint_and_resume_continues(tmp_path) -> None:
    G = 200  # tiny generations take milliseconds: leave room for the signal to land mid-run
    proc, run_dir = _subprocess_run(tmp_path, G, checkpoint_every=100)  # only Ctrl-C or the end checkpoints
    _wait_for(lambda: len(read_metrics(run_dir)) >= 2, proc, "two generations")
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=120)
    text = proc.stdout.read()
    assert rc == 130, f"exit code {rc}, not 130 (interrupted); the run printed:\n{text[-3000:]}"
    done = latest_checkpoint(run_dir)[0]  # the last generation whose snapshot was complete
    assert 1 <= done < G and f"checkpoint at generation {done}" in text and "devo resume" in text
    assert len(read_metrics(run_dir)) >= done  # lines past the checkpoint are redone by the resume
    out = resume_run(run_dir, quiet=True, stream=quiet_stream())
    assert out.generations_done == G
    assert_same_run(_reference(tmp_path, G), run_dir)


def test_metrics_lines_are_json_with_timing_fields_separate(tmp_path) -> None:
    out = start_run(tiny(tmp_path, run__generations=1), stream=quiet_stream())
    line = (out.run_dir / "metrics.jsonl").read_text().splitlines()[0]
    rec = json.loads(line)
    assert set(TIMING_FIELDS) <= set(rec) and rec["wall_s"] > 0
    assert os.stat(out.run_dir / BEST_GENOME).st_mode & 0o044  # shareable, not 0600


class _FakeMlflow:
    """Records what devo sends to MLflow (mlflow itself is an optional extra)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def set_tracking_uri(self, uri: str) -> None:
        self.calls.append(("uri", uri))

    def start_run(self, run_id: str | None = None, run_name: str | None = None):
        self.calls.append(("start", run_id, run_name))
        from types import SimpleNamespace

        return SimpleNamespace(info=SimpleNamespace(run_id="r123"))

    def log_params(self, params: dict) -> None:
        self.calls.append(("params", dict(params)))

    def log_metrics(self, metrics: dict, step: int) -> None:
        self.calls.append(("metrics", step, dict(metrics)))

    def end_run(self, status: str = "FINISHED") -> None:
        self.calls.append(("end", status))


def test_mlflow_logging_behind_the_flag(tmp_path, monkeypatch) -> None:
    fake = _FakeMlflow()
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    exp = tiny(tmp_path, run__generations=2, run__mlflow=True, run__mlflow_uri="file:/tmp/x", run__checkpoint_every=1)
    out = start_run(exp, stream=quiet_stream())
    kinds = [c[0] for c in fake.calls]
    assert kinds[:3] == ["uri", "start", "params"] and kinds[-1] == "end" and kinds.count("metrics") == 2
    params = {k: v for c in fake.calls if c[0] == "params" for k, v in c[1].items()}
    assert params["search.popsize"] == 6 and params["run.trials"] == 2
    steps = [(c[1], c[2]["best"]) for c in fake.calls if c[0] == "metrics"]
    assert steps == [(r["generation"], r["best"]) for r in read_metrics(out.run_dir)]
    assert (out.run_dir / "mlflow_run_id").read_text() == "r123"
    fake.calls.clear()
    resume_run(out.run_dir, generations=3, stream=quiet_stream())
    assert ("start", "r123", None) in fake.calls  # the same MLflow run continues


def test_resume_may_change_workers_without_changing_numbers(ray_session, tmp_path) -> None:
    ref = start_run(tiny(tmp_path, run__generations=3), stream=quiet_stream(), run_dir=tmp_path / "ref").run_dir
    half = start_run(tiny(tmp_path, run__generations=2), stream=quiet_stream(), run_dir=tmp_path / "half").run_dir
    resume_run(half, generations=3, workers=2, stream=quiet_stream())
    assert load_experiment(half / CONFIG).run.workers == 2
    assert_same_run(ref, half)


def test_validation_chooses_the_best_genome_on_fresh_lifetimes(ray_session, tmp_path) -> None:
    """With run.validate_top, the best genome is scored on validate_trials fresh lifetimes (seeds
    apart from the search's): a fresh evaluation on those seeds gives the same figure, and 0 and 2
    workers give the same run."""
    from devo.evolve.pool import build_evaluator
    from devo.evolve.runner import STREAM_VALIDATE
    from devo.rng import derive_seed

    exp = tiny(tmp_path, run__generations=2, run__validate_top=2, run__validate_trials=3)
    d = start_run(exp, stream=quiet_stream(), run_dir=tmp_path / "w0").run_dir
    recs = read_metrics(d)
    assert [r["lifetimes"] for r in recs] == [6 * 2 + 2 * 3] * 2  # the search's and the validation's
    assert recs[-1]["lifetimes_total"] == sum(r["lifetimes"] for r in recs)
    assert recs[-1]["env_steps_total"] == sum(r["env_steps"] for r in recs)
    assert max(r["validated_best"] for r in recs) == recs[-1]["best_so_far"]
    gf = load_genome(d / BEST_GENOME)
    validated = gf.meta["evaluation"]["trial_fitness"]
    assert len(validated) == 3 and gf.meta["fitness"] == pytest.approx(np.mean(validated))
    assert recs[-1]["best_so_far"] == gf.meta["fitness"]
    ev = build_evaluator(exp)
    gen = gf.meta["generation"]
    fresh = [
        [ev(gf.genome, derive_seed(exp.seed, STREAM_VALIDATE, gen, rank, t)).fitness for t in range(3)]
        for rank in range(2)
    ]
    assert validated in fresh
    two = start_run(with_run(exp, workers=2), stream=quiet_stream(), run_dir=tmp_path / "w2").run_dir
    assert_same_run(d, two)


def _final(run_dir: Path) -> dict:
    doc = json.loads((run_dir / "final.json").read_text())
    doc.pop("wall_s")
    return doc


def test_final_selection_hands_over_the_best_of_the_hall_on_fresh_lifetimes(ray_session, tmp_path) -> None:
    """run.final_top: the run's best validated genomes (the search centre among the candidates)
    get final_trials fresh lifetimes at the end; the best genome is the best of them, its figure
    reproducible from its seeds; 0 and 2 workers agree."""
    from devo.evolve.pool import build_evaluator
    from devo.evolve.selection import CENTRE_INDEX, STREAM_FINAL
    from devo.rng import derive_seed

    exp = tiny(tmp_path, run__generations=3, run__validate_top=2, run__validate_trials=2, run__validate_centre=True,
               run__final_top=3, run__final_trials=3)  # fmt: skip
    d = start_run(exp, stream=quiet_stream(), run_dir=tmp_path / "w0").run_dir
    recs = read_metrics(d)
    assert [r["lifetimes"] for r in recs] == [6 * 2 + (2 + 1) * 2] * 3  # the centre is validated too
    final = _final(d)
    cands = final["candidates"]
    assert len(cands) == 3 and final["trials"] == 3 and final["generation"] == 3
    ranks = [(-c["search_fitness"], -c["generation"]) for c in cands]  # best first; among equals the newer
    assert ranks == sorted(ranks) and cands[0]["search_fitness"] == max(r["validated_best"] for r in recs)
    # successive halving over 3: all race once, the better 2 again, the winner a third time
    assert sorted(c["rounds"] for c in cands) == [1, 2, 3]
    assert all(c["lifetimes"] == 3 * c["rounds"] for c in cands)
    chosen = cands[final["chosen"]]
    assert chosen["rounds"] == 3
    gf = load_genome(d / BEST_GENOME)
    assert gf.meta["fitness"] == chosen["final_fitness"] and gf.meta["generation"] == chosen["generation"]
    assert gf.meta["evaluation"]["selected"] == "final"
    assert chosen["centre"] == (chosen["index"] == CENTRE_INDEX)
    ev = build_evaluator(exp)
    fresh = [ev(gf.genome, derive_seed(exp.seed, STREAM_FINAL, final["chosen"], t)).fitness for t in range(9)]
    assert gf.meta["evaluation"]["trial_fitness"] == fresh
    # the search's own record is untouched by the final lifetimes
    assert recs[-1]["lifetimes_total"] == sum(r["lifetimes"] for r in recs)
    two = start_run(with_run(exp, workers=2), stream=quiet_stream(), run_dir=tmp_path / "w2").run_dir
    assert_same_run(d, two)
    assert _final(two) == final


def test_ctrl_c_during_the_final_selection_and_resume_finishes_it(tmp_path, monkeypatch, capsys) -> None:
    """Interrupted during the final selection, the run keeps its last generation's checkpoint;
    `devo resume` runs the selection (same outcome as an uninterrupted run), then has nothing to do."""
    import devo.evolve.runner as runner

    exp = tiny(tmp_path, run__generations=2, run__validate_top=1, run__validate_trials=2, run__final_top=2,
               run__final_trials=2)  # fmt: skip
    ref = start_run(exp, stream=quiet_stream(), run_dir=tmp_path / "ref").run_dir

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "select_final", interrupted)
    out = start_run(exp, stream=quiet_stream(), run_dir=tmp_path / "cut")
    assert out.interrupted and latest_checkpoint(out.run_dir)[0] == 2
    assert not (out.run_dir / "final.json").exists()
    monkeypatch.undo()
    done = resume_run(out.run_dir, quiet=True, stream=quiet_stream())
    assert done.generations_done == 2 and not done.interrupted
    assert _final(out.run_dir) == _final(ref)
    assert load_genome(out.run_dir / BEST_GENOME).meta == {
        **load_genome(ref / BEST_GENOME).meta, "run": "cut"
    }
    again = resume_run(out.run_dir, quiet=True, stream=quiet_stream())
    assert again.generations_done == 2 and "already complete" in capsys.readouterr().out
    assert again.best_fitness == done.best_fitness == load_genome(ref / BEST_GENOME).meta["fitness"]


@pytest.mark.parametrize("common", [False, True])
def test_common_seeds_give_every_genome_of_a_generation_the_same_lifetimes(tmp_path, monkeypatch, common) -> None:
    """``run.common_seeds``: one seed tuple per generation (new each generation); else one per genome."""
    from devo.evolve.pool import LocalPool

    seen: list[list[tuple[int, ...]]] = []
    evaluate = LocalPool.evaluate

    def spy(self, genomes, jobs, *args, **kwargs):
        seen.append([seeds for _, seeds in jobs])
        return evaluate(self, genomes, jobs, *args, **kwargs)

    monkeypatch.setattr(LocalPool, "evaluate", spy)
    exp = tiny(tmp_path, run__generations=2, run__trials=2, run__common_seeds=common)
    start_run(exp, stream=quiet_stream())
    gens = seen[:2]  # the two generations' batches (validation and the final race come after)
    for batch in gens:
        assert all(len(s) == 2 for s in batch)
        assert (len(set(batch)) == 1) == common and len(batch) == exp.search.popsize
    assert gens[0][0] != gens[1][0]  # new lifetimes every generation
    assert lifetime_hash(exp) == lifetime_hash(tiny(tmp_path))  # a search option: genomes mean the same
