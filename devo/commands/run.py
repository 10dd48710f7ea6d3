"""Evolve genomes for an experiment: `devo run CONFIG.toml [--set key=value ...]`.

Validates the whole config first (a bad key or value: exit code 2, nothing started), then creates
runs/<env>__<name>__<seed>__<time>/ with the resolved config, metrics.jsonl, TensorBoard scalars,
checkpoints and best_genome.npz. Ctrl-C writes a final checkpoint; `devo resume RUN_DIR` continues.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from devo.commands.overrides import add_set_argument

    parser.add_argument("config", nargs="?", help="experiment TOML, e.g. experiments/cartpole.toml")
    add_set_argument(parser, "override a config key, e.g. --set search.popsize=64 (repeatable)")
    parser.add_argument("--seed", type=int, help="run seed (config key: seed)")
    parser.add_argument("--generations", type=int, help="generations to run (run.generations)")
    parser.add_argument("--workers", type=int, help="-1 = every core, 0 = in-process without Ray (run.workers)")
    parser.add_argument("--ray-address", help="join the Ray cluster at HOST:PORT (run.ray_address)")
    parser.add_argument("--out", help="folder for run directories (run.out)")
    parser.add_argument("--quiet", action="store_true", help="plain progress lines, no live display")
    parser.add_argument("--help-config", action="store_true", help="list every config key with its default")
    parser.add_argument("--help-searchers", action="store_true", help="list the searchers and their parameters")


def print_config_help() -> None:
    from devo.config import help_for
    from devo.experiment import Experiment

    for key, default, text in help_for(Experiment):
        print(f"{key:<28} {default:<18} {text}")


def print_searchers_help() -> None:
    from devo.config import help_for
    from devo.evolve.searchers import SEARCHERS

    for name, entry in SEARCHERS.items():
        print(f"{name}: {entry.about}   [search.params]")
        for key, default, text in help_for(entry.params):
            print(f"    {key:<24} {default:<10} {text}")


def run(args: argparse.Namespace) -> int:
    from devo.errors import DevoError

    if args.help_config:
        print_config_help()
        return 0
    if args.help_searchers:
        print_searchers_help()
        return 0
    if not args.config:
        raise DevoError("missing CONFIG.toml (e.g. devo run experiments/quick.toml)")
    from devo.experiment import load_experiment

    exp = load_experiment(
        args.config,
        args.overrides,
        seed=args.seed,
        generations=args.generations,
        workers=args.workers,
        ray_address=args.ray_address,
        out=args.out,
    )
    from devo.evolve.runner import start_run
    from devo.warmup import ensure_compiled

    ensure_compiled(exp)  # a first run on this machine: say so, and time it
    return start_run(exp, quiet=args.quiet).exit_code
