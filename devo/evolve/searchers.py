"""Searchers by name: one table (:data:`SEARCHERS`) drives the config, the API and the tests.

Each entry has a frozen ``Params`` dataclass (the searcher's own hyper-parameters, written under
``[search.params]``; evosax style), a ``build`` function that makes the EvoTorch algorithm and a
``check`` that rejects combinations EvoTorch would only reject mid-run. The shared knobs
(``search.popsize``, ``search.stdev_init``) live in :class:`devo.experiment.SearchConfig`.

EvoTorch is imported only inside ``build``, so reading a config stays fast.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from devo.config import from_dict
from devo.config import option as _f
from devo.errors import ConfigError

__all__ = [
    "SEARCHERS",
    "CEMParams",
    "CMAESParams",
    "GAParams",
    "NESParams",
    "PGPEParams",
    "SearcherEntry",
    "build_searcher",
    "searcher_params",
]


def _none_if_zero(x: float) -> float | None:
    return None if x == 0 else x


@dataclass(frozen=True)
class CMAESParams:
    """CMA-ES (Hansen 2016); ``sep-cmaes`` keeps only the diagonal of C (Ros & Hansen 2008)."""

    c_m: float = _f(1.0, "learning rate of the mean", min=0.0)
    active: bool = _f(True, "active CMA (negative covariance updates)")
    csa_squared: bool = _f(False, "squared step-size adaptation")
    stdev_min: float = _f(0.0, "lower bound on the step size; 0 = none", min=0.0)
    stdev_max: float = _f(0.0, "upper bound on the step size; 0 = none", min=0.0)
    limit_c_decomposition: bool = _f(True, "decompose C only every few generations (faster, same result quality)")


@dataclass(frozen=True)
class PGPEParams:
    """PGPE (Sehnke et al. 2010) with the ClipUp optimiser (Toklu et al. 2020) by default."""

    center_learning_rate: float = _f(0.05, "step size of the centre update", min=0.0)
    stdev_learning_rate: float = _f(0.1, "learning rate of the spread", min=0.0)
    optimizer: Literal["clipup", "adam", "sgd"] = _f("clipup", "optimiser of the centre")
    max_speed: float = _f(0.0, "ClipUp's speed limit; 0 = twice center_learning_rate", min=0.0)
    momentum: float = _f(0.9, "ClipUp / SGD momentum", min=0.0, max=1.0)
    ranking_method: Literal["centered", "linear", "nes", "raw"] = _f("centered", "fitness shaping")
    stdev_max_change: float = _f(0.2, "largest relative change of the spread per generation; 0 = none", min=0.0)
    symmetric: bool = _f(True, "antithetic (mirrored) sampling; needs an even popsize")


@dataclass(frozen=True)
class NESParams:
    """SNES (Schaul et al. 2011) / XNES (Glasmachers et al. 2010)."""

    center_learning_rate: float = _f(0.0, "step size of the centre update; 0 = the algorithm's default", min=0.0)
    stdev_learning_rate: float = _f(0.0, "learning rate of the spread; 0 = the algorithm's default", min=0.0)
    scale_learning_rate: bool = _f(True, "scale the default learning rates with the genome length")
    ranking_method: Literal["nes", "centered", "linear", "raw"] = _f("nes", "fitness shaping")


@dataclass(frozen=True)
class CEMParams:
    """Cross-entropy method (Rubinstein 1999) with a diagonal Gaussian."""

    parenthood_ratio: float = _f(0.5, "fraction of the population that makes the next distribution", min=0.0, max=1.0)
    stdev_max_change: float = _f(0.0, "largest relative change of the spread per generation; 0 = none", min=0.0)


@dataclass(frozen=True)
class GAParams:
    """Genetic algorithm: tournament selection, crossover, Gaussian mutation (``search.stdev_init``)."""

    tournament_size: int = _f(4, "genomes per selection tournament", min=1)
    crossover: Literal["sbx", "one_point", "two_point"] = _f("sbx", "crossover operator")
    eta: float = _f(20.0, "SBX distribution index (larger: children nearer their parents)", min=0.0)
    mutation_probability: float = _f(1.0, "probability that a gene is mutated", min=0.0, max=1.0)
    elitist: bool = _f(True, "keep the best of parents + children")
    re_evaluate: bool = _f(True, "re-evaluate parents every generation (honest with noisy fitness)")


def _build_cmaes(separable: bool) -> Callable[..., Any]:
    def build(problem: Any, p: CMAESParams, popsize: int, stdev_init: float, center: np.ndarray) -> Any:
        from evotorch.algorithms import CMAES

        return CMAES(
            problem,
            stdev_init=stdev_init,
            popsize=popsize,
            center_init=center,
            c_m=p.c_m,
            active=p.active,
            csa_squared=p.csa_squared,
            stdev_min=_none_if_zero(p.stdev_min),
            stdev_max=_none_if_zero(p.stdev_max),
            separable=separable,
            limit_C_decomposition=p.limit_c_decomposition,
        )

    return build


def _build_pgpe(problem: Any, p: PGPEParams, popsize: int, stdev_init: float, center: np.ndarray) -> Any:
    from evotorch.algorithms import PGPE

    opt_config: dict[str, float] = {}
    if p.optimizer == "clipup":
        opt_config["momentum"] = p.momentum
        if p.max_speed > 0:
            opt_config["max_speed"] = p.max_speed
    elif p.optimizer == "sgd":
        opt_config["momentum"] = p.momentum
    return PGPE(
        problem,
        popsize=popsize,
        center_learning_rate=p.center_learning_rate,
        stdev_learning_rate=p.stdev_learning_rate,
        stdev_init=stdev_init,
        center_init=center,
        optimizer=p.optimizer,
        optimizer_config=opt_config or None,
        ranking_method=p.ranking_method,
        stdev_max_change=_none_if_zero(p.stdev_max_change),
        symmetric=p.symmetric,
    )


def _build_nes(cls_name: str) -> Callable[..., Any]:
    def build(problem: Any, p: NESParams, popsize: int, stdev_init: float, center: np.ndarray) -> Any:
        from evotorch import algorithms

        return getattr(algorithms, cls_name)(
            problem,
            popsize=popsize,
            stdev_init=stdev_init,
            center_init=center,
            center_learning_rate=_none_if_zero(p.center_learning_rate),
            stdev_learning_rate=_none_if_zero(p.stdev_learning_rate),
            scale_learning_rate=p.scale_learning_rate,
            ranking_method=p.ranking_method,
        )

    return build


def _build_cem(problem: Any, p: CEMParams, popsize: int, stdev_init: float, center: np.ndarray) -> Any:
    from evotorch.algorithms import CEM

    return CEM(
        problem,
        popsize=popsize,
        parenthood_ratio=p.parenthood_ratio,
        stdev_init=stdev_init,
        center_init=center,
        stdev_max_change=_none_if_zero(p.stdev_max_change),
    )


def _build_ga(problem: Any, p: GAParams, popsize: int, stdev_init: float, center: np.ndarray) -> Any:
    from evotorch.algorithms import GeneticAlgorithm
    from evotorch.operators import (
        GaussianMutation,
        OnePointCrossOver,
        SimulatedBinaryCrossOver,
        TwoPointCrossOver,
    )

    if p.crossover == "sbx":
        cross = SimulatedBinaryCrossOver(problem, tournament_size=p.tournament_size, eta=p.eta)
    elif p.crossover == "one_point":
        cross = OnePointCrossOver(problem, tournament_size=p.tournament_size)
    else:
        cross = TwoPointCrossOver(problem, tournament_size=p.tournament_size)
    mutation = GaussianMutation(
        problem,
        stdev=stdev_init,
        mutation_probability=None if p.mutation_probability == 1.0 else p.mutation_probability,
    )
    # The first population is drawn by the problem around `center` (DevoProblem._fill).
    return GeneticAlgorithm(
        problem, popsize=popsize, operators=[cross, mutation], elitist=p.elitist, re_evaluate=p.re_evaluate
    )


def _no_check(p: Any, popsize: int) -> None:
    return None


def _check_pgpe(p: PGPEParams, popsize: int) -> None:
    if p.symmetric and popsize % 2:
        raise ConfigError(f"search.popsize: pgpe with symmetric sampling needs an even popsize, got {popsize}")


def _check_cem(p: CEMParams, popsize: int) -> None:
    if int(popsize * p.parenthood_ratio) < 1:
        raise ConfigError(
            f"search.params.parenthood_ratio: {p.parenthood_ratio} x popsize {popsize} leaves no parents; raise either"
        )


def _check_ga(p: GAParams, popsize: int) -> None:
    if p.tournament_size > popsize:
        raise ConfigError(f"search.params.tournament_size: {p.tournament_size} exceeds popsize {popsize}")


@dataclass(frozen=True)
class SearcherEntry:
    """One row of :data:`SEARCHERS`."""

    params: type
    build: Callable[..., Any]
    about: str
    check: Callable[[Any, int], None] = _no_check


SEARCHERS: dict[str, SearcherEntry] = {
    "cmaes": SearcherEntry(CMAESParams, _build_cmaes(False), "CMA-ES, full covariance (O(n^2) memory)"),
    "sep-cmaes": SearcherEntry(CMAESParams, _build_cmaes(True), "separable CMA-ES, diagonal covariance"),
    "pgpe": SearcherEntry(PGPEParams, _build_pgpe, "PGPE with ClipUp", _check_pgpe),
    "snes": SearcherEntry(NESParams, _build_nes("SNES"), "separable natural evolution strategy"),
    "xnes": SearcherEntry(NESParams, _build_nes("XNES"), "exponential natural evolution strategy (full)"),
    "cem": SearcherEntry(CEMParams, _build_cem, "cross-entropy method", _check_cem),
    "ga": SearcherEntry(GAParams, _build_ga, "genetic algorithm (tournament, crossover, mutation)", _check_ga),
}


def searcher_params(name: str, params: Mapping[str, Any] | None = None) -> Any:
    """The typed hyper-parameters of searcher ``name`` from plain data (errors name the key)."""
    if name not in SEARCHERS:
        raise ConfigError(f"search.algorithm: unknown searcher {name!r}; choose one of {', '.join(SEARCHERS)}")
    return from_dict(SEARCHERS[name].params, dict(params or {}), "search.params")


def build_searcher(name: str, problem: Any, params: Any, popsize: int, stdev_init: float, center: np.ndarray) -> Any:
    """Make the EvoTorch search algorithm ``name`` over ``problem``, centred on ``center``."""
    entry = SEARCHERS[name]
    entry.check(params, popsize)
    with warnings.catch_warnings():
        # EvoTorch 0.6.1's CMAES copies a tensor with torch.tensor(); harmless, and not ours to fix.
        warnings.filterwarnings("ignore", message="To copy construct from a tensor", category=UserWarning)
        return entry.build(problem, params, popsize, stdev_init, np.asarray(center, dtype=np.float32))
