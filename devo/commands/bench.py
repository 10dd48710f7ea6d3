"""Speed benchmarks. Each suite prints its figures beside a baseline measured in the same run
(a ratio), because the machines are shared and noisy: compare ratios, not absolute times.

    devo bench snn [--json]        spiking substrate: compiled kernels vs the numpy reference
    devo bench envs [--json]       environment steps/s: compiled tasks vs the Gymnasium step loop
    devo bench lifetime [--json]   whole lifetimes: us per agent-step per family, beside LNDP, with the
                                   fixed cost of a lifetime and the cost of a development step
    devo bench run [--json]        one CartPole workload: devo in-process, devo on Ray workers and
                                   EvoTorch's GymNE, env steps/s and lifetimes/s with ratios
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from devo.bench import SUITES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="suite", metavar="SUITE", required=True)
    for name, module in SUITES.items():
        mod = importlib.import_module(module)
        p = sub.add_parser(name, help=mod.TITLE, description=(mod.__doc__ or mod.TITLE).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--json", action="store_true", help="print one JSON object per row")
        mod.add_arguments(p)
        p.set_defaults(_suite=mod)


def format_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """A GitHub-style table; ``columns`` = (key, header, format spec)."""
    head = "| " + " | ".join(h for _, h, _ in columns) + " |"
    sep = "|" + "|".join("---" for _ in columns) + "|"
    lines = [head, sep]
    for r in rows:
        cells = []
        for key, _, fmt in columns:
            v = r.get(key)
            cells.append("" if v is None else (format(v, fmt) if fmt else str(v)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    mod = args._suite
    if not args.json:
        print(f"# devo bench {args.suite}: {mod.TITLE}", flush=True)
    rows = []
    for row in mod.run(args):
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(".", end="", file=sys.stderr, flush=True)
    if not args.json:
        print("", file=sys.stderr)
        print(format_table(rows, mod.COLUMNS))
        notes = getattr(mod, "notes", None)
        if notes:
            print()
            print(notes(rows))
    return 0
