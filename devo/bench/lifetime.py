"""Benchmark of whole lifetimes: microseconds per agent-step, per plasticity family, with a
breakdown of the learned rules, beside LNDP's cost measured on this machine kind.

For each size N the network is born with N alive neurons (4 inputs and 2 outputs for CartPole,
the rest hidden seed cells, no division) and an initial reservoir sized to the target synapse
count; the genome is the default initial one with synaptogenesis and pruning rates set so the
count stays near its target. A lifetime is development + spontaneous activity + CartPole-v1
episodes (native), timed end to end; "per agent-step" divides by every step of the life
(development, spontaneous activity and env steps), as LNDP's figure does. Beside it: the fixed cost
of a lifetime (one env step, no development: reset, birth, the compiled call), the cost of one
development or spontaneous-activity step (structural plasticity every step) and of one env step.

The breakdown times each learned rule on the network as it stands after development, in compiled
loops, and amortises it over its clock: K LIF ticks (with encoding and decoding) every step, the
node rule every ``node_every`` steps, the edge rule every step, a structural step (pruning and
synaptogenesis) every ``structural_every`` steps.

LNDP's reference (research/baselines.md, lndp.md §6.4: its JAX model with dense N^2 passes, one
agent, this machine kind): 58 us per agent-step at N = 32 and 430-535 us at N = 64. These are
constants from that measurement, not re-measured here (JAX is not a devo dependency).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from devo.bench.timing import fastest

TITLE = "lifetime: us per agent-step (development + spontaneous activity + CartPole), per family"
COLUMNS = [
    ("n", "N", ""),
    ("synapses", "synapses", ",.0f"),
    ("family", "family", ""),
    ("us_per_agent_step", "us/agent-step", ".1f"),
    ("us_per_env_step", "us/env-step", ".1f"),
    ("us_per_dev_step", "us/dev-step", ".1f"),
    ("fixed_us", "fixed us/lifetime", ".0f"),
    ("ns_per_synapse", "ns/synapse/step", ".1f"),
    ("lndp_us", "LNDP us", ""),
    ("vs_lndp", "x faster than LNDP", ".1f"),
    ("ticks_us", "ticks", ".2f"),
    ("node_us", "node rule", ".2f"),
    ("edge_us", "edge rule", ".2f"),
    ("structural_us", "structural", ".2f"),
]
LNDP_US = {32: 58.0, 64: 482.5}  # 430-535 at N=64: the midpoint
LNDP_TEXT = {32: "58", 64: "430-535"}
SIZES = {32: 640, 64: 1500, 128: 4000, 256: 10000}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="alive neurons N")
    p.add_argument("--families", nargs="+", default=["learned", "rstdp", "hebbian", "frozen"])
    p.add_argument("--lifetimes", type=int, default=3, help="lifetimes timed per row (median)")
    p.add_argument(
        "--repeats", type=int, default=3,
        help="times each lifetime and each rule is timed; the fastest counts (a shared host only adds time)",
    )
    p.add_argument("--episodes", type=int, default=40, help="CartPole episodes per lifetime")
    p.add_argument(
        "--growth", type=int, default=0, metavar="G",
        help="instead of timing: final neuron and synapse counts of G random initial genomes",
    )


@dataclass(frozen=True)
class _Setup:
    task: object
    network: object
    develop: object
    lifetime: object = field(default=None)


def make_setup(n: int, synapses: int, family: str, episodes: int):
    from devo.settings import DevelopConfig, LifetimeConfig, NetworkConfig, TaskConfig
    from devo.snn.mask import count_allowed

    hidden = n - 6
    density = min(1.0, synapses / count_allowed(4, hidden, 2))
    return _Setup(
        task=TaskConfig(env="CartPole-v1"),
        network=NetworkConfig(
            max_neurons=n, max_synapses=int(synapses * 1.5) + 64, seed_hidden=hidden, init_density=density,
        ),
        develop=DevelopConfig(plasticity=family, neurogenesis=False),
        lifetime=LifetimeConfig(n_episodes=episodes),
    )


def bench_genome(ev) -> np.ndarray:
    """The default initial genome with synaptogenesis and pruning rates that keep counts steady."""
    g = ev.initial_genome(0).copy()
    for name, value in (("add.c", (-5.0, 0.0)), ("prune.c", (-6.0, 0.0)), ("add.v", 0.0), ("prune.v", 0.0)):
        a, b = ev.spec.offsets[name]
        g[a:b] = value
    return g


def _per_call(fn, *args, reps: int, repeats: int = 1, fresh=None) -> float:
    """us per call of the compiled loop ``fn(*args, reps)``, fastest of ``repeats`` timings;
    ``fresh()`` (if given) makes the first argument anew for each timing (rules that edit it)."""
    def call_args() -> tuple:
        return ((fresh(),) + args if fresh else args) + (reps,)

    fn(*call_args()[:-1], 1)
    best = min(fastest(1, fn, *call_args())[0] for _ in range(max(repeats, 1)))
    return best / reps * 1e6


def _lifetimes(ev, genome: np.ndarray, n: int):
    """A callable that lives ``n`` lifetimes of ``genome`` (seeds 1..n), one call per lifetime as
    the pool makes them (the genome's rules stay shaped between them)."""
    ev(genome, 0)  # compile / warm up

    def live() -> None:
        for seed in range(1, n + 1):
            ev(genome, seed)

    return live


BREAKDOWN_REPS = 100  # calls per timing of one rule: amortises the call, too few to drift far from the developed state


def breakdown(ev, genome: np.ndarray, repeats: int = 1) -> dict[str, float]:
    """Per-step cost of each learned rule (us), amortised over its clock.

    Every timing starts from a fresh copy of the network as development left it, and repeats the
    rule ``BREAKDOWN_REPS`` times, with subnormal floats flushed to zero as in a lifetime
    (:mod:`devo.lifetime.fpmode`): repeated on one network for thousands of steps, a rule would be
    timed on a state no lifetime reaches (the silent neurons' traces and eligibilities decayed;
    before the flush, through subnormal floats that read the ticks at 2.4x and the edge rule at
    1.4x their cost at N=64)."""
    from devo.bench.lifetime_kernels import time_act, time_edge, time_node, time_structural
    from devo.develop import agent as A
    from devo.lifetime.session import box_step, make_box
    from devo.lifetime.step import PY_BIRTH

    net, ag, R, rec = ev.prepare(genome, 0)
    box_step(make_box(net, ag, R, rec), PY_BIRTH, 0.0, False, 0, 0, 0)
    ag.obs[:] = 0.01
    dev = ev.setup.develop
    reps, tries = BREAKDOWN_REPS, max(repeats, 1) * 4
    out = {
        "ticks_us": _per_call(time_act, ag, rec, reps=reps, repeats=tries, fresh=net.copy),
        "node_us": _per_call(time_node, ag, R, reps=reps, repeats=tries, fresh=net.copy) / dev.node_every,
        "edge_us": _per_call(time_edge, ag, R, reps=reps, repeats=tries, fresh=net.copy),
    }
    ag.counters[A.K_PHASE] = A.PHASE_EPISODE
    out["structural_us"] = _per_call(
        time_structural, ag, R, reps=50, repeats=tries, fresh=net.copy
    ) / dev.structural_every
    return out


GROWTH_COLUMNS = [
    ("config", "config", ""),
    ("what", "count", ""),
    ("min", "min", ".0f"),
    ("p10", "p10", ".0f"),
    ("median", "median", ".0f"),
    ("p90", "p90", ".0f"),
    ("max", "max", ".0f"),
    ("capacity", "capacity", ""),
]


def growth(n_genomes: int) -> Iterator[dict]:
    """Final counts after one lifetime of ``n_genomes`` genomes from the default initialisation
    (``GenomeSpec.initial(seed)`` for seeds 0..n-1), for the default and the CartPole configs."""
    from pathlib import Path

    from devo.experiment import Experiment, load_experiment
    from devo.lifetime import Evaluator

    configs = {"defaults": Experiment()}
    cartpole = Path(__file__).resolve().parents[2] / "experiments" / "cartpole.toml"
    if cartpole.is_file():
        configs["experiments/cartpole.toml"] = load_experiment(cartpole)
    for name, exp in configs.items():
        ev = Evaluator(exp)
        results = [ev(ev.initial_genome(seed), seed) for seed in range(n_genomes)]
        caps = {"neurons": exp.network.max_neurons, "synapses": exp.network.max_synapses}
        for what in ("neurons", "synapses", "divisions", "added", "pruned"):
            x = np.array([getattr(r, what) for r in results], np.float64)
            q = np.percentile(x, [0, 10, 50, 90, 100])
            yield {"config": name, "what": what, "min": q[0], "p10": q[1], "median": q[2], "p90": q[3],
                   "max": q[4], "capacity": caps.get(what, "")}  # fmt: skip


def run(args: argparse.Namespace) -> Iterator[dict]:
    from devo.lifetime import Evaluator

    if args.growth:
        COLUMNS[:] = GROWTH_COLUMNS
        yield from growth(args.growth)
        return

    for n in args.sizes:
        target = SIZES.get(n, n * 20)
        for family in args.families:
            ev = Evaluator(make_setup(n, target, family, args.episodes))
            g = bench_genome(ev)
            ev(g, 0)  # compile / warm up
            times, steps, env_steps, syn = [], [], [], []
            dev_steps = ev.setup.develop.dev_steps + ev.setup.develop.sa_steps
            for k in range(args.lifetimes):
                t, r = fastest(args.repeats, ev, g, 1 + k)
                times.append(t)
                steps.append(dev_steps + r.env_steps)
                env_steps.append(r.env_steps)
                syn.append(r.synapses)
            i = int(np.argsort(times)[len(times) // 2])
            us_step = times[i] / steps[i] * 1e6
            # fixed cost: a lifetime of one env step without development; development cost: one
            # env step after development and spontaneous activity, less the fixed cost
            one_step = replace(ev.setup.lifetime, n_episodes=1)
            task1 = replace(ev.setup.task, max_episode_steps=1)
            ev_dev = Evaluator(replace(ev.setup, lifetime=one_step, task=task1))
            ev_fixed = Evaluator(replace(ev.setup, lifetime=one_step, task=task1, develop=replace(
                ev.setup.develop, dev_steps=0, sa_steps=0)))  # fmt: skip
            t_dev = fastest(args.repeats, _lifetimes(ev_dev, g, 10))[0] / 10
            t_fixed = fastest(args.repeats, _lifetimes(ev_fixed, g, 10))[0] / 10
            us_dev = max(t_dev - t_fixed, 0.0) / max(dev_steps, 1) * 1e6
            us_env = max(times[i] - t_dev, 0.0) * 1e6 / max(env_steps[i] - 1, 1)
            row = {
                "n": n,
                "synapses": float(np.mean(syn)),
                "family": family,
                "us_per_agent_step": us_step,
                "us_per_env_step": us_env,
                "us_per_dev_step": us_dev,
                "fixed_us": t_fixed * 1e6,
                "ns_per_synapse": us_step * 1e3 / max(np.mean(syn), 1),
                "lndp_us": LNDP_TEXT.get(n, ""),
                "vs_lndp": LNDP_US[n] / us_step if n in LNDP_US else None,
                "env_steps": env_steps[i],
                "agent_steps": steps[i],
            }
            if family == "learned":
                row.update(breakdown(ev, g, args.repeats))
            yield row


def notes(rows: list[dict]) -> str:
    if rows and "what" in rows[0]:
        return (
            "Growth: one lifetime (CartPole) of each of the first G genomes of the default "
            "initialisation (GenomeSpec.initial(seed)); counts at the end of life."
        )
    return (
        "us/agent-step = lifetime wall time / (development + spontaneous + env steps), median of "
        "lifetimes, each the fastest of --repeats timings; synapses = alive at the end of life. "
        "fixed us/lifetime: a lifetime of one env step without development (reset, birth, one "
        "compiled call); us/dev-step: a lifetime of one env step after development and spontaneous "
        "activity, less the fixed cost, per step; us/env-step: the rest of the lifetime per env step. "
        "Breakdown (learned): us per step, amortised over each rule's clock, timed from fresh copies "
        f"of the network after development ({BREAKDOWN_REPS} calls per timing). LNDP: its JAX model (dense N^2), "
        "one agent, this machine kind (constants from research/lndp.md)."
    )
