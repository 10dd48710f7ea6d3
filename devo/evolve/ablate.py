"""`devo ablate`: does the evolved genome use each mechanism? The same genome on the same fresh
lifetimes, intact and with one mechanism knocked out at a time.

Every condition lives the lifetimes ``derive_seed(seed, EVAL_STREAM, i)`` (``devo eval``'s
stream, never used by evolution), so lifetime ``i`` of a knock-out and lifetime ``i`` of the intact
genome share their birth, development draws and task draws up to where the knock-out changes
something. The comparison is therefore paired: for each knock-out and each episode index ``k``,
:math:`d_i = R^{ko}_{i,k} - R^{intact}_{i,k}`, and the 95% confidence interval of its mean is
:math:`\\bar d \\pm t_{0.975, n-1}\\, s_d / \\sqrt n`. An interval that excludes 0 says the
mechanism matters to this genome (a negative difference: the genome *uses* it).

Knock-outs (:data:`KNOCKOUTS`): plasticity frozen after development; the plastic weight component
off; the modulator's shaping off (its potential set to 0: the modulator of the task's reward
alone); structural plasticity off during life; no spontaneous activity; no neurogenesis; activity
reset at every env step. One that the genome's config lacks already is reported "not
applicable". A knock-out changes the config, or the genome where the switch is a genome value
(the shaping potential), never the genome's layout.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from devo.errors import DevoError
from devo.evolve.evaluate import check_lives_under, damage_split, eval_seed, format_damage, run_lifetimes
from devo.evolve.pool import build_evaluator
from devo.experiment import Experiment
from devo.genome import GenomeSpec
from devo.genome_io import GenomeFile

__all__ = [
    "KNOCKOUTS", "AblationReport", "Knockout", "ablate_genome", "ablation_paths", "paired_interval", "plot_ablation",
    "t_quantile",
]


@dataclass(frozen=True)
class Knockout:
    """One mechanism switched off: ``why_not(exp)`` is '' when it applies, else the reason;
    ``apply(exp)`` is the experiment without it (the genome's layout unchanged); ``edit(spec,
    genome)``, if given, the genome without it (a copy)."""

    name: str
    what: str
    why_not: Callable[[Experiment], str]
    apply: Callable[[Experiment], Experiment]
    edit: Callable[[GenomeSpec, np.ndarray], np.ndarray] | None = None


def _dev(exp: Experiment, **changes: Any) -> Experiment:
    return replace(exp, develop=replace(exp.develop, **changes))


def _frozen_na(exp: Experiment) -> str:
    if exp.develop.plasticity == "frozen":
        return "the genome's family is frozen already"
    if exp.develop.freeze_after_development:
        return "frozen after development already"
    return ""


def _plastic_na(exp: Experiment) -> str:
    if exp.develop.plasticity != "learned":
        return f"no plastic weight component in the {exp.develop.plasticity} family"
    if not exp.develop.plastic_weights or exp.develop.freeze_after_development:
        return "plastic weight component off already"
    return ""


def _shaping_na(exp: Experiment) -> str:
    if not exp.develop.shaping:
        return "no shaping in this config"
    if exp.develop.freeze_after_development:
        return "frozen after development already: nothing reads the modulator"
    return ""


def _shaping_off(spec: GenomeSpec, genome: np.ndarray) -> np.ndarray:
    g = np.array(genome, np.float32, copy=True)
    a, b = spec.offsets["mod.potential"]
    g[a:b] = 0.0
    return g


def _structural_na(exp: Experiment) -> str:
    d = exp.develop
    if not d.structural:
        return "structural plasticity is off"
    if d.structural_during != "lifetime":
        return "structural plasticity is off during life already"
    if d.plasticity != "learned" or d.freeze_after_development:
        return f"no structural plasticity during life in the {d.plasticity} family"
    return ""


def _spontaneous_na(exp: Experiment) -> str:
    if not exp.develop.spontaneous or exp.develop.sa_steps == 0:
        return "no spontaneous activity in this config"
    return ""


def _neurogenesis_na(exp: Experiment) -> str:
    if not exp.develop.neurogenesis or exp.develop.growth_budget == 0:
        return "no neurogenesis in this config"
    return ""


def _reset_na(exp: Experiment) -> str:
    return "activity is reset every step already" if exp.lifetime.activity_reset == "step" else ""


KNOCKOUTS: dict[str, Knockout] = {
    k.name: k
    for k in (
        Knockout("frozen", "plasticity frozen after development", _frozen_na,
                 lambda e: _dev(e, freeze_after_development=True)),
        Knockout("no_plastic_weights", "plastic weight component off (H = 0)", _plastic_na,
                 lambda e: _dev(e, plastic_weights=False)),
        Knockout("no_shaping", "modulator without the shaping term (the task's reward alone)", _shaping_na,
                 lambda e: e, _shaping_off),
        Knockout("no_structural_life", "structural plasticity off during life", _structural_na,
                 lambda e: _dev(e, structural_during="development")),
        Knockout("no_spontaneous", "no spontaneous activity", _spontaneous_na,
                 lambda e: _dev(e, spontaneous=False)),
        Knockout("no_neurogenesis", "no neurogenesis", _neurogenesis_na,
                 lambda e: _dev(e, neurogenesis=False)),
        Knockout("reset_step", "activity reset every env step", _reset_na,
                 lambda e: replace(e, lifetime=replace(e.lifetime, activity_reset="step"))),
    )
}


def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile (Cornish-Fisher expansion around the normal quantile, Abramowitz &
    Stegun 26.7.5; within 1e-3 of the exact value for ``dof >= 5`` at p = 0.975)."""
    z = NormalDist().inv_cdf(p)
    if dof <= 0:
        return math.inf
    n = float(dof)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


def paired_interval(diff: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences and its two-sided ``level`` t interval: (mean, low, high)."""
    d = np.asarray(diff, np.float64)
    n = d.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(d.mean())
    if n == 1:
        return (mean, -math.inf, math.inf)
    half = t_quantile(0.5 + level / 2, n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    return (mean, mean - half, mean + half)


@dataclass
class Condition:
    """One row: the intact genome or one knock-out."""

    name: str
    what: str
    applicable: bool
    reason: str = ""
    fitness: dict[str, float] = field(default_factory=dict)  # mean, std over lifetimes
    per_episode: list[dict[str, float]] = field(default_factory=list)  # mean, std per episode index
    diff: dict[str, float] = field(default_factory=dict)  # fitness: mean, low, high vs intact
    diff_per_episode: list[dict[str, float]] = field(default_factory=list)
    failed: int = 0  # lifetimes that blew up or raised (excluded from the pairs)
    damage: dict[str, Any] | None = None  # returns around each lifetime's damage episode (damage_split)


@dataclass
class AblationReport:
    source: str
    env: str
    lifetimes: int
    episodes: int
    seed: int
    level: float
    conditions: list[Condition]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """JSON (no NaN or infinity: an undefined statistic is null)."""
        return json.dumps(_finite(self.to_dict()), indent=1, allow_nan=False)

    def format_text(self) -> str:
        pct = int(round(self.level * 100))
        lines = [
            f"{self.source}: ablation on {self.lifetimes} fresh lifetimes of {self.episodes} episode(s) on "
            f"{self.env} (seed {self.seed}); difference = knock-out - intact, paired, {pct}% interval",
            f"{'condition':<20} {'fitness':>9} {'difference':>11} {f'{pct}% interval':>22}  per episode (mean)",
        ]
        for c in self.conditions:
            if not c.applicable:
                lines.append(f"{c.name:<20} {'not applicable':>43}  ({c.reason})")
                continue
            eps = " ".join(f"{e['mean']:.4g}" for e in c.per_episode)
            if c.name == "intact":
                lines.append(f"{c.name:<20} {c.fitness['mean']:>9.4g} {'':>11} {'':>22}  {eps}")
                continue
            d = c.diff
            sig = " *" if d["high"] < 0 or d["low"] > 0 else ""
            iv = f"[{d['low']:.4g}, {d['high']:.4g}]"
            lines.append(f"{c.name:<20} {c.fitness['mean']:>9.4g} {d['mean']:>+11.4g} {iv:>22}  {eps}{sig}")
        lines.append("* the interval excludes 0")
        damaged = [c for c in self.conditions if c.applicable and c.damage is not None]
        if damaged:
            lines.append("mid-life damage, each lifetime split at its own damage episode (mean return):")
            lines.extend(f"{c.name:<20} {format_damage(c.damage)}" for c in damaged)
        return "\n".join(lines)


def _finite(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def ablate_genome(
    exp: Experiment,
    gf: GenomeFile,
    *,
    lifetimes: int = 30,
    seed: int = 0,
    workers: int = 0,
    knockouts: list[str] | None = None,
    level: float = 0.95,
    source: str = "genome",
    progress: Callable[[str], None] | None = None,
    made_for: Experiment | None = None,
) -> AblationReport:
    """Evaluate ``gf``'s genome intact and under each knock-out on the same ``lifetimes`` seeds.

    ``made_for``: the config the genome was evolved under, when ``exp`` is that config changed on
    purpose (``devo ablate --set``); see :func:`devo.evolve.evaluate.check_lives_under`."""
    if lifetimes < 2:
        raise DevoError(f"--lifetimes must be >= 2 for a paired interval, got {lifetimes}")
    names = list(KNOCKOUTS) if knockouts is None else knockouts
    unknown = [n for n in names if n not in KNOCKOUTS]
    if unknown:
        raise DevoError(f"unknown knock-out(s) {', '.join(unknown)}; choose among {', '.join(KNOCKOUTS)}")
    evaluator = build_evaluator(exp)
    check_lives_under(gf, exp, int(evaluator.genome_size), made_for, source)
    seeds = [eval_seed(seed, i) for i in range(lifetimes)]
    firsts = [evaluator.damage_episode(s) for s in seeds]  # the knock-outs keep the task: the same draws
    n_ep = exp.lifetime.n_episodes

    def live(e: Experiment, ev: Any = None, genome: np.ndarray | None = None) -> list[dict[str, Any]]:
        return run_lifetimes(e, gf.genome if genome is None else genome, seeds, workers, ev)

    say = progress or (lambda _m: None)
    say(f"intact: {lifetimes} lifetimes")
    base = live(exp, evaluator)
    rows = [_condition("intact", "the genome as evolved", base, None, n_ep, level, firsts)]
    for name in names:
        ko = KNOCKOUTS[name]
        reason = ko.why_not(exp)
        if reason:
            rows.append(Condition(name=name, what=ko.what, applicable=False, reason=reason))
            continue
        say(f"{name}: {ko.what}")
        genome = None if ko.edit is None else ko.edit(evaluator.spec, gf.genome)
        rows.append(_condition(name, ko.what, live(ko.apply(exp), genome=genome), base, n_ep, level, firsts))
    return AblationReport(
        source=source, env=exp.task.env, lifetimes=lifetimes, episodes=n_ep, seed=seed, level=level, conditions=rows
    )


def _ok(r: dict[str, Any]) -> bool:
    return not r.get("nan") and not r.get("raised")


def _condition(
    name: str, what: str, recs: list[dict[str, Any]], base: list[dict[str, Any]] | None, n_ep: int,
    level: float = 0.95, firsts: list[int | None] | None = None,
) -> Condition:
    ok = [_ok(r) for r in recs]
    nan = math.nan
    fit = np.array([float(r["fitness"]) for r, good in zip(recs, ok, strict=True) if good])
    ret = [[float(r["returns"][k]) for r, good in zip(recs, ok, strict=True) if good] for k in range(n_ep)]
    c = Condition(
        name=name, what=what, applicable=True, failed=int(len(recs) - sum(ok)),
        fitness={"mean": float(fit.mean()) if fit.size else nan, "std": float(fit.std()) if fit.size else nan},
        per_episode=[{"mean": float(np.mean(x)) if x else nan, "std": float(np.std(x)) if x else nan}
                     for x in ret],
    )  # fmt: skip
    c.damage = damage_split(recs, firsts or [])
    if base is not None:
        pairs = [i for i in range(len(recs)) if ok[i] and _ok(base[i])]
        d = np.array([float(recs[i]["fitness"]) - float(base[i]["fitness"]) for i in pairs])
        c.diff = dict(zip(("mean", "low", "high"), paired_interval(d, level), strict=True))
        c.diff_per_episode = [
            dict(zip(("mean", "low", "high"), paired_interval(
                np.array([float(recs[i]["returns"][k]) - float(base[i]["returns"][k]) for i in pairs]), level
            ), strict=True))
            for k in range(n_ep)
        ]  # fmt: skip
    return c


def ablation_paths(target: str | Path, out: str | Path | None = None) -> tuple[Path, Path]:
    """Where ``devo ablate`` writes (and ``devo inspect`` finds) a target's ablation: a run directory's
    ``ablation.json`` / ``ablation.png``; beside a genome file ``NAME.ablation.json`` /
    ``NAME.ablation.png``; or ``ablation.json`` / ``ablation.png`` in ``out``."""
    if out is not None:
        return Path(out) / "ablation.json", Path(out) / "ablation.png"
    t = Path(target)
    if t.is_dir():
        return t / "ablation.json", t / "ablation.png"
    return t.with_suffix(".ablation.json"), t.with_suffix(".ablation.png")


def plot_ablation(report: AblationReport, path: Any) -> None:
    """``ablation.png``: the fitness difference of each knock-out with its interval (left) and the
    return per episode index of every condition (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [c for c in report.conditions if c.applicable]
    kos = [c for c in rows if c.name != "intact"]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2))
    y = np.arange(len(kos))
    means = np.array([c.diff["mean"] for c in kos])
    lo = np.array([c.diff["low"] for c in kos])
    hi = np.array([c.diff["high"] for c in kos])
    colours = ["tab:red" if h < 0 else ("tab:green" if low > 0 else "tab:grey") for low, h in zip(lo, hi, strict=True)]
    ax0.barh(y, means, xerr=np.vstack([means - lo, hi - means]), color=colours, capsize=4)
    ax0.axvline(0, color="black", lw=0.8)
    ax0.set_yticks(y, [c.name for c in kos])
    ax0.invert_yaxis()
    ax0.set_xlabel(f"fitness: knock-out - intact ({int(report.level * 100)}% paired interval)")
    ax0.set_title(f"{report.env}: {report.lifetimes} paired lifetimes")
    for c in rows:
        eps = np.arange(len(c.per_episode))
        ax1.plot(eps, [e["mean"] for e in c.per_episode], marker="o", lw=2.5 if c.name == "intact" else 1.2,
                 color="black" if c.name == "intact" else None, label=c.name)
    ax1.set_xlabel("episode in the lifetime (0 = innate)")
    ax1.set_ylabel("mean return")
    ax1.set_xticks(np.arange(report.episodes))
    ax1.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
