"""Run a campaign's missing cell-seeds, one after another, each with every worker.

A *unit* is one cell and one seed. Its state comes from the files alone:

- ``done``: its record is complete (``run.json`` written); it is never run again;
- ``resume``: its run folder has a checkpoint; `devo resume`'s code continues it (a run already at
  its last generation only has its evaluation left);
- ``new``: nothing yet (a run folder without any checkpoint is started again).

Work goes in this order: units to resume first, then new ones seed by seed (every cell's first seed
before any cell's second), so a campaign run in slices gets breadth before depth. Each unit runs
`devo run` (or `devo resume`), then `devo eval --lifetimes L` and `devo ablate --lifetimes L` on the
genome the run handed over, in-process through the same functions, then writes its record
(:mod:`devo.campaign.records`). All units share one Ray runtime (embedded, or the cluster of
``--ray-address``). ``budget_min`` stops the campaign from *starting* a unit after that many
minutes; the running one finishes. Ctrl-C or SIGTERM checkpoints the running run (exit 130); the
next invocation resumes it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devo.atomic import atomic_write_text
from devo.campaign.records import (
    ABLATION,
    CURVE,
    EVAL,
    RUN,
    curve_csv,
    is_complete,
    write_genome,
    write_json,
)
from devo.campaign.spec import Campaign, Cell, config_hash
from devo.errors import DevoError
from devo.evolve.checkpoint import latest_checkpoint
from devo.evolve.rundir import BEST_GENOME, CONFIG
from devo.experiment import Experiment

__all__ = ["Options", "Unit", "format_plan", "plan", "run_campaign"]

TIME_FILE = "campaign_time.json"  # in a run folder: wall time of every session that ran it


@dataclass(frozen=True)
class Unit:
    cell: Cell
    seed: int
    state: str  # "done" | "resume" | "new"
    detail: str = ""
    stale: bool = False  # done, but made with another config than the campaign's current one

    @property
    def label(self) -> str:
        return f"{self.cell.name} s{self.seed}"


@dataclass(frozen=True)
class Options:
    only: tuple[str, ...] = ()
    budget_min: float | None = None
    workers: int | None = None  # None: each config's run.workers
    ray_address: str | None = None
    quiet: bool = False


def plan(c: Campaign, only: Sequence[str] = (), workers: int | None = None) -> list[Unit]:
    """Every unit of the selected cells with its state, in the order of work (done ones first)."""
    units: list[Unit] = []
    for cell in c.select(only):
        for seed in c.seeds(cell):
            units.append(_unit(c, cell, seed, workers))
    rank = {id(cell): k for k, cell in enumerate(c.cells)}
    order = {"done": 0, "resume": 1, "new": 2}

    def key(u: Unit) -> tuple[int, int, int]:
        seed_rank = c.seeds(u.cell).index(u.seed)
        return (order[u.state], seed_rank if u.state == "new" else 0, rank[id(u.cell)])

    return sorted(units, key=key)


def _unit(c: Campaign, cell: Cell, seed: int, workers: int | None) -> Unit:
    rec = c.record_dir(cell, seed)
    if is_complete(rec):
        try:
            made = json.loads((rec / RUN).read_text()).get("config_hash")
        except (OSError, json.JSONDecodeError):
            made = None
        now = config_hash(c.experiment(cell, seed, workers=workers))
        stale = made != now
        why = f"; made with config {made}, the campaign's is now {now}: delete the folder to run it again"
        return Unit(cell, seed, "done", c.shown(rec) + (why if stale else ""), stale)
    run_dir = c.run_dir(cell, seed)
    found = latest_checkpoint(run_dir)
    if found is not None:
        target = c.experiment(cell, seed).run.generations
        left = " (only its evaluation is left)" if found[0] >= target else ""
        return Unit(cell, seed, "resume", f"{c.shown(run_dir)}: checkpoint at generation {found[0]} of {target}{left}")
    return Unit(cell, seed, "new", c.shown(run_dir))


def format_plan(c: Campaign, units: list[Unit]) -> str:
    counts = {s: sum(u.state == s for u in units) for s in ("done", "resume", "new")}
    cells = len({u.cell.name for u in units})
    lines = [
        f"campaign {c.shown(c.path)}: {cells} cell(s), {len(units)} cell-seed(s): {counts['done']} done, "
        f"{counts['resume']} to resume, {counts['new']} new"
    ]
    lines += [f"  {u.state:<7}{u.label:<34} {u.detail}" for u in units]
    stale = [u.label for u in units if u.stale]
    if stale:
        lines.append(f"note: {len(stale)} record(s) were made with another config than the campaign's now: "
                     + ", ".join(stale))  # fmt: skip
    return "\n".join(lines)


class _Ray:
    """One Ray runtime for every unit: started (or joined) on first need, shut down at the end if
    this campaign started it. A runtime that is already up (a test session's) is used as it is."""

    def __init__(self) -> None:
        self.owned = False

    def ensure(self, exp: Experiment) -> None:
        if exp.run.workers == 0:
            return
        import ray

        if ray.is_initialized():
            return
        from devo.evolve.pool import init_ray

        init_ray(None if exp.run.workers < 0 else exp.run.workers, exp.run.ray_address)
        self.owned = True

    def workers(self, exp: Experiment) -> int:
        if exp.run.workers >= 0:
            return exp.run.workers
        import ray

        return int(ray.cluster_resources().get("CPU", 1)) if ray.is_initialized() else os.cpu_count() or 1

    def close(self) -> None:
        if self.owned:
            import ray

            ray.shutdown()
            self.owned = False


def run_campaign(c: Campaign, opts: Options, log: Callable[[str], None] = print) -> int:
    """Run the missing units of the selected cells (see the module docstring); returns an exit code
    (0: done or budget reached, 130: interrupted). The report is left to the caller."""
    if opts.budget_min is not None and not opts.budget_min > 0:
        raise DevoError(f"--budget-min must be > 0 minutes, got {opts.budget_min}")
    units = plan(c, opts.only, opts.workers)
    todo = [u for u in units if u.state != "done"]
    log(format_plan(c, units).splitlines()[0])
    if not todo:
        log("nothing to run: every selected cell-seed has its record")
        return 0
    start = time.monotonic()
    ray = _Ray()
    try:
        for k, unit in enumerate(todo):
            spent = (time.monotonic() - start) / 60
            if opts.budget_min is not None and spent >= opts.budget_min:
                left = ", ".join(u.label for u in todo[k:])
                log(f"budget of {opts.budget_min:g} min reached after {spent:.1f} min: {len(todo) - k} cell-seed(s) "
                    f"not started ({left}); run the same command again to continue")  # fmt: skip
                return 0
            log(f"[{k + 1}/{len(todo)}] {unit.label}: {unit.state} ({unit.detail})")
            try:
                _run_unit(c, unit, opts, ray, log)
            except KeyboardInterrupt:
                log(f"campaign stopped during {unit.label}; run the same command again to continue "
                    "(a stopped run resumes from its newest checkpoint)")  # fmt: skip
                return 130
            except DevoError as exc:
                raise DevoError(f"cell {unit.cell.name!r} seed {unit.seed}: {exc}") from None
    finally:
        ray.close()
    log(f"campaign: {len(todo)} cell-seed(s) run in {(time.monotonic() - start) / 60:.1f} min")
    return 0


def _run_unit(c: Campaign, unit: Unit, opts: Options, ray: _Ray, log: Callable[[str], None]) -> None:
    from devo.evolve.ablate import ablate_genome
    from devo.evolve.evaluate import evaluate_genome
    from devo.evolve.metrics import read_metrics
    from devo.evolve.runner import resume_run, start_run
    from devo.evolve.target import resolve_target

    cell, seed = unit.cell, unit.seed
    exp = c.experiment(cell, seed, workers=opts.workers, ray_address=opts.ray_address)
    run_dir = c.run_dir(cell, seed)
    from devo.warmup import ensure_compiled

    ensure_compiled(exp)  # a first run on this machine: say so, and time it (as `devo run`)
    ray.ensure(exp)
    # The campaign's own configs name the task; the run folder and the genome file repeat it (checked
    # equal through the config hash), so their task is as trusted as `devo run CONFIG`'s.
    trust = (exp.task.env,)
    t0 = time.monotonic()
    try:
        if latest_checkpoint(run_dir) is not None:
            _check_same_config(run_dir, exp)
            outcome = resume_run(
                run_dir, workers=exp.run.workers, ray_address=exp.run.ray_address, quiet=opts.quiet, trust=trust
            )
        else:
            _clear_partial(run_dir)
            run_dir.parent.mkdir(parents=True, exist_ok=True)
            outcome = start_run(exp, quiet=opts.quiet, run_dir=run_dir)
    finally:
        sessions = _add_time(run_dir, time.monotonic() - t0)
    if outcome.interrupted:
        raise KeyboardInterrupt
    rec = c.record_dir(cell, seed)
    genome = write_genome(rec, run_dir / BEST_GENOME)
    shown = c.shown(genome)
    t = resolve_target(genome, trust)
    g_exp, gf = t.experiment, t.genome_file
    workers, lifetimes, eval_seed = exp.run.workers, c.spec.lifetimes, c.spec.eval_seed
    t1 = time.monotonic()
    log(f"  devo eval {shown} --lifetimes {lifetimes}")
    ev = evaluate_genome(g_exp, gf, lifetimes=lifetimes, seed=eval_seed, workers=workers, source=shown)
    t2 = time.monotonic()
    log(f"  devo ablate {shown} --lifetimes {lifetimes}")
    ab = ablate_genome(g_exp, gf, lifetimes=lifetimes, seed=eval_seed, workers=workers, source=shown)
    t3 = time.monotonic()
    atomic_write_text(rec / EVAL, ev.to_json() + "\n")
    atomic_write_text(rec / ABLATION, ab.to_json() + "\n")
    metrics = read_metrics(run_dir)
    atomic_write_text(rec / CURVE, curve_csv(metrics))
    evaluation = gf.meta.get("evaluation") or {}
    write_json(rec / RUN, {
        "cell": cell.name,
        "seed": seed,
        "campaign": c.shown(c.path),
        "config": c.shown(c.config_path(cell)),
        "overrides": list(cell.set),
        "commands": {
            "run": c.run_command(cell, seed),
            "eval": f"devo eval {shown} --lifetimes {lifetimes} --seed {eval_seed} --json",
            "ablate": f"devo ablate {shown} --lifetimes {lifetimes} --seed {eval_seed} --json",
        },
        "config_hash": config_hash(exp),
        "lifetime_hash": gf.meta.get("lifetime_hash"),
        "generations": int(outcome.generations_done),
        "best_fitness": _finite(gf.meta.get("fitness")),
        "best_generation": gf.meta.get("generation"),
        "selected_by": "final race" if evaluation.get("selected") == "final" else "search",
        "wall_s": {
            "run": round(sessions["run_wall_s"], 1),
            "generations": round(sum(float(m.get("wall_s", 0.0)) for m in metrics), 1),
            "eval": round(t2 - t1, 1),
            "ablate": round(t3 - t2, 1),
        },
        "sessions": sessions["sessions"],
        "machine": _machine(ray.workers(exp), exp.run.ray_address),
        "devo": _devo_version(),
    })  # fmt: skip
    log(f"  record: {c.shown(rec)} (return {_num(ev.all_episodes.get('mean'))} over {lifetimes} lifetimes)")


def _num(x: Any) -> str:
    return "-" if x is None else f"{x:.4g}"


def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and x == x and abs(x) != float("inf") else None


def _check_same_config(run_dir: Path, exp: Experiment) -> None:
    from devo.experiment import load_experiment

    try:
        theirs = config_hash(load_experiment(run_dir / CONFIG))
    except DevoError as exc:
        raise DevoError(f"the run folder {str(run_dir)!r} has an unreadable {CONFIG} ({exc})") from None
    if theirs != config_hash(exp):
        raise DevoError(
            f"the run folder {str(run_dir)!r} was started with another config than the campaign's now (hash {theirs}, "
            f"now {config_hash(exp)}); delete it to start this cell-seed again, or restore the config"
        )


def _clear_partial(run_dir: Path) -> None:
    """A run folder with no checkpoint yet (stopped in its first generations) is started again."""
    if not run_dir.exists():
        return
    if any(run_dir.iterdir()) and not (run_dir / CONFIG).is_file():
        raise DevoError(f"{str(run_dir)!r} is in the way of a run folder and is not one (no {CONFIG}); move it")
    shutil.rmtree(run_dir)


def _add_time(run_dir: Path, seconds: float) -> dict[str, Any]:
    """Add one session's wall time to the run folder's tally; returns the tally."""
    path = run_dir / TIME_FILE
    tally = {"run_wall_s": 0.0, "sessions": 0}
    if path.is_file():
        with suppress(OSError, json.JSONDecodeError):
            tally.update(json.loads(path.read_text()))
    tally = {"run_wall_s": float(tally["run_wall_s"]) + seconds, "sessions": int(tally["sessions"]) + 1}
    if run_dir.is_dir():
        atomic_write_text(path, json.dumps(tally) + "\n")
    return tally


def _cpu_model() -> str:
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _machine(workers: int, ray_address: str) -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "workers": workers,
        "ray": "in-process" if workers == 0 else ("cluster" if ray_address else "embedded"),
    }


def _devo_version() -> dict[str, Any]:
    """devo's version and, in a git checkout, the commit and whether files differ from it."""
    from devo import __version__

    root = Path(__file__).resolve().parents[2]
    out: dict[str, Any] = {"version": __version__, "commit": None, "modified": None}

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit:
        out["commit"] = commit.strip()
        status = git("status", "--porcelain", "--untracked-files=no", "--", "devo")
        out["modified"] = bool(status and status.strip())
    return out
