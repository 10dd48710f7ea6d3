"""The EvoTorch problem over genomes: a batch of genomes -> devo's pool -> fitnesses.

EvoTorch's own Ray actors stay off (``num_actors = 0``): :meth:`DevoProblem._evaluate_batch`
hands the whole batch to a :class:`~devo.evolve.pool.Pool`. Lifetime seeds are
``derive_seed(run_seed, generation, index, trial)``, where ``index`` counts the genomes evaluated
in this generation (a GA evaluates parents and children in one step), so no draw depends on
workers, chunking or scheduling. With ``run.common_seeds`` every genome takes ``index = 0``: the
whole generation lives the same lifetimes (common random numbers), so two genomes' fitnesses
differ by what the genomes do, not by the starts they drew (on Pendulum-v1 this did not improve
the search: docs/design.md). The searcher's own draws come from the problem's
``torch.Generator``, seeded from the run seed and saved in checkpoints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from evotorch import Problem

from devo.lifetime import WORST_FITNESS
from devo.rng import derive_seed

__all__ = ["DevoProblem", "GenomeEval", "aggregate_trials"]

logging.getLogger("evotorch").setLevel(logging.WARNING)


@dataclass
class GenomeEval:
    """One genome's evaluation in one generation: its fitness and what its lifetimes did."""

    index: int
    fitness: float
    trial_fitness: list[float]
    returns: list[list[float]]
    env_steps: int
    spikes: int
    neurons: float  # mean over trials (final counts)
    synapses: float
    added: int
    pruned: int
    divisions: int
    nan: int  # trials that blew up (or whose environment misbehaved)
    errors: list[str] = field(default_factory=list)  # messages of trials that raised
    nan_reasons: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.nan == 0 and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def aggregate_trials(index: int, trials: list[dict[str, Any]], how: str = "mean") -> GenomeEval:
    """Fold one genome's trial records into a :class:`GenomeEval` (fitness: mean, median or min)."""
    fits = [float(t["fitness"]) for t in trials]
    if how == "mean":
        fitness = float(np.mean(fits))
    elif how == "median":
        fitness = float(np.median(fits))
    elif how == "min":
        fitness = float(np.min(fits))
    else:
        raise ValueError(f"unknown aggregate {how!r}")
    if not np.isfinite(fitness):
        fitness = WORST_FITNESS
    return GenomeEval(
        index=index,
        fitness=fitness,
        trial_fitness=fits,
        returns=[list(map(float, t.get("returns", []))) for t in trials],
        env_steps=int(sum(t.get("env_steps", 0) for t in trials)),
        spikes=int(sum(t.get("spikes", 0) for t in trials)),
        neurons=float(np.mean([t.get("neurons", 0) for t in trials])),
        synapses=float(np.mean([t.get("synapses", 0) for t in trials])),
        added=int(sum(t.get("added", 0) for t in trials)),
        pruned=int(sum(t.get("pruned", 0) for t in trials)),
        divisions=int(sum(t.get("divisions", 0) for t in trials)),
        nan=int(sum(bool(t.get("nan", False)) for t in trials)),
        errors=[str(t["raised"]) for t in trials if t.get("raised")],
        nan_reasons=[str(t["error"]) for t in trials if t.get("nan") and t.get("error")],
    )


class DevoProblem(Problem):
    """Maximise lifetime fitness over float32 genomes of length ``genome_size``."""

    def __init__(
        self,
        genome_size: int,
        center: np.ndarray,
        *,
        stdev_init: float,
        run_seed: int,
        trials: int = 1,
        aggregate: str = "mean",
        common_seeds: bool = False,
        searcher_seed: int,
    ) -> None:
        super().__init__(
            "max",
            solution_length=int(genome_size),
            dtype=torch.float32,
            seed=int(searcher_seed) % (2**63),
            num_actors=0,
        )
        self.center = torch.as_tensor(np.asarray(center, dtype=np.float32))
        self.stdev_init = float(stdev_init)
        self.run_seed = int(run_seed)
        self.trials = int(trials)
        self.aggregate = aggregate
        self.common_seeds = bool(common_seeds)
        self.generation = 0
        self._offset = 0
        self.pool: Any = None
        self.evaluated: list[tuple[np.ndarray, GenomeEval]] = []

    @property
    def _nonserialized_attribs(self) -> list[str]:
        return super()._nonserialized_attribs + ["pool", "evaluated"]

    def begin_generation(self, generation: int) -> None:
        """Start numbering this generation's lifetimes at index 0."""
        self.generation = int(generation)
        self._offset = 0
        self.evaluated = []

    def lifetime_seeds(self, index: int) -> tuple[int, ...]:
        """The lifetime seeds of the ``index``-th genome evaluated in this generation (one per trial)."""
        k = 0 if getattr(self, "common_seeds", False) else index  # checkpoints made before the option lack it
        return tuple(derive_seed(self.run_seed, self.generation, k, t) for t in range(self.trials))

    def _fill(self, values: torch.Tensor) -> None:
        # Initial populations (GA): the centre plus Gaussian noise of spread stdev_init.
        self.make_gaussian(out=values, center=self.center.to(values.dtype), stdev=self.stdev_init)

    def _evaluate_batch(self, batch: Any) -> None:
        if self.pool is None:
            raise RuntimeError("DevoProblem.pool is not set")
        genomes = batch.values.detach().cpu().numpy().astype(np.float32, copy=True)
        jobs = [(i, self.lifetime_seeds(self._offset + i)) for i in range(len(genomes))]
        records = self.pool.evaluate(genomes, jobs)
        evals = [aggregate_trials(self._offset + i, recs, self.aggregate) for i, recs in enumerate(records)]
        self._offset += len(genomes)
        self.evaluated.extend(zip(genomes, evals, strict=True))
        batch.set_evals(torch.tensor([e.fitness for e in evals], dtype=torch.float32))
