"""A small lifetime config and a hand-made run directory for the inspect tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from devo.experiment import Experiment, experiment_from_dict, experiment_to_dict, experiment_to_toml, lifetime_hash

# Every mechanism on, few neurons, short episodes: a lifetime takes milliseconds once compiled.
SMALL: dict[str, Any] = {
    "name": "inspect-small",
    "task": {"env": "CartPole-v1", "max_episode_steps": 60},
    "network": {"max_neurons": 24, "max_synapses": 200},
    "develop": {"dev_steps": 8, "sa_steps": 8, "growth_budget": 40, "growth_during": "lifetime"},
    "lifetime": {"n_episodes": 2},
    "search": {"algorithm": "sep-cmaes", "popsize": 4},
    "run": {"workers": 0, "tensorboard": False},
}

METRICS = [
    {"generation": g, "best": 20.0 + 5 * g, "mean": 12.0 + 2 * g, "median": 11.0 + 2 * g, "worst": 9.0,
     "best_so_far": 20.0 + 5 * g}
    for g in range(4)
]


def small(**sections: dict[str, Any]) -> Experiment:
    """The small experiment with some section keys changed, e.g. ``small(network={"max_neurons": 30})``."""
    data = json.loads(json.dumps(SMALL))
    for name, changes in sections.items():
        data.setdefault(name, {}).update(changes)
    return experiment_from_dict(data)


def genome_for(exp: Experiment, seed: int = 0) -> np.ndarray:
    from devo.lifetime import Evaluator

    ev = Evaluator(exp)
    g = ev.initial_genome(seed)
    rng = np.random.default_rng(seed)
    # a spread of values so weights of both signs grow
    g = (g + rng.normal(0.0, 0.5, g.shape)).astype(np.float32)
    # neurons keep dividing, slowly, through development, spontaneous activity and the episodes,
    # so every stage the exports show differs from the one before
    a, b = ev.spec.offsets["div.c"]
    g[a:b] = (-2.5, -1.5)
    return g


def make_run_dir(path: Path, exp: Experiment, genome: np.ndarray | None, metrics: list[dict] | None = None,
                 partial_line: bool = False) -> Path:
    """What `devo run` leaves: config.toml, metrics.jsonl, best_genome.npz (if ``genome``)."""
    from devo.genome_io import save_genome

    path.mkdir(parents=True, exist_ok=True)
    (path / "checkpoints").mkdir(exist_ok=True)
    (path / "config.toml").write_text(experiment_to_toml(exp))
    lines = [json.dumps(m) for m in metrics or []]
    text = "".join(line + "\n" for line in lines)
    if partial_line:  # a live run in the middle of writing a line
        text += '{"generation": 99, "best": 1'
    (path / "metrics.jsonl").write_text(text)
    if genome is not None:
        save_genome(path / "best_genome.npz", genome, {
            "lifetime_hash": lifetime_hash(exp), "env": exp.task.env, "name": exp.name, "seed": exp.seed,
            "run": path.name, "fitness": 30.0, "generation": 2, "config": experiment_to_dict(exp),
        })
    return path
