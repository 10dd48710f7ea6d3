"""What `devo inspect` does with its target: find the genome and its config, check they fit, regrow,
evaluate, write everything. Every problem a user can fix is a :class:`~devo.errors.DevoError` that
says what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devo.errors import DevoError

__all__ = ["Target", "inspect_target", "lifetime_seed", "resolve"]

GENOME_HINT = (
    "give a genome file written by `devo run` (RUN_DIR/best_genome.npz) or by devo.genome_io.save_genome"
)


@dataclass
class Target:
    """A genome to inspect and everything around it."""

    setup: Any  # an Experiment
    genome_file: Any  # a GenomeFile
    source: str
    metrics: Path | None
    default_out: Path
    config_given: bool
    from_run_dir: bool


def _load_genome(path: Path) -> Any:
    from devo.genome_io import load_genome

    try:
        return load_genome(path)
    except DevoError as exc:
        raise DevoError(f"{exc}; {GENOME_HINT}") from None


def _load_config(path: Path, what: str) -> Any:
    from devo.experiment import load_experiment

    try:
        return load_experiment(path)
    except DevoError as exc:
        raise DevoError(f"{what}: {exc}") from None


def resolve(target: str | Path, config: str | Path | None = None, trust: tuple[str, ...] = ()) -> Target:
    """A run directory (its config.toml and best genome) or a genome file (its stored config);
    ``config`` replaces the config either would give. A config read from the target builds only
    safe environments or those in ``trust`` (:mod:`devo.environments.trust`)."""
    t = _resolve(target, config)
    if not t.config_given:
        from devo.environments.trust import require_trusted_task

        where = f"{str(Path(t.source).with_name('config.toml'))!r}" if t.from_run_dir else f"{t.source!r}"
        require_trusted_task(t.setup, where, trust)
    return t


def _resolve(target: str | Path, config: str | Path | None = None) -> Target:
    from devo.evolve.rundir import BEST_GENOME, CONFIG, METRICS
    from devo.experiment import experiment_from_dict

    path = Path(target)
    if not path.exists():
        raise DevoError(f"{str(path)!r} does not exist; give a run directory (made by `devo run`) or a genome file")
    if path.is_dir():
        if not (path / CONFIG).is_file():
            raise DevoError(
                f"{str(path)!r} is not a run directory: it has no {CONFIG}. Give a run directory made by "
                f"`devo run` (runs/<env>__<name>__<seed>__<time>) or a genome file"
            )
        if not (path / BEST_GENOME).is_file():
            raise DevoError(
                f"run directory {str(path)!r} has no {BEST_GENOME} yet: no generation has finished. Wait until "
                f"the first generation ends ({METRICS} gets its first line) and run this again, or inspect a "
                f"genome file"
            )
        setup = (_load_config(Path(config), "--config") if config else
                 _load_config(path / CONFIG, f"the run directory's {CONFIG}"))
        gf = _load_genome(path / BEST_GENOME)
        metrics = path / METRICS
        return Target(setup, gf, str(path / BEST_GENOME), metrics, path / "inspect", bool(config), True)
    gf = _load_genome(path)
    if config:
        setup = _load_config(Path(config), "--config")
    elif isinstance(gf.meta.get("config"), dict):
        try:
            setup = experiment_from_dict(gf.meta["config"])
        except DevoError as exc:
            raise DevoError(
                f"{str(path)!r}: the config stored in the genome file is not valid here ({exc}); "
                f"pass the config it was made with: --config CONFIG.toml"
            ) from None
    else:
        raise DevoError(
            f"{str(path)!r} carries no config; pass the config it was evolved with (--config CONFIG.toml) "
            f"or inspect its run directory"
        )
    run_dir = path.parent
    metrics = run_dir / METRICS if (run_dir / CONFIG).is_file() and (run_dir / METRICS).is_file() else None
    return Target(setup, gf, str(path), metrics, path.with_name(f"{path.stem}_inspect"), bool(config), False)


def check_fits(t: Target, evaluator: Any) -> None:
    """Refuse a genome made for another config, saying what to do."""
    from devo.experiment import lifetime_hash
    from devo.genome_io import check_genome

    try:
        check_genome(t.genome_file, int(evaluator.genome_size), lifetime_hash(t.setup))
    except DevoError as exc:
        if t.config_given:
            hint = "drop --config to grow it under the config it was made for"
        elif t.from_run_dir:
            hint = (f"this run's config.toml does not match its best genome (was a file replaced?); inspect the "
                    f"genome file on its own (devo inspect {t.source}) to use the config stored in it")
        else:
            hint = "the config stored in the file does not match the genome: the file is damaged; " + GENOME_HINT
        raise DevoError(f"{exc}. {hint}") from None


def lifetime_seed(seed: int) -> int:
    """The seed of `devo eval --seed SEED`'s first lifetime (so both show the same lifetime)."""
    from devo.evolve.evaluate import eval_seed

    return eval_seed(seed, 0)


def _ablation(t: Target) -> tuple[dict[str, Any], Path | None] | None:
    """The target's ``devo ablate`` result (JSON and picture), if one was written."""
    import json

    from devo.evolve.ablate import ablation_paths

    where = Path(t.source).parent if t.from_run_dir else Path(t.source)
    json_path, png_path = ablation_paths(where)
    if not json_path.is_file():
        return None
    try:
        data = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return None
    return data, (png_path if png_path.is_file() else None)


def inspect_target(
    target: str | Path,
    *,
    seed: int = 0,
    out: str | Path | None = None,
    episodes: int | None = None,
    config: str | Path | None = None,
    snap_every: int | None = None,
    lifetimes: int = 10,
    gif: bool = True,
    nir_dt: float | None = None,
    log: Callable[[str], Any] = lambda s: None,
    trust: tuple[str, ...] = (),
) -> dict[str, Path]:
    """Regrow the target's genome with recording on and write every export, figure and the
    report; returns name -> path."""
    from devo.evolve.pool import build_evaluator
    from devo.inspect.bundle import write_all
    from devo.inspect.recording import grow, with_episodes

    if episodes is not None and episodes < 1:
        raise DevoError(f"--episodes must be >= 1, got {episodes}")
    if lifetimes < 0:
        raise DevoError(f"--lifetimes must be >= 0, got {lifetimes}")
    if snap_every is not None and snap_every < 0:
        raise DevoError(f"--snap-every must be >= 0, got {snap_every}")
    if nir_dt is not None and not nir_dt > 0:
        raise DevoError(f"--nir-dt must be > 0 seconds per tick, got {nir_dt}")
    t = resolve(target, config, trust)
    ev = build_evaluator(t.setup)
    check_fits(t, ev)
    from devo.warmup import ensure_compiled

    ensure_compiled(t.setup, log)  # a first run on this machine: say so, and time it
    setup = t.setup
    if episodes is not None and episodes != setup.lifetime.n_episodes:
        setup = with_episodes(setup, episodes)
        ev = build_evaluator(setup)
    log(f"growing {t.source} on {setup.task.env} (devo eval --seed {seed}'s first lifetime, "
        f"lifetime seed {lifetime_seed(seed)})")
    rec = grow(t.genome_file.genome, setup, seed, snap_every, evaluator=ev)
    report = None
    if lifetimes > 0:
        from devo.evolve.evaluate import evaluate_genome

        log(f"evaluating {lifetimes} fresh lifetime(s)")
        report = evaluate_genome(
            t.setup, t.genome_file, lifetimes=lifetimes, episodes=episodes, seed=seed, workers=0, source=t.source,
        ).to_dict()
    out_dir = Path(out) if out else t.default_out
    meta = {k: v for k, v in t.genome_file.meta.items() if k not in ("config", "format", "version")}
    meta["eval_seed"] = seed
    ablation = _ablation(t)
    log(f"writing {out_dir}")
    try:
        return write_all(
            rec, out_dir, metrics=t.metrics, source=t.source, meta=meta, eval_report=report, gif=gif, ablation=ablation,
            nir_dt=nir_dt,
        )
    except OSError as exc:
        raise DevoError(
            f"cannot write to {str(out_dir)!r} ({exc.strerror or exc}); choose a writable folder with --out"
        ) from None
