"""The evaluation layer: same numbers in-process and on Ray, worker death, bad lifetimes."""

from __future__ import annotations

import os
import signal
from collections import deque
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from devo.evolve.pool import LocalPool, PoolStats, RayPool, _Chunk, run_jobs
from devo.evolve.problem import aggregate_trials
from devo.lifetime import WORST_FITNESS, LifetimeResult
from devo.rng import derive_seed

from .helpers import tiny


class FlakyEvaluator:
    """Raises for odd seeds; a NaN-like blow-up for seeds divisible by 5."""

    genome_size = 3

    def initial_genome(self, seed: int) -> np.ndarray:
        return np.zeros(3, np.float32)

    def __call__(self, genome: np.ndarray, seed: int) -> LifetimeResult:
        if seed % 2:
            raise RuntimeError(f"boom {seed}")
        if seed % 5 == 0:
            return LifetimeResult(fitness=WORST_FITNESS, nan=True)
        return LifetimeResult(fitness=float(genome.sum()) + seed, returns=[1.0], env_steps=10, neurons=4, synapses=6)


def test_a_raising_lifetime_gets_the_worst_fitness_and_a_message() -> None:
    genomes = np.ones((2, 3), np.float32)
    out = run_jobs(FlakyEvaluator(), genomes, [(0, (2, 3)), (1, (10, 4))])
    assert out[0][0]["fitness"] == 5.0 and out[0][0]["raised"] is None
    assert out[0][1]["fitness"] == WORST_FITNESS and out[0][1]["raised"] == "RuntimeError: boom 3"
    assert out[1][0]["nan"] and out[1][0]["fitness"] == WORST_FITNESS
    g0 = aggregate_trials(0, out[0], "mean")
    assert g0.errors == ["RuntimeError: boom 3"] and not g0.valid
    assert g0.fitness == pytest.approx((5.0 + WORST_FITNESS) / 2)
    assert aggregate_trials(1, out[1], "min").fitness == WORST_FITNESS
    assert aggregate_trials(1, out[1], "median").fitness == pytest.approx((WORST_FITNESS + 7.0) / 2)


def test_local_pool_uses_one_evaluator() -> None:
    ev = FlakyEvaluator()
    pool = LocalPool(None, evaluator=ev)
    assert pool.evaluator is ev and pool.workers == 0
    assert pool.evaluate(np.zeros((1, 3), np.float32), [(0, (4,))])[0][0]["fitness"] == 4.0


def _fake_pool(max_retries: int) -> RayPool:
    pool = RayPool.__new__(RayPool)
    pool.stats = PoolStats()
    pool.max_retries = max_retries
    return pool


def test_a_chunk_that_keeps_killing_workers_is_split_then_given_up_on() -> None:
    pool = _fake_pool(max_retries=1)
    queue = deque()
    results: list = [[None], [None, None]]  # job 0: one trial; job 1: two
    chunk = _Chunk([(0, 0, 0, 11), (1, 0, 1, 12), (1, 1, 1, 13)])  # (job, trial, genome row, seed)
    pool._worker_died(0, chunk, RuntimeError("died"), queue, results)
    assert list(queue) == [chunk] and chunk.attempts == 1 and pool.stats.retries == 1
    queue.clear()
    pool._worker_died(0, chunk, RuntimeError("died"), queue, results)
    assert [c.trials for c in queue] == [[(0, 0, 0, 11)], [(1, 0, 1, 12)], [(1, 1, 1, 13)]]  # split, in order
    queue.popleft()
    single = queue.popleft()
    single.attempts = 1
    pool._worker_died(0, single, RuntimeError("died"), queue, results)
    assert results[1][0]["fitness"] == WORST_FITNESS and "WorkerDied" in results[1][0]["raised"]
    assert pool.stats.gave_up == 1 and results[1][1] is None and results[0] == [None]


def test_a_second_chunk_lost_to_the_same_death_is_resent_not_counted() -> None:
    pool = _fake_pool(max_retries=1)
    queue = deque()
    results: list = [[None], [None]]
    first, second = _Chunk([(0, 0, 0, 11)]), _Chunk([(1, 0, 1, 12)])  # both in flight on actor 0
    pool._worker_died(0, first, RuntimeError("died"), queue, results)
    pool._worker_died(0, second, RuntimeError("died"), queue, results, new_death=False)
    assert pool.stats.worker_deaths == 1 and pool.stats.retries == 2
    assert list(queue) == [second, first] and first.attempts == second.attempts == 1


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    return tiny(tmp_path_factory.mktemp("pool"), lifetime__n_episodes=2)


def _jobs(n: int, trials: int) -> list:
    return [(i, tuple(derive_seed(1, 0, i, t) for t in range(trials))) for i in range(n)]


def _genomes(setup, n: int) -> np.ndarray:
    pool = LocalPool(setup)
    g0 = pool.evaluator.initial_genome(0)
    rng = np.random.default_rng(0)
    return (g0 + 0.3 * rng.standard_normal((n, g0.size))).astype(np.float32)


def test_ray_pool_matches_in_process_and_keeps_its_evaluators(ray_session, setup) -> None:
    genomes, jobs = _genomes(setup, 10), _jobs(10, 2)
    expected = LocalPool(setup).evaluate(genomes, jobs)
    pool = RayPool(setup, workers=2, chunk_size=3)
    try:
        pids = pool.worker_pids()
        assert len(set(pids)) == 2 and os.getpid() not in pids
        assert pool.evaluate(genomes, jobs) == expected
        assert pool.evaluate(genomes[::-1].copy(), jobs) == LocalPool(setup).evaluate(genomes[::-1].copy(), jobs)
        assert pool.stats.chunks == 14  # 7 chunks of <= 3 lifetimes (10 genomes x 2 trials) per call
        builds = ray_session.get([a.info.remote() for a in pool._actors])
        assert [b["builds"] for b in builds] == [1, 1]  # one evaluator per process, reused
        assert pool.worker_pids() == pids
    finally:
        pool.close()


def test_a_worker_killed_mid_generation_changes_nothing(ray_session, setup) -> None:
    genomes, jobs = _genomes(setup, 12), _jobs(12, 2)
    expected = LocalPool(setup).evaluate(genomes, jobs)
    pool = RayPool(setup, workers=2, chunk_size=4)
    try:
        victim = pool.worker_pids()[0]
        got = pool.evaluate(genomes, jobs, on_dispatch=lambda: os.kill(victim, signal.SIGKILL))
        assert got == expected
        # the victim held two chunks (IN_FLIGHT): both are re-sent, its death is counted once
        assert pool.stats.worker_deaths == 1 and pool.stats.retries >= 1 and pool.stats.gave_up == 0
        pids = pool.worker_pids()
        assert victim not in pids  # restarted (or replaced) actor
        # every worker at once
        got = pool.evaluate(genomes, jobs, on_dispatch=lambda: [os.kill(p, signal.SIGKILL) for p in pids])
        assert got == expected and pool.stats.gave_up == 0
        assert not set(pids) & set(pool.worker_pids())
    finally:
        pool.close()


def test_ray_pool_reports_a_lifetime_that_cannot_be_built(ray_session, tmp_path) -> None:
    from devo.errors import DevoError

    bad = SimpleNamespace(**{k: getattr(tiny(tmp_path), k) for k in ("task", "network", "develop", "lifetime")})
    object.__setattr__(bad, "network", replace(bad.network, max_neurons=3))
    with pytest.raises(DevoError, match="cannot build a lifetime|max_neurons"):
        RayPool(bad, workers=1)
