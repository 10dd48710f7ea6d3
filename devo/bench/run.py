"""Benchmark of whole runs: one standard workload, devo beside EvoTorch's GymNE, in one process.

The workload: CartPole-v1 under the config of ``--genome`` (default: the CartPole genome of
LNDP's protocol, ``experiments/genomes/cartpole_lndp__s0.npz``, or where it is absent the initial
genome of ``experiments/cartpole.toml``), a fixed set of
``--popsize`` genomes (that genome plus Gaussian noise of ``--sigma``, seeded) evaluated for
``--generations`` generations of ``--trials`` lifetimes each (generation ``k`` evaluates the set
with seeds of generation ``k``), through devo's pool:

- devo in-process (``workers = 0``);
- devo with ``--workers`` Ray workers (the pool's actors; their start-up is not timed);
- EvoTorch's ``GymNE`` on the same environment and worker count (``num_actors``), a small MLP
  policy ``Linear(4, 16) >> Tanh() >> Linear(16, 2)`` with observation normalisation, PGPE with
  the same population size, one episode per solution, at least as many generations and at least
  as long as devo in-process ran (its early policies fall within ~10-20 steps); its first
  generation (actor start-up) is not timed.

Each row gives env steps/s (environment interactions) and lifetimes/s (a devo lifetime; a GymNE
episode) and both as ratios to GymNE, plus devo with workers over devo in-process. A devo
lifetime also develops its network (development and spontaneous-activity steps, counted in
agent steps/s, not in env steps). Machines are shared: the ratios, measured in one process within
seconds of each other, are the figures to read.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

TITLE = "run: env steps/s and lifetimes/s of one CartPole workload, devo in-process, devo on Ray, GymNE"
COLUMNS = [
    ("system", "system", ""),
    ("workers", "workers", ""),
    ("lifetimes", "lifetimes", ",.0f"),
    ("env_steps", "env steps", ",.0f"),
    ("seconds", "s", ".2f"),
    ("env_steps_per_s", "env steps/s", ",.0f"),
    ("lifetimes_per_s", "lifetimes/s", ",.1f"),
    ("agent_steps_per_s", "agent steps/s", ",.0f"),
    ("x_gymne_env_steps", "x GymNE env steps/s", ".1f"),
    ("x_in_process", "x devo in-process", ".2f"),
]
_EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
DEFAULT_GENOME = _EXPERIMENTS / "genomes" / "cartpole_lndp__s0.npz"
FALLBACK_CONFIG = _EXPERIMENTS / "cartpole.toml"  # its initial genome, where the genome file is absent


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--genome", default=None,
        help="a CartPole genome file (its config is used); default: experiments/genomes/cartpole_lndp__s0.npz, "
             "or experiments/cartpole.toml's initial genome where that file is absent",
    )  # fmt: skip
    p.add_argument("--popsize", type=int, default=64, help="genomes per generation")
    p.add_argument("--generations", type=int, default=3)
    p.add_argument("--trials", type=int, default=2, help="lifetimes per genome and generation")
    p.add_argument("--sigma", type=float, default=0.05, help="noise around the genome")
    p.add_argument("--workers", type=int, default=2, help="Ray workers for devo and GymNE actors")
    p.add_argument("--skip-gymne", action="store_true", help="devo only (EvoTorch and torch not imported)")


def genome_set(genome: np.ndarray, popsize: int, sigma: float, seed: int = 0) -> np.ndarray:
    """The fixed genome set: ``genome + sigma * N(0, 1)`` per row (row 0 is the genome itself)."""
    rng = np.random.default_rng(seed)
    out = genome[None, :] + sigma * rng.standard_normal((popsize, genome.size))
    out[0] = genome
    return out.astype(np.float32)


def devo_workload(exp, genomes: np.ndarray, generations: int, trials: int, workers: int) -> dict:
    """Evaluate the set for ``generations`` generations through devo's pool; the pool's start-up
    and one warm-up lifetime are outside the timing."""
    from devo.evolve.pool import build_evaluator, open_pool
    from devo.rng import derive_seed

    ev = build_evaluator(exp)
    lifetimes = env_steps = agent_steps = 0
    dev_steps = exp.develop.dev_steps + (exp.develop.sa_steps if exp.develop.spontaneous else 0)
    with open_pool(exp, workers, "", evaluator=ev if workers == 0 else None) as pool:
        pool.evaluate(genomes[:1], [(0, (derive_seed(99, 0),))])  # warm every path once
        t0 = time.perf_counter()
        for gen in range(generations):
            jobs = [(row, tuple(derive_seed(1, gen, row, t) for t in range(trials))) for row in range(len(genomes))]
            for trials_of_row in pool.evaluate(genomes, jobs):
                for r in trials_of_row:
                    lifetimes += 1
                    env_steps += int(r.get("env_steps", 0))
                    agent_steps += int(r.get("env_steps", 0)) + dev_steps
        seconds = time.perf_counter() - t0
    return {"lifetimes": lifetimes, "env_steps": env_steps, "agent_steps": agent_steps, "seconds": seconds}


def gymne_workload(popsize: int, generations: int, workers: int, min_seconds: float = 2.0) -> dict:
    """EvoTorch's GymNE on CartPole-v1 with a small MLP, PGPE: ``generations`` generations, more
    until ``min_seconds`` have passed (its early policies fall in ~10-20 steps, so a generation
    is short); generation 0 (actor start-up) untimed; env steps from its interaction counter,
    lifetimes = episodes."""
    import torch
    from evotorch.algorithms import PGPE
    from evotorch.neuroevolution import GymNE

    torch.set_num_threads(1)
    torch.manual_seed(0)
    problem = GymNE(
        "CartPole-v1", "Linear(obs_length, 16) >> Tanh() >> Linear(16, act_length)",
        observation_normalization=True, num_actors=workers if workers > 1 else 0,
    )  # fmt: skip
    searcher = PGPE(
        problem, popsize=popsize, center_learning_rate=0.1, stdev_learning_rate=0.1, radius_init=0.5,
        optimizer="clipup", optimizer_config={"max_speed": 0.2},
    )  # fmt: skip
    searcher.step()  # start-up (actors, first episodes): not timed
    steps0 = int(problem.status["total_interaction_count"])
    eps0 = int(problem.status["total_episode_count"])
    t0 = time.perf_counter()
    done = 0
    while done < generations or (time.perf_counter() - t0 < min_seconds and done < 1000):
        searcher.step()
        done += 1
    seconds = time.perf_counter() - t0
    env_steps = int(problem.status["total_interaction_count"]) - steps0
    episodes = int(problem.status["total_episode_count"]) - eps0
    problem.kill_actors()
    return {"lifetimes": episodes, "env_steps": env_steps, "agent_steps": env_steps, "seconds": seconds}


def _workload_genome(path: str | None) -> tuple[object, np.ndarray]:
    """The experiment and genome of the workload (see ``--genome``)."""
    from devo.errors import DevoError
    from devo.evolve.target import resolve_target

    if path is None and not DEFAULT_GENOME.is_file():
        from devo.evolve.pool import build_evaluator
        from devo.experiment import load_experiment

        exp = load_experiment(FALLBACK_CONFIG)
        return exp, build_evaluator(exp).initial_genome(0)
    t = resolve_target(path or DEFAULT_GENOME)
    exp, gf = t.experiment, t.genome_file
    if exp.task.env != "CartPole-v1":
        raise DevoError(f"devo bench run compares on CartPole-v1; {str(path)!r} is a {exp.task.env} genome")
    return exp, np.asarray(gf.genome, np.float32)


def _row(system: str, workers: int, m: dict) -> dict:
    s = max(m["seconds"], 1e-9)
    return {
        "system": system, "workers": workers, "lifetimes": m["lifetimes"], "env_steps": m["env_steps"],
        "seconds": m["seconds"], "env_steps_per_s": m["env_steps"] / s, "lifetimes_per_s": m["lifetimes"] / s,
        "agent_steps_per_s": m["agent_steps"] / s,
    }  # fmt: skip


def run(args: argparse.Namespace) -> Iterator[dict]:
    exp, genome = _workload_genome(args.genome)
    genomes = genome_set(genome, args.popsize, args.sigma)
    rows = [_row("devo", 0, devo_workload(exp, genomes, args.generations, args.trials, 0))]
    rows.append(_row("devo", args.workers, devo_workload(exp, genomes, args.generations, args.trials, args.workers)))
    if not args.skip_gymne:
        rows.append(_row("EvoTorch GymNE (MLP 4-16-2)", args.workers, gymne_workload(
            args.popsize, args.generations, args.workers, min_seconds=max(2.0, rows[0]["seconds"]))))  # fmt: skip
    base = rows[0]["env_steps_per_s"]
    gym = rows[2]["env_steps_per_s"] if len(rows) > 2 else None
    for r in rows:
        r["x_in_process"] = r["env_steps_per_s"] / base if r["system"] == "devo" else None
        r["x_gymne_env_steps"] = r["env_steps_per_s"] / gym if gym else None
        yield r


def notes(rows: list[dict]) -> str:
    return (
        "One process, one workload: the genome set evaluated for the given generations by devo's pool "
        "in-process and with Ray workers (pool start-up and a warm-up lifetime untimed), then GymNE with "
        "the same number of actors (its first generation untimed). env steps/s counts environment "
        "interactions only; agent steps/s adds devo's development and spontaneous-activity steps. "
        "x devo in-process: env steps/s over devo's in-process figure."
    )
