"""What `devo inspect` does with its target: find the genome and its config
(:func:`devo.evolve.target.resolve_target`, as `devo eval` and `devo ablate` do), check they fit,
regrow, evaluate, write everything. Every problem a user can fix is a
:class:`~devo.errors.DevoError` that says what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devo.errors import DevoError
from devo.evolve.target import GENOME_HINT, Target, resolve_target

__all__ = ["check_fits", "inspect_target", "lifetime_seed"]


def check_fits(t: Target, evaluator: Any) -> None:
    """Refuse a genome made for another config, saying what to do."""
    from devo.experiment import lifetime_hash
    from devo.genome_io import check_genome

    try:
        check_genome(t.genome_file, int(evaluator.genome_size), lifetime_hash(t.experiment))
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


def _default_out(t: Target) -> Path:
    """RUN_DIR/inspect for a run directory, NAME_inspect beside a genome file."""
    source = Path(t.source)
    return source.parent / "inspect" if t.from_run_dir else source.with_name(f"{source.stem}_inspect")


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
    from devo.inspect.recording import grow
    from devo.settings import with_episodes

    if episodes is not None and episodes < 1:
        raise DevoError(f"--episodes must be >= 1, got {episodes}")
    if lifetimes < 0:
        raise DevoError(f"--lifetimes must be >= 0, got {lifetimes}")
    if snap_every is not None and snap_every < 0:
        raise DevoError(f"--snap-every must be >= 0, got {snap_every}")
    if nir_dt is not None and not nir_dt > 0:
        raise DevoError(f"--nir-dt must be > 0 seconds per tick, got {nir_dt}")
    t = resolve_target(target, trust, config, config_option=True)
    ev = build_evaluator(t.experiment)
    check_fits(t, ev)
    from devo.warmup import ensure_compiled

    ensure_compiled(t.experiment, log)  # a first run on this machine: say so, and time it
    setup = t.experiment
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
            t.experiment, t.genome_file, lifetimes=lifetimes, episodes=episodes, seed=seed, workers=0, source=t.source,
        ).to_dict()
    out_dir = Path(out) if out else _default_out(t)
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
