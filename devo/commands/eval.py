"""Evaluate a genome in fresh lifetimes: `devo eval RUN_DIR|GENOME_FILE`.

Prints mean, std and min of the return for each episode index (episode 0 = innate skill, later
episodes = learned within the lifetime) and over all episodes.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from devo.commands.overrides import LIVE_UNDER_HELP, add_set_argument
    from devo.environments.trust import add_trust_argument

    parser.add_argument("target", help="a run directory (its best genome) or a genome file (.npz / .json)")
    parser.add_argument("--lifetimes", type=int, default=10, help="fresh lifetimes (default 10)")
    parser.add_argument("--episodes", type=int, help="episodes per lifetime (default: the config's)")
    parser.add_argument("--seed", type=int, default=0, help="evaluation seed (default 0)")
    add_set_argument(parser, LIVE_UNDER_HELP.format(verb="evaluate"))
    parser.add_argument("--workers", type=int, default=0, help="Ray workers; 0 = in-process (default)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--out", help="also write the results as JSON to this file")
    add_trust_argument(parser)


def run(args: argparse.Namespace) -> int:
    from devo.atomic import atomic_write_text
    from devo.commands.overrides import live_under
    from devo.errors import DevoError
    from devo.evolve.evaluate import evaluate_genome
    from devo.evolve.target import resolve_target

    if args.workers < -1:
        raise DevoError(f"--workers must be >= 0 or -1 (every core), got {args.workers}")
    t = resolve_target(args.target, args.trust_task)
    gf = t.genome_file
    made_for, exp, source = live_under(t.experiment, args.overrides, t.source)
    from devo.warmup import ensure_compiled

    ensure_compiled(exp)  # a first run on this machine: say so, and time it
    report = evaluate_genome(
        exp, gf, lifetimes=args.lifetimes, episodes=args.episodes, seed=args.seed, workers=args.workers,
        source=source, made_for=made_for,
    )  # fmt: skip
    print(report.to_json() if args.json else report.format_text())
    if args.out:
        try:
            atomic_write_text(args.out, report.to_json() + "\n")
        except OSError as exc:
            raise DevoError(
                f"cannot write {str(args.out)!r} ({exc.strerror or exc}); the results are printed above. "
                "Choose a writable --out"
            ) from None
    return 0
