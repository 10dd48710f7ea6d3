"""Check that devo can use an environment before a long run: build it, map its spaces, pickle it
(as Ray workers receive it), play a few seeded random episodes, check that the same seeds give the
same observations, and run the compiled fast path if there is one. Ends with
"devo can use SPEC" (exit 0) or "devo cannot use SPEC: <reason>" (exit 2).

SPEC: a task name (`devo envs`), a Gymnasium id, "module:Class", "module:factory", or a
`devo.environments` entry point name.
"""

from __future__ import annotations

import argparse
import ast


def _kv(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="task name, Gymnasium id, module:Class or module:factory")
    parser.add_argument("--kwarg", "-k", type=_kv, action="append", default=[], metavar="KEY=VALUE",
                        help="keyword argument for the environment (Python literal or string); repeatable")  # fmt: skip
    parser.add_argument("--episodes", type=int, default=3, help="random episodes to play (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the check (default 0)")
    parser.add_argument("--max-steps", type=int, default=None, help="cut each random episode at this many steps")
    parser.add_argument("--damage", choices=["permute_actions", "flip_obs"], default=None,
                        help="check the task with mid-life damage")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from devo.environments.check import check_env
    from devo.errors import DevoError

    if args.episodes < 1:
        raise DevoError(f"--episodes must be >= 1, got {args.episodes}")
    if args.max_steps is not None and args.max_steps < 1:
        raise DevoError(f"--max-steps must be >= 1, got {args.max_steps}")
    kwargs = dict(args.kwarg)
    if args.damage:
        kwargs["damage"] = args.damage
    # the environment's keywords go as one dict: `-k seed=3` or `-k max_steps=30` are the environment's
    report = check_env(args.spec, episodes=args.episodes, seed=args.seed, max_steps=args.max_steps, env_kwargs=kwargs)
    print(report.text())
    return 0 if report.ok else 2
