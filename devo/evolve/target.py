"""What `devo eval`, `devo ablate` and `devo inspect` take: RUN_DIR|GENOME_FILE -> a genome and the
experiment it runs under.

A run directory gives its ``config.toml`` and best genome; a genome file gives the config stored
in it. ``config`` (``devo inspect --config``) replaces either. A config read from the target may
come from someone else: its ``task.env`` is built only if it is devo's, an installed registration
or a Gymnasium id, or is named in ``trust`` (``--trust-task``; :mod:`devo.environments.trust`).
Every problem a user can fix is a :class:`~devo.errors.DevoError` that says what is wrong and what
to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devo.errors import DevoError
from devo.evolve.rundir import BEST_GENOME, CONFIG, METRICS
from devo.experiment import Experiment, experiment_from_dict, load_experiment
from devo.genome_io import GenomeFile, load_genome

__all__ = ["GENOME_HINT", "Target", "resolve_target"]

GENOME_HINT = "give a genome file written by `devo run` (RUN_DIR/best_genome.npz) or by devo.genome_io.save_genome"


@dataclass
class Target:
    """A genome, the experiment it runs under, and where they came from."""

    experiment: Experiment
    genome_file: GenomeFile
    source: str  # the genome file's path
    metrics: Path | None  # the run's metrics.jsonl, where the genome comes from a run directory
    config_given: bool  # the experiment is the ``config`` argument, not the target's own
    from_run_dir: bool  # the target was a run directory


def resolve_target(
    target: str | Path, trust: Iterable[str] = (), config: str | Path | None = None, *, config_option: bool = False
) -> Target:
    """The genome and experiment of a run directory or a genome file (see the module docstring).
    ``config_option``: the command takes ``--config``, so the errors may suggest it."""
    t = _resolve(Path(target), config, config_option)
    if not t.config_given:
        from devo.environments.trust import require_trusted_task

        where = f"{str(Path(t.source).with_name(CONFIG))!r}" if t.from_run_dir else f"the genome file {t.source!r}"
        require_trusted_task(t.experiment, where, trust)
    return t


def _resolve(path: Path, config: str | Path | None, config_option: bool) -> Target:
    if not path.exists():
        raise DevoError(f"{str(path)!r} does not exist; give a run directory (made by `devo run`) or a genome file")
    given = _load_config(Path(config), "--config") if config else None
    if path.is_dir():
        if not (path / CONFIG).is_file():
            raise DevoError(
                f"{str(path)!r} is not a run directory: it has no {CONFIG}. Give a run directory made by "
                f"`devo run` (runs/<env>__<name>__<seed>__<time>) or a genome file"
            )
        if not (path / BEST_GENOME).is_file():
            raise DevoError(f"run directory {str(path)!r} has no {BEST_GENOME} yet: {_why_no_best(path)}")
        exp = given or _load_config(path / CONFIG, f"the run directory's {CONFIG}")
        gf = _load_genome(path / BEST_GENOME)
        return Target(exp, gf, str(path / BEST_GENOME), path / METRICS, given is not None, True)
    gf = _load_genome(path)
    use_config = "pass the config it was made with: --config CONFIG.toml" if config_option else ""
    if given is not None:
        exp = given
    elif isinstance(gf.meta.get("config"), dict):
        try:
            exp = experiment_from_dict(gf.meta["config"])
        except DevoError as exc:
            raise DevoError(
                f"{str(path)!r}: the config stored in the genome file is not valid here ({exc})"
                + (f"; {use_config}" if use_config else "")
            ) from None
    else:
        raise DevoError(
            f"{str(path)!r} carries no config; "
            + (f"{use_config}, or give its run directory" if use_config else "give its run directory instead")
        )
    run_dir = path.parent
    metrics = run_dir / METRICS if (run_dir / CONFIG).is_file() and (run_dir / METRICS).is_file() else None
    return Target(exp, gf, str(path), metrics, given is not None, False)


def _load_genome(path: Path) -> GenomeFile:
    try:
        return load_genome(path)
    except DevoError as exc:
        raise DevoError(f"{exc}; {GENOME_HINT}") from None


def _load_config(path: Path, what: str) -> Experiment:
    try:
        return load_experiment(path)
    except DevoError as exc:
        raise DevoError(f"{what}: {exc}") from None


def _why_no_best(run_dir: Path) -> str:
    """Why a run directory has no best genome: no generation yet, or none gave a valid genome."""
    from devo.evolve.metrics import read_metrics

    try:
        done = len(read_metrics(run_dir))
    except (OSError, ValueError, DevoError):
        done = 0
    if not done:
        return (
            f"no generation has finished. Wait until the first generation ends ({METRICS} gets its first line) "
            "and run this again, or give a genome file"
        )
    return (
        f"{done} generation(s) finished but no genome had a valid evaluation (every one had a lifetime that "
        "raised or blew up; see error_count and nan_count in metrics.jsonl)"
    )
