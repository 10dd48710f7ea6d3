"""The generation loop of `devo run` and `devo resume`.

Order of work, so that bad input costs nothing: validate the config, resolve the environment,
probe the Ray address, build one evaluator in the driver (genome size, initial centre), check that
its lifetimes fit in memory, play one preflight episode of the environment, check an initial
genome file -- all before Ray starts -- then open the pool (Ray, the workers' devo identity, the
warm-up lifetimes), create the run directory, and loop::

    step the searcher (its batch evaluation goes through the pool)
    -> with run.validate_top > 0: the generation's best few (and the search centre) again, on
       fresh lifetimes; the hall of fame keeps the run's best
    -> metrics line, TensorBoard, MLflow; best genome file if the best improved
    -> snapshot of the complete state (kept in memory)
    -> every `checkpoint_every` generations and at the end: the snapshot to disk, atomically
    at the last generation, with run.final_top > 0: the final selection (devo.evolve.selection)

A generation in which every lifetime failed stops the run (exit 2, with the first errors); a run
that ends without any valid genome is an error too; an ``OSError`` of the run's files ends it with
a message naming the file, the cause and the last good checkpoint (:func:`rundir.storage_error`).

Ctrl-C (SIGINT) or SIGTERM at any point: the snapshot of the last *completed* generation is
written as the final checkpoint and the run exits (code 130); `devo resume` continues from it.
A kill -9 loses only the generations after the last checkpoint. Resuming truncates
``metrics.jsonl`` to the checkpoint and restores every RNG, so the resumed run's numbers equal
an uninterrupted run's.
"""

from __future__ import annotations

import json
import random
import signal
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch

from devo.atomic import atomic_write_text
from devo.errors import ConfigError, DevoError
from devo.evolve.checkpoint import (
    capture_rng,
    encode_checkpoint,
    latest_checkpoint,
    read_checkpoint,
    restore_rng,
    write_checkpoint,
)
from devo.evolve.display import Display
from devo.evolve.metrics import MetricsWriter, check_mlflow, generation_record, truncate_metrics
from devo.evolve.pool import Pool, build_evaluator, open_pool
from devo.evolve.problem import DevoProblem, GenomeEval, aggregate_trials
from devo.evolve.rundir import BEST_GENOME, CONFIG, make_run_dir, storage_error
from devo.evolve.searchers import build_searcher
from devo.evolve.selection import CENTRE_INDEX, centre_of, select_final, update_hall, write_final
from devo.experiment import (
    Experiment,
    experiment_to_dict,
    experiment_to_toml,
    lifetime_hash,
    load_experiment,
)
from devo.genome_io import check_genome, check_transfer, load_genome, save_genome
from devo.lifetime import WORST_FITNESS
from devo.lifetime.capacity import check_capacity
from devo.rng import derive_seed

__all__ = ["RunOutcome", "RunState", "resume_run", "start_run"]

# Streams of the run seed that are not lifetimes (lifetimes use (seed, generation, index, trial)).
STREAM_SEARCHER = 0x5E4C
STREAM_GLOBAL = 0x6C0B
STREAM_CENTER = 0xCE7E
STREAM_VALIDATE = 0x7A11


@dataclass
class RunState:
    """Everything besides the searcher that a checkpoint must carry."""

    generation: int = 0  # generations done
    best_fitness: float = float("-inf")
    best_genome: np.ndarray | None = None
    best_generation: int = -1
    best_eval: dict[str, Any] | None = None
    env_steps_total: int = 0
    lifetimes_total: int = 0
    hall: list[dict[str, Any]] = field(default_factory=list)  # the run's best validated genomes
    final_generation: int = -1  # generation at which the final selection last ran
    final_best: dict[str, Any] | None = None  # its winner: genome, fitness, generation, evaluation

    def handed_over(self) -> tuple[np.ndarray | None, float, int, dict[str, Any] | None]:
        """The run's best genome as it stands: the final selection's winner when it ran at this
        generation, else the search's best (genome, fitness, generation, evaluation)."""
        f = self.final_best
        if f is not None and self.final_generation == self.generation:
            return f["genome"], f["fitness"], f["generation"], f["evaluation"]
        return self.best_genome, self.best_fitness, self.best_generation, self.best_eval


@dataclass
class RunOutcome:
    run_dir: Path
    generations_done: int
    best_fitness: float
    interrupted: bool
    no_genome: bool = False  # finished, but no genome ever had a valid evaluation

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else 2 if self.no_genome else 0


class GenerationFailed(DevoError):
    """Every lifetime of a generation failed: the run cannot learn anything; it stops."""


def _lifetimes_at_once(exp: Experiment) -> int:
    """Lifetimes that may be in memory at once on this machine: the driver's, plus one per local worker."""
    import os

    if exp.run.workers == 0:
        return 1
    if exp.run.ray_address:
        return 1  # the workers live on the cluster's nodes
    return 1 + (exp.run.workers if exp.run.workers > 0 else (os.cpu_count() or 1))


def _check_task(exp: Experiment) -> None:
    from devo.environments import make_task

    try:
        make_task(exp.task.env, **exp.task.make_kwargs())
    except DevoError as exc:
        raise DevoError(f"task.env: {exc}") from None


def _preflight(exp: Experiment, evaluator: Any) -> None:
    """One short random episode of the task through a pickled copy (as workers get it): an
    environment that raises or gives non-finite values stops the run here, before Ray starts."""
    from devo.environments import preflight

    try:
        preflight(evaluator.task, seed=exp.seed)
    except DevoError as exc:
        raise DevoError(f"task.env: {exc}; nothing was started") from None


def _checked_evaluator(exp: Experiment) -> Any:
    """What a start and a resume check before any Ray (MLflow, the Ray address), then the
    evaluator, its memory and a preflight lifetime."""
    if exp.run.mlflow:
        check_mlflow()
    if exp.run.ray_address and exp.run.workers != 0:
        from devo.evolve.raynet import check_address

        check_address(exp.run.ray_address)
    evaluator = build_evaluator(exp)
    check_capacity(evaluator, _lifetimes_at_once(exp))
    _preflight(exp, evaluator)
    return evaluator


def _prepare(exp: Experiment) -> tuple[Any, np.ndarray]:
    """Everything that can fail on bad input, before any run directory or Ray: the task and its
    preflight episode, the Ray address, the evaluator and its memory, the centre."""
    _check_task(exp)
    evaluator = _checked_evaluator(exp)
    size = int(evaluator.genome_size)
    if exp.run.init_genome:
        gf = load_genome(exp.run.init_genome)
        if exp.run.init_transfer:
            mine = experiment_to_dict(exp)
            check_transfer(gf, size, {k: mine[k] for k in ("network", "develop")})
        else:
            check_genome(gf, size, lifetime_hash(exp))
        center = gf.genome
    else:
        center = np.asarray(evaluator.initial_genome(derive_seed(exp.seed, STREAM_CENTER)), dtype=np.float32)
        if exp.search.init:
            try:
                center = evaluator.spec.with_values(center, exp.search.init)
            except (KeyError, ValueError) as exc:
                raise ConfigError(f"search.init: {exc.args[0]}") from None
    if center.shape != (size,):
        raise DevoError(f"the lifetime's initial genome has shape {center.shape}, expected ({size},)")
    return evaluator, center


def _seed_globals(seed: int) -> None:
    s = derive_seed(seed, STREAM_GLOBAL)
    torch.manual_seed(s % (2**63))
    np.random.seed(s % (2**32))  # noqa: NPY002 - seeds library code that uses the global generator
    random.seed(s)


def _spread(searcher: Any) -> float | None:
    for key in ("stdev", "stepsize"):
        try:
            v = searcher.status[key]
        except (KeyError, AttributeError, TypeError):
            continue
        return float(torch.as_tensor(v, dtype=torch.float64).mean())
    return None


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a scheduler stopping the job) is handled like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class _Run:
    """One process's share of a run: from a fresh start or a checkpoint to the target generation."""

    def __init__(
        self, exp: Experiment, run_dir: Path, searcher: Any, state: RunState, pool: Pool, display: Display
    ) -> None:
        self.exp = exp
        self.run_dir = run_dir
        self.searcher = searcher
        self.problem: DevoProblem = searcher.problem
        self.state = state
        self.pool = pool
        self.display = display
        self.hash = lifetime_hash(exp)
        self.exp_dict = experiment_to_dict(exp)
        self._errors_shown: set[str] = set()

    def snapshot(self) -> bytes:
        return encode_checkpoint(
            {
                "generation": self.state.generation,
                "searcher": self.searcher,
                "problem_rng": self.problem.generator.get_state(),
                "global_rng": capture_rng(),
                "state": asdict(self.state),
                "lifetime_hash": self.hash,
                "genome_size": int(self.problem.solution_length),
                "experiment": self.exp_dict,
            }
        )

    def save_best(self) -> None:
        genome, fitness, generation, evaluation = self.state.handed_over()
        if genome is None:
            (self.run_dir / BEST_GENOME).unlink(missing_ok=True)
            return
        save_genome(
            self.run_dir / BEST_GENOME,
            genome,
            {
                "lifetime_hash": self.hash,
                "env": self.exp.task.env,
                "name": self.exp.name,
                "seed": self.exp.seed,
                "run": self.run_dir.name,
                "fitness": fitness,
                "generation": generation,
                "evaluation": evaluation,
                "config": self.exp_dict,
            },
        )

    def _validate(
        self, generation: int, evaluated: list[tuple[np.ndarray, GenomeEval]]
    ) -> list[tuple[np.ndarray, GenomeEval]]:
        """The generation's ``validate_top`` best valid genomes, and with ``validate_centre`` the
        search centre after this generation's update (index ``CENTRE_INDEX``), each re-evaluated on
        ``validate_trials`` fresh lifetimes (seeds ``(run seed, STREAM_VALIDATE, generation, rank,
        trial)``, disjoint from the search's); their fitness is then the validated one."""
        top, trials = self.exp.run.validate_top, self.exp.run.validate_trials
        ranked = sorted((x for x in evaluated if x[1].valid), key=lambda x: -x[1].fitness)[:top]
        candidates = [(g, e.index) for g, e in ranked]
        centre = centre_of(self.searcher) if self.exp.run.validate_centre else None
        if centre is not None:
            candidates.append((centre, CENTRE_INDEX))
        if not candidates:
            return []
        genomes = np.stack([g for g, _ in candidates]).astype(np.float32)
        seed = self.exp.seed
        jobs = [(k, tuple(derive_seed(seed, STREAM_VALIDATE, generation, k, t) for t in range(trials)))
                for k in range(len(candidates))]
        records = self.pool.evaluate(genomes, jobs)
        how = self.exp.run.aggregate
        return [(genomes[k], aggregate_trials(candidates[k][1], recs, how)) for k, recs in enumerate(records)]

    def _track_best(self, generation: int, evaluated: list[tuple[np.ndarray, GenomeEval]]) -> None:
        self.state.hall = update_hall(self.state.hall, evaluated, generation, self.exp.run.final_top)
        best: tuple[np.ndarray, GenomeEval] | None = None
        for genome, ev in evaluated:
            if ev.valid and (best is None or ev.fitness > best[1].fitness):
                best = (genome, ev)
        if best is not None and best[1].fitness > self.state.best_fitness:
            self.state.best_fitness = best[1].fitness
            self.state.best_genome = best[0].copy()
            self.state.best_generation = generation
            self.state.best_eval = best[1].to_dict()
            self.save_best()

    def _report_problems(self, generation: int, evals: list[GenomeEval], deaths_before: int) -> None:
        deaths = self.pool.stats.worker_deaths - deaths_before
        if deaths:
            self.display.message(f"gen {generation}: {deaths} worker death(s); their genomes were re-sent")
        for e in evals:
            for what, msgs in (("raised", e.errors), ("blew up", e.nan_reasons)):
                for msg in msgs:
                    if msg not in self._errors_shown and len(self._errors_shown) < 5:
                        self._errors_shown.add(msg)
                        self.display.message(f"gen {generation}: a lifetime {what} (worst fitness given): {msg}")

    def loop(self, metrics: MetricsWriter) -> bool:
        """Run to ``run.generations``; returns True if interrupted (after the final checkpoint)."""
        every, target, keep = self.exp.run.checkpoint_every, self.exp.run.generations, self.exp.run.keep_checkpoints
        snapshot: bytes | None = None
        snapshot_gen = written = self.state.generation
        self.display.begin()
        try:
            with _sigterm_as_interrupt():
                for g in range(self.state.generation, target):
                    deaths_before = self.pool.stats.worker_deaths
                    t0 = time.perf_counter()
                    self.problem.begin_generation(g)
                    self.searcher.step()
                    evaluated = self.problem.evaluated
                    evals = [e for _, e in evaluated]
                    validated = self._validate(g, evaluated) if self.exp.run.validate_top > 0 else []
                    self._track_best(g, validated or evaluated)
                    wall = time.perf_counter() - t0  # the whole generation, validation included
                    v_evals = [e for _, e in validated]
                    self.state.env_steps_total += sum(e.env_steps for e in evals + v_evals)
                    self.state.lifetimes_total += sum(len(e.trial_fitness) for e in evals + v_evals)
                    rec = generation_record(
                        g,
                        evals,
                        best_so_far=self.state.best_fitness if self.state.best_genome is not None else WORST_FITNESS,
                        env_steps_total=self.state.env_steps_total,
                        lifetimes_total=self.state.lifetimes_total,
                        spread=_spread(self.searcher),
                        wall_s=wall,
                        validated=v_evals,
                    )
                    metrics.write(rec)
                    self._stop_if_all_failed(g, evals)
                    self.state.generation = g + 1
                    snapshot, snapshot_gen = self.snapshot(), g + 1
                    if (g + 1) % every == 0 or g + 1 == target:
                        write_checkpoint(self.run_dir, g + 1, snapshot, keep)
                        written = g + 1
                    self._report_problems(g, evals, deaths_before)
                    self.display.generation(rec)
            if self.final_due():
                self._final_selection()
        except KeyboardInterrupt:
            if snapshot is not None and snapshot_gen != written:
                write_checkpoint(self.run_dir, snapshot_gen, snapshot, keep)
            self.display.message(
                f"interrupted: checkpoint at generation {snapshot_gen}; continue with: devo resume {self.run_dir}"
            )
            return True
        return False

    def _stop_if_all_failed(self, generation: int, evals: list[GenomeEval]) -> None:
        """A generation in which every lifetime raised or blew up cannot teach the searcher anything
        (every genome got the worst fitness): stop with the first errors rather than search blind."""
        if not evals or any(e.nan + len(e.errors) < len(e.trial_fitness) for e in evals):
            return
        firsts = list(dict.fromkeys(m for e in evals for m in (*e.errors, *e.nan_reasons)))
        n = sum(len(e.trial_fitness) for e in evals)
        shown = "; ".join(firsts[:3]) or "no message"
        raise GenerationFailed(
            f"generation {generation}: every one of its {n} lifetimes failed (raised or blew up), so the run "
            f"stopped. First errors: {shown}. Check the environment with `devo check-env {self.exp.task.env}` and "
            f"the config; the run directory {self.run_dir} keeps what was written"
        )

    def first_errors(self) -> list[str]:
        return sorted(self._errors_shown)

    def final_due(self) -> bool:
        s = self.state
        return (self.exp.run.final_top > 0 and bool(s.hall) and s.generation >= self.exp.run.generations
                and s.final_generation != s.generation)  # fmt: skip

    def _final_selection(self) -> None:
        """Every hall entry on ``final_trials`` fresh lifetimes; the best is handed over as the best
        genome (its fitness: the final mean). The search's own best and totals stay as they were
        (the final lifetimes are counted in ``final.json``); this generation's checkpoint is
        rewritten with the outcome."""
        s, run = self.state, self.exp.run
        self.display.message(
            f"final selection: a race among {len(s.hall)} genome(s) of the hall of fame, {run.final_trials} "
            "fresh lifetimes a round"
        )
        deaths_before = self.pool.stats.worker_deaths
        sel = select_final(self.pool, s.hall, self.exp.seed, run.final_trials, run.aggregate)
        deaths = self.pool.stats.worker_deaths - deaths_before
        if deaths:
            self.display.message(f"final selection: {deaths} worker death(s); their lifetimes were re-sent")
        write_final(self.run_dir, s.hall, sel, s.generation, run.final_trials)
        h, e = s.hall[sel.chosen], sel.best
        s.final_best = {
            "genome": np.array(h["genome"], np.float32), "fitness": e.fitness, "generation": h["generation"],
            "evaluation": {**e.to_dict(), "selected": "final", "search_fitness": h["fitness"]},
        }  # fmt: skip
        s.final_generation = s.generation
        self.save_best()
        write_checkpoint(self.run_dir, s.generation, self.snapshot(), self.exp.run.keep_checkpoints)
        what = "the search centre" if h["index"] == CENTRE_INDEX else f"genome {h['index']}"
        self.display.message(
            f"final selection: best {e.fitness:.6g} over {len(e.trial_fitness)} lifetimes ({what} of generation "
            f"{h['generation']}, {h['fitness']:.6g} during the search); {sel.wall_s:.1f} s"
        )


def _finish(run: _Run, metrics: MetricsWriter, interrupted: bool) -> RunOutcome:
    metrics.close(finished=not interrupted)
    s = run.state
    genome, fitness, generation, _ = s.handed_over()
    if interrupted:
        return RunOutcome(run.run_dir, s.generation, fitness, interrupted)
    if genome is None:
        errors = run.first_errors()
        raise DevoError(
            f"{s.generation} generation(s) finished but no genome had a valid evaluation (each had a lifetime that "
            f"raised or blew up), so there is no {BEST_GENOME} in {run.run_dir}"
            + (f". First errors: {'; '.join(errors[:3])}" if errors else "")
        )
    run.display.message(
        f"done: {s.generation} generations; best fitness {fitness:.6g} (generation {generation}); "
        f"{run.run_dir / BEST_GENOME}"
    )
    return RunOutcome(run.run_dir, s.generation, fitness, interrupted)


def _metrics_writer(exp: Experiment, run_dir: Path, start_generation: int) -> MetricsWriter:
    return MetricsWriter(
        run_dir,
        tensorboard=exp.run.tensorboard,
        mlflow=exp.run.mlflow,
        mlflow_uri=exp.run.mlflow_uri,
        params=experiment_to_dict(exp),
        config_text=experiment_to_toml(exp),
        start_generation=start_generation,
    )


def _open_pool(exp: Experiment, evaluator: Any) -> Pool:
    """Open the pool without touching the global RNGs (opening may run a warm-up lifetime)."""
    rng = capture_rng()
    try:
        return open_pool(
            exp,
            exp.run.workers,
            exp.run.ray_address,
            chunk_size=exp.run.chunk_size,
            max_retries=exp.run.max_retries,
            evaluator=evaluator,
        )
    finally:
        restore_rng(rng)


def _execute(
    exp: Experiment, run_dir: Path, searcher: Any, state: RunState, display: Display, pool: Pool
) -> RunOutcome:
    """Loop from ``state.generation`` with an open pool; close everything whatever happens. A file
    error (disk full, read-only, removed folder) ends the run with a message naming the file, the
    cause and the last good checkpoint."""
    try:
        return _loop_and_finish(exp, run_dir, searcher, state, display, pool)
    except OSError as exc:
        if isinstance(exc, (BrokenPipeError, ConnectionError)):
            raise
        raise storage_error(exc, run_dir) from None
    finally:
        pool.close()


def _loop_and_finish(
    exp: Experiment, run_dir: Path, searcher: Any, state: RunState, display: Display, pool: Pool
) -> RunOutcome:
    metrics: MetricsWriter | None = None
    try:
        metrics = _metrics_writer(exp, run_dir, state.generation)
        searcher.problem.pool = pool
        for msg in pool.warm_errors:
            display.message(
                f"warm-up: a lifetime of the initial genome failed ({msg}); generation 0 shows whether the "
                "searched genomes fail too"
            )
        run = _Run(exp, run_dir, searcher, state, pool, display)
        if state.generation > 0:
            run.save_best()  # the file may hold a best found after the checkpoint; the resume finds it again
        interrupted = run.loop(metrics)
        display.close()
        return _finish(run, metrics, interrupted)
    except BaseException:
        if metrics is not None:
            with suppress(Exception):
                metrics.close(finished=False)
        display.close()
        raise


def _run_dir_for(exp: Experiment, run_dir: Path | None) -> Path:
    """Check where the run directory will go (before Ray starts): ``run_dir`` must be empty or new;
    else ``run.out`` must be (or become) a writable folder."""
    where = Path(run_dir) if run_dir is not None else Path(exp.run.out)
    try:
        if where.exists() and not where.is_dir():
            raise DevoError(f"{str(where)!r} is a file, not a folder; choose another --out")
        where.mkdir(parents=True, exist_ok=True)
        if run_dir is not None and any(where.iterdir()):
            raise DevoError(f"run directory {str(where)!r} is not empty")
    except OSError as exc:
        raise DevoError(
            f"cannot create the folder {str(exc.filename or where)!r} for run directories ({exc.strerror or exc}); "
            "choose a writable --out"
        ) from None
    return where


def _create_run_dir(exp: Experiment, run_dir: Path | None) -> Path:
    try:
        path = make_run_dir(exp.run.out, exp.task.env, exp.name, exp.seed) if run_dir is None else Path(run_dir)
        atomic_write_text(path / CONFIG, experiment_to_toml(exp))
    except OSError as exc:
        where = exc.filename or (run_dir if run_dir is not None else exp.run.out)
        raise DevoError(
            f"cannot create the run directory in {str(where)!r} ({exc.strerror or exc}); nothing was run. "
            "Choose a writable --out (or free space)"
        ) from None
    return path


def start_run(
    exp: Experiment, *, quiet: bool = False, stream: TextIO | None = None, run_dir: Path | None = None
) -> RunOutcome:
    """Run ``exp`` from generation 0 in a new run directory (or ``run_dir``, which must be empty)."""
    evaluator, center = _prepare(exp)
    _seed_globals(exp.seed)
    problem = DevoProblem(
        evaluator.genome_size,
        center,
        stdev_init=exp.search.stdev_init,
        run_seed=exp.seed,
        trials=exp.run.trials,
        aggregate=exp.run.aggregate,
        common_seeds=exp.run.common_seeds,
        searcher_seed=derive_seed(exp.seed, STREAM_SEARCHER),
    )
    searcher = build_searcher(
        exp.search.algorithm, problem, exp.search.hyper(), exp.search.popsize, exp.search.stdev_init, center
    )
    _run_dir_for(exp, run_dir)
    pool = _open_pool(exp, evaluator)  # Ray joins or starts before any run directory exists
    try:
        run_dir = _create_run_dir(exp, run_dir)
    except BaseException:
        pool.close()
        raise
    display = Display(exp.run.generations, quiet=quiet, stream=stream)
    display.message(f"run directory: {run_dir}")
    return _execute(exp, run_dir, searcher, RunState(), display, pool)


def resume_run(
    run_dir: str | Path,
    *,
    generations: int | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    quiet: bool = False,
    stream: TextIO | None = None,
    trust: Iterable[str] = (),
) -> RunOutcome:
    """Continue the run in ``run_dir`` from its newest readable checkpoint (to ``generations`` in
    all, if given).

    ``workers`` and ``ray_address`` may change (they never change the numbers); the run's config
    file is rewritten with any change. The config is a file: a ``"module:attr"`` environment in it
    is built only if named in ``trust`` (``--trust-task``; :mod:`devo.environments.trust`).
    """
    from devo.environments.trust import require_trusted_task

    run_dir = Path(run_dir)
    if not (run_dir / CONFIG).is_file():
        raise DevoError(f"{str(run_dir)!r} is not a run directory (no {CONFIG})")
    if latest_checkpoint(run_dir) is None:
        raise DevoError(f"{str(run_dir)!r} has no checkpoint yet; start it again with devo run")
    exp = load_experiment(run_dir / CONFIG)
    require_trusted_task(exp, f"{str(run_dir / CONFIG)!r}", trust)
    notes: list[str] = []
    payload = read_checkpoint(run_dir, log=notes.append)
    for note in notes:
        print(f"{run_dir}: {note}", file=sys.stderr)
    done = int(payload["generation"])
    if payload.get("lifetime_hash") != lifetime_hash(exp):
        raise DevoError(
            f"{run_dir / CONFIG}: the lifetime sections differ from the checkpoint's; a resume must use the run's "
            "own config (restore the file or start a new run)"
        )
    changes: dict[str, Any] = {}
    if generations is not None:
        if generations < done:
            raise DevoError(f"--generations {generations}: the run already has {done} generations")
        changes["generations"] = generations
    if workers is not None:
        changes["workers"] = workers
    if ray_address is not None:
        changes["ray_address"] = ray_address
    if changes:
        exp = load_experiment(run_dir / CONFIG, [f"run.{k}={json.dumps(v)}" for k, v in changes.items()])
    st = payload["state"]
    try:
        state = RunState(**st)
    except TypeError as exc:
        raise DevoError(f"the checkpoint of {str(run_dir)!r} is damaged: its state does not fit ({exc})") from None
    final_pending = exp.run.final_top > 0 and bool(st.get("hall")) and st.get("final_generation", -1) != done
    if done >= exp.run.generations and not final_pending:
        print(f"{run_dir}: already complete ({done} of {exp.run.generations} generations); nothing to do")
        return RunOutcome(run_dir, done, float(state.handed_over()[1]), False)
    evaluator = _checked_evaluator(exp)
    if int(evaluator.genome_size) != int(payload["genome_size"]):
        raise DevoError(
            f"the lifetime now makes genomes of {evaluator.genome_size} values, the checkpoint has "
            f"{payload['genome_size']}: devo's lifetime changed since this run started"
        )
    searcher = payload["searcher"]
    try:
        searcher.problem.generator.set_state(payload["problem_rng"])
        restore_rng(payload["global_rng"])
    except (AttributeError, TypeError, ValueError, RuntimeError, KeyError) as exc:
        raise DevoError(f"the newest checkpoint of {str(run_dir)!r} is damaged: {type(exc).__name__}: {exc}") from None
    pool = _open_pool(exp, evaluator)
    try:
        if changes:
            atomic_write_text(run_dir / CONFIG, experiment_to_toml(exp))
        truncate_metrics(run_dir, done)
    except OSError as exc:
        pool.close()
        raise storage_error(exc, run_dir) from None
    except BaseException:
        pool.close()
        raise
    display = Display(exp.run.generations, quiet=quiet, stream=stream)
    display.message(f"resuming {run_dir} at generation {done}")
    return _execute(exp, run_dir, searcher, state, display, pool)
