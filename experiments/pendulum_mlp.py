"""Pendulum-v1 calibration: what a plain MLP policy reaches under the same evolution strategies.

Issue #12's Pendulum target (> -400) is not met by devo's networks (-677 / -751 / -758 in LNDP's
protocol). This script asks whether the target is within reach of evolution strategies at all
once the network is out of the way, and which property of the policy decides it: a fixed
``d -> H -> 1`` MLP, ``u = 2 tanh(v . f(W x + b) + c)``, evolved by EvoTorch's PGPE (ClipUp) or
separable CMA-ES with devo's population size (128) and two episodes per evaluation, every genome
of a generation on the same two start states (devo's ``run.common_seeds``).

The policy reads the observation (cos, sin, angular velocity / 8) through one of these codings:

- ``raw``: the signed values;
- ``rectified``: ``max(0, 2 x + 0.5)``, what one input neuron of devo's current encoder passes on
  (gain 2, offset 0.5, as ``experiments/pendulum_lndp.toml`` starts; a spike count is never
  negative);
- ``onoff``: ``max(0, x)`` and ``max(0, -x)``, an ON and an OFF channel per value;
- ``population``: 5 Gaussian receptive fields per value (centres -1..1, width 0.35), devo's
  population encoder;

and hidden units ``tanh`` (odd: ``f(-z) = -f(z)``), ``relu`` (rectifying, as a spiking neuron's
rate) or ``counts`` (a spike count in ``--ticks`` ticks: ``floor(K clip(z, 0, 1)) / K``, ``K + 1``
levels, as a hidden neuron of ``pendulum_lndp.toml`` whose activity restarts every env step). Each
run reports its final search centre on 30 x 3 fresh episodes.

The environment is a numpy twin of Gymnasium's Pendulum-v1 (its step function written out,
vectorised over the population); the script first checks it against ``gymnasium.make`` step by
step and stops if they differ.

    python experiments/pendulum_mlp.py                        # the README's PGPE row (8.5 min on 2 cores)
    python experiments/pendulum_mlp.py --searcher sep-cmaes --coding raw rectified --workers 1
    python experiments/pendulum_mlp.py --hidden relu counts --coding raw rectified --seeds 0 1 2 3 4 5
    python experiments/pendulum_mlp.py --hidden counts --ticks 20 --coding rectified --seeds 0 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

CODINGS = ("raw", "rectified", "onoff", "population")
HIDDEN = ("tanh", "relu", "counts")
SEARCHERS = ("pgpe", "sep-cmaes")
SCALE = np.array([1.0, 1.0, 8.0])  # Pendulum-v1's observation bounds


def features(obs: np.ndarray, coding: str) -> np.ndarray:
    """The policy's input for a batch of observations (n, 3)."""
    x = obs / SCALE
    if coding == "raw":
        return x
    if coding == "rectified":
        return np.maximum(0.0, 2.0 * x + 0.5)
    if coding == "onoff":
        return np.concatenate([np.maximum(x, 0.0), np.maximum(-x, 0.0)], 1)
    if coding == "population":
        c = np.linspace(-1.0, 1.0, 5)
        return np.exp(-((x[..., None] - c) ** 2) / (2 * 0.35**2)).reshape(len(x), -1)
    raise ValueError(f"unknown coding {coding!r}; choose one of {CODINGS}")


def n_features(coding: str) -> int:
    """Input width of the policy under ``coding`` (read off :func:`features`, not kept twice)."""
    return features(np.zeros((1, 3)), coding).shape[1]


def pendulum_step(th: np.ndarray, w: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gymnasium Pendulum-v1's step (g = 10, m = l = 1, dt = 0.05, |w| <= 8, |u| <= 2), vectorised:
    the next angle, velocity and the reward."""
    u = np.clip(u, -2.0, 2.0)
    cost = (((th + np.pi) % (2 * np.pi)) - np.pi) ** 2 + 0.1 * w**2 + 0.001 * u**2
    w2 = np.clip(w + (3 * 10.0 / 2 * np.sin(th) + 3.0 * u) * 0.05, -8.0, 8.0)
    return th + w2 * 0.05, w2, -cost


def check_twin(steps: int = 300) -> None:
    """Stop if one step of the twin departs from one step of gymnasium's Pendulum-v1 (random
    torques, from the states gymnasium visits; gymnasium computes the torque terms in float32)."""
    import gymnasium as gym

    env = gym.make("Pendulum-v1")
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    for _ in range(steps):
        th, w = (np.array([v], np.float64) for v in env.unwrapped.state)
        u = np.float32(rng.uniform(-2.5, 2.5))
        _, r, *_ = env.step(np.array([u], np.float32))
        th2, w2, r2 = pendulum_step(th, w, np.array([float(u)]))
        if not (np.isclose(r, r2[0], rtol=1e-6, atol=1e-9) and np.allclose(env.unwrapped.state, [th2[0], w2[0]],
                                                                               rtol=1e-6, atol=1e-9)):
            raise SystemExit("the numpy twin departs from gymnasium's Pendulum-v1; fix pendulum_step")


def hidden_units(z: np.ndarray, hidden: str, ticks: int = 6) -> np.ndarray:
    """The hidden layer's output for its input currents ``z``."""
    if hidden == "tanh":
        return np.tanh(z)
    if hidden == "relu":
        return np.maximum(z, 0.0)
    if hidden == "counts":
        return np.floor(ticks * np.clip(z, 0.0, 1.0)) / ticks
    raise ValueError(f"unknown hidden unit {hidden!r}; choose one of {HIDDEN}")


def returns(
    params: np.ndarray, coding: str, hidden: str, h: int, rng: np.random.Generator, episodes: int, ticks: int = 6
) -> np.ndarray:
    """Mean return over ``episodes`` episodes of 200 steps of every policy (row of ``params``);
    every policy starts from the same states."""
    n, d = params.shape[0], n_features(coding)
    w1 = params[:, : d * h].reshape(n, h, d)
    b1 = params[:, d * h : (d + 1) * h]
    w2 = params[:, (d + 1) * h : (d + 2) * h]
    b2 = params[:, (d + 2) * h]
    total = np.zeros(n)
    for _ in range(episodes):
        th = np.full(n, rng.uniform(-np.pi, np.pi))
        w = np.full(n, rng.uniform(-1.0, 1.0))
        for _ in range(200):
            z = np.einsum("nhk,nk->nh", w1, features(np.stack([np.cos(th), np.sin(th), w], 1), coding)) + b1
            act = hidden_units(z, hidden, ticks)
            th, w, r = pendulum_step(th, w, 2.0 * np.tanh((w2 * act).sum(1) + b2))
            total += r
    return total / episodes


def run(coding: str, hidden: str, searcher: str, seed: int, generations: int, popsize: int = 128,
        width: int = 16, ticks: int = 6) -> dict:
    """One evolution run; returns its final centre's mean return on 30 x 3 fresh episodes."""
    import torch
    from evotorch import Problem
    from evotorch.algorithms import CMAES, PGPE

    length = (n_features(coding) + 2) * width + 1

    class Policy(Problem):
        def __init__(self) -> None:
            super().__init__("max", solution_length=length, initial_bounds=(-0.5, 0.5), seed=seed)
            self.generation = 0

        def _evaluate_batch(self, batch) -> None:
            rng = np.random.default_rng((seed, self.generation))
            self.generation += 1
            x = batch.values.detach().cpu().numpy().astype(np.float64)
            batch.set_evals(torch.as_tensor(returns(x, coding, hidden, width, rng, 2, ticks)))

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    problem = Policy()
    if searcher == "pgpe":
        es = PGPE(problem, popsize=popsize, center_learning_rate=0.075, stdev_learning_rate=0.1, stdev_init=0.5,
                  optimizer="clipup", optimizer_config={"max_speed": 0.15}, ranking_method="centered")
    else:
        es = CMAES(problem, popsize=popsize, stdev_init=0.5, separable=True)
    t0 = time.time()
    for _ in range(generations):
        es.step()
    centre = es.status["center"].detach().cpu().numpy().astype(np.float64)[None]
    fresh = [returns(centre, coding, hidden, width, np.random.default_rng((10**6, seed, k)), 3, ticks)[0]
             for k in range(30)]
    return {"coding": coding, "hidden": hidden if hidden != "counts" else f"counts ({ticks} ticks)",
            "searcher": searcher, "seed": seed, "generations": generations,
            "return": float(np.mean(fresh)), "seconds": time.time() - t0}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--coding", nargs="+", choices=CODINGS, default=list(CODINGS))
    p.add_argument("--hidden", nargs="+", choices=HIDDEN, default=["tanh", "relu"])
    p.add_argument("--searcher", nargs="+", choices=SEARCHERS, default=["pgpe"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--generations", type=int, default=600)
    p.add_argument("--popsize", type=int, default=128)
    p.add_argument("--ticks", type=int, default=6, help="ticks per env step of the counts hidden unit")
    p.add_argument("--workers", type=int, default=2, help="runs at once (processes)")
    args = p.parse_args(argv)
    check_twin()
    cells = list(itertools.product(args.coding, args.hidden, args.searcher, args.seeds))
    print("| coding | hidden | searcher | seed | return (centre, 90 fresh episodes) | s |")
    print("|---|---|---|---|---|---|")
    jobs = [(c, h, s, seed, args.generations, args.popsize, 16, args.ticks) for c, h, s, seed in cells]
    pool = ProcessPoolExecutor(args.workers) if args.workers > 1 else None
    for r in (pool.map if pool else map)(run, *zip(*jobs, strict=True)):
        print(f"| {r['coding']} | {r['hidden']} | {r['searcher']} | {r['seed']} | {r['return']:.1f} | "
              f"{r['seconds']:.0f} |", flush=True)
    if pool:
        pool.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
