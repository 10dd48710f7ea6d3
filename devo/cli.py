"""The `devo` command line: `devo <command> [args]` (also `python -m devo`).

Each command lives in its own module, named in :data:`COMMANDS`, which provides
``add_arguments(parser)`` and ``run(args) -> int``. Modules keep heavy imports inside ``run`` so
``devo --help`` stays fast. A :class:`~devo.errors.DevoError` is printed without a traceback and
gives exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from devo.errors import DevoError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("devo.commands.demo", "the spiking substrate alone: build a network, drive it, report"),
    "bench": ("devo.commands.bench", "speed benchmarks, as ratios against a same-run baseline"),
    "run": ("devo.commands.run", "evolve genomes for an experiment config (EvoTorch + Ray)"),
    "resume": ("devo.commands.resume", "continue a run from its newest checkpoint"),
    "eval": ("devo.commands.eval", "fresh lifetimes of a genome: returns per episode"),
    "ablate": ("devo.commands.ablate", "knock mechanisms out of a genome: paired differences on fresh lifetimes"),
    "campaign": ("devo.commands.campaign", "run a results campaign's missing cells, then regenerate RESULTS.md"),
    "inspect": ("devo.commands.inspect", "regrow a genome and show what grew: exports, plots, animation, report"),
    "envs": ("devo.commands.envs", "list the registered tasks: spaces, horizon, compiled fast path"),
    "check-env": ("devo.commands.check_env", "can devo use this environment? if not, exactly why"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devo", description="Neuroevolution of developing spiking networks."
    )
    from devo import __version__

    parser.add_argument("--version", action="version", version=f"devo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module)
        # the docstrings are laid out by hand (usage lines, tables): keep their line breaks
        p = sub.add_parser(name, help=help_text, description=(mod.__doc__ or help_text).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_module=mod)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except DevoError as exc:
        print(f"devo {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"devo {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `devo ... | head`: the reader left; say nothing more
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
