"""Continue a run from its newest checkpoint: `devo resume RUN_DIR [--generations G]`.

The resumed run ends with the same metrics and best genome as a run that was never stopped.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a run directory, e.g. runs/CartPole-v1__cartpole__0__20260101-120000")
    parser.add_argument("--generations", type=int, help="run to this many generations in all (default: the config's)")
    parser.add_argument("--workers", type=int, help="change run.workers from here on (results do not change)")
    parser.add_argument("--ray-address", help="change run.ray_address ('' = embedded Ray); results do not change")
    parser.add_argument("--quiet", action="store_true", help="plain progress lines, no live display")
    from devo.environments.trust import add_trust_argument

    add_trust_argument(parser)


def run(args: argparse.Namespace) -> int:
    from devo.evolve.runner import resume_run

    return resume_run(
        args.run_dir, generations=args.generations, workers=args.workers, ray_address=args.ray_address,
        quiet=args.quiet, trust=args.trust_task,
    ).exit_code  # fmt: skip
