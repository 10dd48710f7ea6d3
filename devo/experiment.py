"""The whole configuration of one evolution run: one typed object = the TOML file = the CLI's
``--set key=value`` overrides = the hyper-parameters written to the run directory.

Sections: the lifetime's four (``task``, ``network``, ``develop``, ``lifetime``, from
:mod:`devo.settings`), ``search`` (which EvoTorch searcher, its hyper-parameters) and ``run``
(budget, trials, workers, checkpoints, logging). Every key is validated by :mod:`devo.config`;
errors name the key and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from devo.config import apply_override, from_dict, load_toml, to_dict, to_toml
from devo.config import option as _f
from devo.errors import ConfigError
from devo.evolve.searchers import SEARCHERS, searcher_params
from devo.settings import DevelopConfig, LifetimeConfig, NetworkConfig, TaskConfig

__all__ = [
    "Experiment",
    "RunConfig",
    "SearchConfig",
    "experiment_from_dict",
    "experiment_to_dict",
    "experiment_to_toml",
    "lifetime_hash",
    "load_experiment",
    "override_experiment",
]


@dataclass(frozen=True)
class SearchConfig:
    """Which searcher proposes genomes and how (EvoTorch)."""

    algorithm: str = _f("cmaes", "searcher: " + ", ".join(SEARCHERS), choices=tuple(SEARCHERS))
    popsize: int = _f(32, "genomes per generation", min=2)
    stdev_init: float = _f(0.1, "initial spread of the search around the centre (ga: mutation stdev)")
    params: dict = _f({}, "hyper-parameters of the chosen searcher; `devo run --help-searchers` lists them")
    init: dict = _f(
        {}, "initial search centre, per genome block: a number for every entry or a list of the block's size, "
        "e.g. { \"syn.gain\" = [1.0, 0.3, 1.0, 1.0] } (blocks: devo.develop.rules.genome_blocks)"
    )

    def __post_init__(self) -> None:
        if not self.stdev_init > 0:
            raise ConfigError(f"search.stdev_init: must be > 0, got {self.stdev_init!r}")
        object.__setattr__(self, "init", _dotted(self.init))
        for name, value in self.init.items():
            values = value if isinstance(value, list) else [value]
            if not values or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values
            ):
                raise ConfigError(
                    f"search.init.{name}: expected a finite number or a non-empty list of finite numbers, got {value!r}"
                )
        hyper = from_dict(SEARCHERS[self.algorithm].params, self.params, "search.params")
        SEARCHERS[self.algorithm].check(hyper, self.popsize)
        # Store the resolved hyper-parameters (defaults filled in) so the run directory shows them all.
        object.__setattr__(self, "params", to_dict(hyper))

    def hyper(self) -> Any:
        """The chosen searcher's typed, frozen hyper-parameters."""
        return searcher_params(self.algorithm, self.params)


def _dotted(tree: dict, prefix: str = "") -> dict:
    """``{"syn": {"gain": [...]}}`` (TOML's reading of an unquoted ``syn.gain = [...]``) as
    ``{"syn.gain": [...]}``."""
    out: dict = {}
    for k, v in tree.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_dotted(v, name + "."))
        else:
            out[name] = v
    return out


@dataclass(frozen=True)
class RunConfig:
    """Budget, evaluation, workers, checkpoints and logging of one run."""

    generations: int = _f(100, "generations to run (a resume may raise it)", min=1)
    trials: int = _f(1, "lifetimes per genome per generation; fitness aggregates them", min=1)
    aggregate: Literal["mean", "median", "min"] = _f("mean", "how trial fitnesses make a genome's fitness")
    common_seeds: bool = _f(
        False, "every genome of a generation lives the same lifetimes (common random numbers: the same "
        "environment starts and developmental draws), so the ranking compares genomes rather than their luck; "
        "the lifetimes still change every generation",
        hash_default=True,
    )
    validate_top: int = _f(
        0, "re-evaluate this many of each generation's best genomes on fresh lifetimes; the best genome "
        "is then the best validated one (0 = off: the best single evaluation)", min=0
    )
    validate_trials: int = _f(8, "fresh lifetimes per validated genome", min=1)
    validate_centre: bool = _f(
        False, "with validate_top > 0, validate the search distribution's centre too (searchers that have one)"
    )
    final_top: int = _f(
        0, "at the last generation, race this many of the run's best validated genomes (its hall of fame): "
        "successive halving on fresh lifetimes; the winner is the best genome (0 = off)", min=0
    )
    final_trials: int = _f(32, "fresh lifetimes per candidate per round of the final race", min=1)
    workers: int = _f(-1, "evaluation workers: -1 = every core (or every CPU of the cluster), 0 = in-process", min=-1)
    ray_address: str = _f("", "join an existing Ray cluster (HOST:PORT of `ray start --head`); '' = embedded Ray")
    chunk_size: int = _f(
        0, "lifetimes per dispatched chunk; 0 = a third of what is left per worker (large chunks first)", min=0
    )
    max_retries: int = _f(3, "times a chunk is re-sent after its worker died", min=0)
    checkpoint_every: int = _f(10, "generations between checkpoints", min=1)
    keep_checkpoints: int = _f(2, "checkpoints kept on disk (the newest)", min=1)
    out: str = _f("runs", "folder that holds run directories")
    tensorboard: bool = _f(True, "write TensorBoard scalars")
    mlflow: bool = _f(False, "log to MLflow too (needs `pip install devo[mlflow]`)")
    mlflow_uri: str = _f("", "MLflow tracking URI; '' = MLflow's default (./mlruns)")
    init_genome: str = _f("", "genome file (.npz or .json) used as the search centre; '' = the lifetime's own")
    init_transfer: bool = _f(
        False, "accept an init_genome evolved under another [task] or [lifetime] (e.g. before damage) when its "
        "[network] and [develop] sections, hence its genome layout, are this config's"
    )


@dataclass(frozen=True)
class Experiment:
    """One evolution run's configuration. Also a lifetime setup (``.task .network .develop .lifetime``)."""

    name: str = _f("experiment", "experiment name (part of the run directory's name)")
    seed: int = _f(0, "run seed: every random draw derives from it", min=0)
    task: TaskConfig = field(default_factory=TaskConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    develop: DevelopConfig = field(default_factory=DevelopConfig)
    lifetime: LifetimeConfig = field(default_factory=LifetimeConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]*", self.name):
            raise ConfigError(
                f"name: {self.name!r} is not allowed; use letters, digits and _ . + - (it names the run directory)"
            )


def experiment_from_dict(data: Mapping[str, Any]) -> Experiment:
    """Validate plain data (e.g. parsed TOML) into an :class:`Experiment`; errors name the key."""
    return from_dict(Experiment, data)


def load_experiment(
    path: str | Path,
    overrides: Iterable[str] = (),
    *,
    seed: int | None = None,
    generations: int | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    out: str | None = None,
) -> Experiment:
    """Read a TOML config, apply ``--set`` overrides and the CLI's shortcuts, validate everything."""
    data = load_toml(path)
    for assignment in overrides:
        apply_override(data, assignment)
    shortcuts = {
        "seed": seed,
        "run.generations": generations,
        "run.workers": workers,
        "run.ray_address": ray_address,
        "run.out": out,
    }
    for key, value in shortcuts.items():
        if value is None:
            continue
        d = data
        *parents, last = key.split(".")
        for part in parents:
            d = d.setdefault(part, {})
        d[last] = value
    return experiment_from_dict(data)


def override_experiment(exp: Experiment, overrides: Iterable[str]) -> Experiment:
    """``exp`` with ``--set key=value`` assignments applied, validated as a whole config."""
    data = experiment_to_dict(exp)
    for assignment in overrides:
        apply_override(data, assignment)
    return experiment_from_dict(data)


def experiment_to_dict(exp: Experiment) -> dict[str, Any]:
    """The resolved config as plain data (every default filled in)."""
    return to_dict(exp)


def experiment_to_toml(exp: Experiment) -> str:
    """The resolved config as TOML; :func:`load_experiment` reads it back to an equal object."""
    return to_toml(experiment_to_dict(exp))


def lifetime_hash(setup: Any) -> str:
    """A short hash of what a genome means: the four lifetime sections (not search or run).

    Two configs with the same hash grow and evaluate a genome the same way, so a genome file made
    under one is valid under the other. A field added after genomes were made (``option(...,
    hash_default=True)``) enters the hash only when it differs from its default.
    """
    data = {k: to_dict(getattr(setup, k), hashing=True) for k in ("task", "network", "develop", "lifetime")}
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
