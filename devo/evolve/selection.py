"""Which genome a run hands over: a hall of fame of validated genomes and a final selection.

A generation's best fitness is a maximum over noisy estimates, so the genome holding the run's
best score is usually a lucky one (the winner's curse): on CartPole a genome that scored 500 on
its 8 validation lifetimes averaged 425 on 100 fresh ones. Two remedies, both off by default:

- ``run.validate_centre``: with validation on, the search distribution's centre (CMA-ES, PGPE,
  SNES, XNES, CEM; a GA has none) is validated every generation beside the best samples. The
  centre averages many samples, so it is often the more robust genome.
- ``run.final_top`` / ``run.final_trials``: the hall of fame keeps the run's ``final_top`` best
  validated genomes (the best evaluated ones when validation is off; among equal scores -- 500 is
  CartPole's ceiling -- the newer first, as the search is still improving). When the run reaches
  its last generation, a successive-halving race picks among them: every candidate gets
  ``final_trials`` fresh lifetimes, the better half (by the mean over all its lifetimes so far)
  gets ``final_trials`` more, and so on until one is left. Seeds
  ``(run seed, STREAM_FINAL, rank, trial)``. A single round over all candidates would hand over
  the luckiest of many 32-lifetime means (on CartPole: 479 over 32 lifetimes, 440 on 100 fresh
  ones); the race spends its lifetimes on the few that matter, and the winner's figure rests on
  ``final_trials * (log2(final_top) + 1)`` lifetimes, its last round unselected. The outcome
  goes to ``final.json``.

The hall lives in the run's checkpoint, so a resumed run selects exactly as an uninterrupted one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from devo.atomic import atomic_write_text
from devo.evolve.pool import Pool
from devo.evolve.problem import GenomeEval, aggregate_trials
from devo.rng import derive_seed

__all__ = ["CENTRE_INDEX", "FINAL_FILE", "STREAM_FINAL", "FinalSelection", "centre_of", "select_final", "update_hall"]

STREAM_FINAL = 0xF17A
FINAL_FILE = "final.json"
CENTRE_INDEX = -1  # GenomeEval.index of the search distribution's centre


def centre_of(searcher: Any) -> np.ndarray | None:
    """The searcher's current centre (the mean of its next samples) as float32, or None (GA)."""
    try:
        c = searcher.status["center"]
    except (KeyError, AttributeError, TypeError):
        return None
    return torch.as_tensor(c).detach().cpu().numpy().astype(np.float32).reshape(-1)


def update_hall(
    hall: list[dict[str, Any]], candidates: list[tuple[np.ndarray, GenomeEval]], generation: int, size: int
) -> list[dict[str, Any]]:
    """The ``size`` best of ``hall`` and this generation's valid ``candidates`` (by fitness; among
    equals the newer first, then the given order). An entry: genome (float32), fitness,
    generation, index."""
    if size <= 0:
        return []
    new = hall + [
        {"genome": np.array(g, np.float32), "fitness": float(e.fitness), "generation": int(generation),
         "index": int(e.index)}
        for g, e in candidates if e.valid
    ]  # fmt: skip
    new.sort(key=lambda h: (-h["fitness"], -h["generation"]))  # stable within a generation
    return new[:size]


@dataclass
class FinalSelection:
    """The outcome of :func:`select_final`."""

    chosen: int  # rank in the hall of the best genome
    evals: list[GenomeEval]  # one per hall entry, over all the lifetimes it got in the race
    rounds: list[int]  # rounds each entry took part in
    wall_s: float

    @property
    def best(self) -> GenomeEval:
        return self.evals[self.chosen]


def _rank(evals: dict[int, GenomeEval], alive: list[int]) -> list[int]:
    """``alive`` best first: valid before invalid (NaN, errors), then fitness, then hall rank."""
    return sorted(alive, key=lambda k: (not evals[k].valid, -evals[k].fitness, k))


def select_final(pool: Pool, hall: list[dict[str, Any]], run_seed: int, trials: int, how: str) -> FinalSelection:
    """Successive halving over the hall (see module docstring): each round gives every remaining
    entry ``trials`` fresh lifetimes and keeps the better half, until one is left."""
    t0 = time.perf_counter()
    genomes = np.stack([h["genome"] for h in hall]).astype(np.float32)
    records: list[list[dict[str, Any]]] = [[] for _ in hall]
    rounds = [0] * len(hall)
    evals: dict[int, GenomeEval] = {}
    alive = list(range(len(hall)))
    for r in range(len(hall)):  # at most log2(len(hall)) + 1 rounds are ever needed
        first = r * trials
        jobs = [(k, tuple(derive_seed(run_seed, STREAM_FINAL, k, first + t) for t in range(trials))) for k in alive]
        for k, recs in zip(alive, pool.evaluate(genomes, jobs), strict=True):
            records[k].extend(recs)
            rounds[k] += 1
            evals[k] = aggregate_trials(hall[k]["index"], records[k], how)
        if len(alive) == 1:
            break
        alive = sorted(_rank(evals, alive)[: (len(alive) + 1) // 2])
    return FinalSelection(alive[0], [evals[k] for k in range(len(hall))], rounds, time.perf_counter() - t0)


def write_final(run_dir: Path, hall: list[dict[str, Any]], sel: FinalSelection, generation: int, trials: int) -> None:
    """``final.json``: every candidate's search-time and final fitness, and which was chosen."""
    rows = []
    for h, e, n in zip(hall, sel.evals, sel.rounds, strict=True):
        f = np.asarray(e.trial_fitness, np.float64)
        rows.append({
            "generation": h["generation"], "index": h["index"], "centre": h["index"] == CENTRE_INDEX,
            "search_fitness": h["fitness"], "rounds": n, "lifetimes": len(f), "final_fitness": e.fitness,
            "final_std": float(f.std()), "final_min": float(f.min()), "valid": e.valid, "env_steps": e.env_steps,
        })  # fmt: skip
    doc = {
        "generation": generation, "trials": trials, "chosen": sel.chosen, "wall_s": sel.wall_s, "candidates": rows,
    }
    atomic_write_text(run_dir / FINAL_FILE, json.dumps(doc, indent=1) + "\n")
