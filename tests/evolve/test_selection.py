"""The hall of fame and the successive-halving race of the final selection, on a stand-in pool."""

from __future__ import annotations

import numpy as np

from devo.evolve.pool import Pool
from devo.evolve.problem import GenomeEval
from devo.evolve.selection import STREAM_FINAL, select_final, update_hall
from devo.rng import derive_seed


def _eval(index: int, fitness: float, nan: int = 0) -> GenomeEval:
    return GenomeEval(index, fitness, [fitness], [[fitness]], 10, 0, 5.0, 10.0, 0, 0, 0, nan)


class NoisyPool(Pool):
    """Fitness = the genome's first value + noise drawn from the trial's seed; records each job."""

    def __init__(self) -> None:
        self.jobs: list[tuple[int, tuple[int, ...]]] = []

    def evaluate(self, genomes, jobs, on_dispatch=None):
        self.jobs.extend(jobs)
        out = []
        for row, seeds in jobs:
            out.append([
                {"fitness": float(genomes[row][0] + np.random.default_rng(s).normal(0, 0.5)), "env_steps": 1}
                for s in seeds
            ])  # fmt: skip
        return out


def test_hall_keeps_the_best_and_puts_the_newer_first_among_equals() -> None:
    g = lambda v: np.full(3, v, np.float32)  # noqa: E731
    hall = update_hall([], [(g(1), _eval(0, 500.0)), (g(2), _eval(1, 200.0)), (g(3), _eval(2, 900.0, nan=1))], 0, 3)
    assert [h["fitness"] for h in hall] == [500.0, 200.0]  # an invalid evaluation never enters
    hall = update_hall(hall, [(g(4), _eval(5, 500.0)), (g(5), _eval(6, 500.0)), (g(6), _eval(7, 100.0))], 1, 3)
    assert [(h["fitness"], h["generation"], h["index"]) for h in hall] == [(500.0, 1, 5), (500.0, 1, 6), (500.0, 0, 0)]
    assert hall[0]["genome"].dtype == np.float32 and (hall[0]["genome"] == 4).all()
    assert update_hall(hall, [(g(7), _eval(0, 1e9))], 2, 0) == []


def test_final_race_halves_until_one_is_left_on_fresh_seeds() -> None:
    values = [3.0, 9.0, 1.0, 7.0, 5.0]  # five candidates; noise 0.5 cannot reorder 9 and 7
    hall = [{"genome": np.full(2, v, np.float32), "fitness": 500.0, "generation": k, "index": k}
            for k, v in enumerate(values)]  # fmt: skip
    pool = NoisyPool()
    sel = select_final(pool, hall, run_seed=11, trials=4, how="mean")
    assert sel.chosen == 1 and sel.best.index == 1
    # 5 -> 3 -> 2 -> 1 (and the last one once more): rounds per candidate
    assert sel.rounds == [1, 4, 1, 3, 2]
    assert [len(e.trial_fitness) for e in sel.evals] == [4 * r for r in sel.rounds]
    seeds = [s for _, ss in pool.jobs for s in ss]
    assert len(seeds) == len(set(seeds)) == 4 * sum(sel.rounds)  # every lifetime on its own seed
    winner_seeds = [s for k, ss in pool.jobs if k == 1 for s in ss]
    assert winner_seeds == [derive_seed(11, STREAM_FINAL, 1, t) for t in range(16)]
    assert sel.best.fitness == np.mean(sel.best.trial_fitness)
    again = select_final(NoisyPool(), hall, run_seed=11, trials=4, how="mean")
    assert again.chosen == sel.chosen and [e.trial_fitness for e in again.evals] == [e.trial_fitness for e in sel.evals]
