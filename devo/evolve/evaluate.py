"""`devo eval`: fresh lifetimes of a genome, returns per episode index and over all episodes.

Episode 0 of a lifetime shows the innate skill (what development alone built); later episodes
show what the network learned within its life. Lifetime ``i`` has seed
``derive_seed(seed, EVAL_STREAM, i)``, a stream that training never uses, so these are lifetimes
the genome never saw during evolution.

With mid-life damage (``task.damage``) each lifetime's damage episode ``e*`` is drawn at random,
so the means per episode index mix damaged and intact episodes; the report then also splits every
lifetime's returns around its own ``e*`` (:func:`damage_split`): the episodes before it, the first
damaged episode ``e*`` (the one the damage strikes unannounced) and the later damaged ones (where a
network that learned from ``e*`` recovers), with ``recovery = mean(later) / mean(before)``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from devo.errors import DevoError
from devo.evolve.pool import build_evaluator, open_pool
from devo.experiment import Experiment, lifetime_hash
from devo.genome_io import GenomeFile, check_genome
from devo.settings import with_episodes

__all__ = [
    "EVAL_STREAM", "EvalReport", "check_lives_under", "damage_split", "eval_seed", "evaluate_genome", "run_lifetimes",
]

EVAL_STREAM = 0xE7A1


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:  # JSON has no NaN: empty statistics are null
        return {"n": 0, "mean": None, "std": None, "min": None, "max": None}
    a = np.asarray(values, dtype=np.float64)
    return {
        "n": int(a.size), "mean": float(a.mean()), "std": float(a.std()), "min": float(a.min()), "max": float(a.max())
    }  # fmt: skip


def damage_split(records: list[dict[str, Any]], firsts: list[int | None]) -> dict[str, Any] | None:
    """Returns around each lifetime's damage episode ``e*`` (``firsts[i]`` for ``records[i]``;
    None without damage): ``before`` (episodes < e*), ``first`` (episode e*), ``later`` (> e*),
    each as :func:`_stats` over the pooled episodes of the lifetimes that did not fail, and
    ``recovery`` = mean(later) / mean(before) (None when either is empty or mean(before) is 0;
    read it for tasks with positive returns)."""
    if not firsts or any(e is None for e in firsts):
        return None
    before: list[float] = []
    first: list[float] = []
    later: list[float] = []
    for r, e in zip(records, firsts, strict=True):
        if r.get("nan") or r.get("raised"):
            continue
        ret = [float(x) for x in r["returns"]]
        before += ret[:e]
        first += ret[e : e + 1]
        later += ret[e + 1 :]
    b, f, lt = _stats(before), _stats(first), _stats(later)
    rec = lt["mean"] / b["mean"] if b["n"] and lt["n"] and b["mean"] != 0 else None
    return {"before": b, "first": f, "later": lt, "recovery": rec}


def format_damage(split: dict[str, Any]) -> str:
    """One line: the mean returns before, at and after the damage (``n`` episodes each) and the recovery."""
    parts = [
        f"{label} {_num(split[k]['mean'], 0)} (n {split[k]['n']})"
        for k, label in (("before", "before"), ("first", "first damaged episode"), ("later", "later damaged"))
    ]
    rec = split.get("recovery")
    return "; ".join(parts) + ("" if rec is None else f"; later / before {rec:.3g}")


@dataclass
class EvalReport:
    """Results of ``lifetimes`` fresh lifetimes of one genome."""

    source: str
    env: str
    lifetimes: int
    episodes: int
    seed: int
    per_episode: list[dict[str, Any]]  # index k: returns of episode k over lifetimes
    all_episodes: dict[str, Any]
    fitness: dict[str, Any]
    env_steps: int
    nan_count: int
    error_count: int
    errors: list[str] = field(default_factory=list)
    training_fitness: float | None = None
    damage: dict[str, Any] | None = None  # damage_split, with "what": the damage, when the task has one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    def format_text(self) -> str:
        lines = [
            f"{self.source}: {self.lifetimes} fresh lifetimes of {self.episodes} episode(s) on {self.env} "
            f"(seed {self.seed})",
        ]
        if self.training_fitness is not None:
            lines.append(f"fitness during evolution: {self.training_fitness:.6g}")
        lines.append("episode          mean       std       min       max")
        for k, s in enumerate(self.per_episode):
            label = f"{k}" + (" (innate)" if k == 0 and len(self.per_episode) > 1 else "")
            lines.append(f"{label:<12} " + " ".join(_num(s[c]) for c in ("mean", "std", "min", "max")))
        a = self.all_episodes
        lines.append(f"{'all':<12} " + " ".join(_num(a[c]) for c in ("mean", "std", "min", "max")))
        f = self.fitness
        lines.append(f"lifetime fitness: mean {_num(f['mean'], 0)}, std {_num(f['std'], 0)}, min {_num(f['min'], 0)}")
        if self.damage is not None:
            lines.append(f"damage ({self.damage['what']}), each lifetime split at its own damage episode:")
            lines.append("  " + format_damage(self.damage))
        if self.nan_count or self.error_count:
            lines.append(f"{self.nan_count} lifetime(s) blew up (NaN), {self.error_count} raised")
            lines.extend(f"  {m}" for m in self.errors[:3])
        return "\n".join(lines)


def _num(x: float | None, width: int = 9) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:>{width}.4g}"


def check_lives_under(
    gf: GenomeFile, exp: Experiment, genome_size: int, made_for: Experiment | None = None, source: str = "genome"
) -> None:
    """Check that ``gf``'s genome may live under ``exp`` (whose genomes have ``genome_size`` values).

    Without ``made_for`` the genome must have been made under ``exp`` itself (same lifetime hash).
    With it (``--set``: ``exp`` is ``made_for`` changed on purpose), the genome is checked against
    ``made_for`` and need only keep its layout under ``exp``."""
    if made_for is None:
        check_genome(gf, genome_size, lifetime_hash(exp))
        return
    check_genome(gf, gf.genome.size, lifetime_hash(made_for))
    if gf.genome.size != genome_size:
        raise DevoError(
            f"{source}: the --set changes give the genome another layout ({genome_size} values, "
            f"not {gf.genome.size}); change only what the genome does not encode (task, lifetime, "
            "develop switches), not e.g. develop.plasticity"
        )


def evaluate_genome(
    exp: Experiment,
    gf: GenomeFile,
    *,
    lifetimes: int = 10,
    episodes: int | None = None,
    seed: int = 0,
    workers: int = 0,
    source: str = "genome",
    made_for: Experiment | None = None,
) -> EvalReport:
    """Run ``lifetimes`` fresh lifetimes of the genome in ``gf`` under ``exp`` (checked compatible).

    ``made_for``: the experiment the genome was evolved under, when ``exp`` is that experiment
    changed on purpose (``devo eval --set``: another task, damage, more episodes); the genome is
    checked against ``made_for`` and need only keep its layout under ``exp``."""
    if lifetimes < 1:
        raise DevoError(f"--lifetimes must be >= 1, got {lifetimes}")
    if episodes is not None and episodes < 1:
        raise DevoError(f"--episodes must be >= 1, got {episodes}")
    evaluator = build_evaluator(exp)
    check_lives_under(gf, exp, int(evaluator.genome_size), made_for, source)
    if episodes is not None and episodes != exp.lifetime.n_episodes:
        exp = with_episodes(exp, episodes)
        evaluator = build_evaluator(exp)
    seeds = [eval_seed(seed, i) for i in range(lifetimes)]
    records = run_lifetimes(exp, gf.genome, seeds, workers, evaluator)
    split = damage_split(records, [evaluator.damage_episode(s) for s in seeds])
    if split is not None:
        split["what"] = evaluator.task.damage.describe()
    n_ep = exp.lifetime.n_episodes
    ok = [r for r in records if not r.get("nan") and not r.get("raised")]
    per_episode = [_stats([float(r["returns"][k]) for r in ok if len(r["returns"]) > k]) for k in range(n_ep)]
    train_fit = gf.meta.get("fitness")
    return EvalReport(
        source=source,
        env=exp.task.env,
        lifetimes=lifetimes,
        episodes=n_ep,
        seed=seed,
        per_episode=per_episode,
        all_episodes=_stats([float(x) for r in ok for x in r["returns"]]),
        fitness=_stats([float(r["fitness"]) for r in records]),
        env_steps=int(sum(r.get("env_steps", 0) for r in records)),
        nan_count=sum(1 for r in records if r.get("nan")),
        error_count=sum(1 for r in records if r.get("raised")),
        errors=sorted({str(r.get("raised") or r.get("error")) for r in records if r.get("raised") or r.get("error")}),
        training_fitness=float(train_fit) if isinstance(train_fit, (int, float)) else None,
        damage=split,
    )


def run_lifetimes(
    exp: Experiment, genome: np.ndarray, seeds: list[int], workers: int = 0, evaluator: Any | None = None
) -> list[dict[str, Any]]:
    """One lifetime of ``genome`` per seed under ``exp``, in seed order (trial records of the pool)."""
    evaluator = evaluator if evaluator is not None else build_evaluator(exp)
    jobs = [(0, (s,)) for s in seeds]
    genomes = np.asarray(genome, np.float32)[None, :]
    with open_pool(exp, workers, exp.run.ray_address if workers else "", evaluator=evaluator) as pool:
        return [trials[0] for trials in pool.evaluate(genomes, jobs)]


def eval_seed(seed: int, i: int) -> int:
    """Seed of evaluation lifetime ``i`` (a stream evolution never uses)."""
    from devo.rng import derive_seed

    return derive_seed(seed, EVAL_STREAM, i)
