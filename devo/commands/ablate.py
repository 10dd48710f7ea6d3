"""Knock mechanisms out of an evolved genome: `devo ablate RUN_DIR|GENOME_FILE`.

The same genome on the same fresh lifetimes (``devo eval``'s seeds, which evolution never used),
intact and with each mechanism switched off in turn: plasticity frozen after development, the
plastic weight component off, structural plasticity off during life, no spontaneous activity, no
neurogenesis, activity reset every env step. Prints per condition the fitness, its paired
difference from the intact genome with a 95% interval, and the mean return per episode index;
writes ``ablation.json`` and ``ablation.png`` into the run directory (beside a genome file:
``NAME.ablation.json`` and ``NAME.ablation.png``), where ``devo inspect`` shows them in its report.
``--set KEY=VALUE`` ablates the genome under a changed config (e.g. with damage), written to ``--out``.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from devo.commands.overrides import LIVE_UNDER_HELP, add_set_argument
    from devo.environments.trust import add_trust_argument
    from devo.evolve.ablate import KNOCKOUTS

    parser.add_argument("target", help="a run directory (its best genome) or a genome file (.npz / .json)")
    parser.add_argument("--lifetimes", type=int, default=30, help="paired fresh lifetimes per condition (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="evaluation seed (default 0, as devo eval)")
    parser.add_argument(
        "--only", nargs="+", metavar="KNOCKOUT", choices=list(KNOCKOUTS),
        help="run only these knock-outs: " + ", ".join(KNOCKOUTS),
    )  # fmt: skip
    add_set_argument(parser, LIVE_UNDER_HELP.format(verb="ablate") + "; needs --out")
    parser.add_argument("--workers", type=int, default=0, help="Ray workers; 0 = in-process (default)")
    parser.add_argument("--out", help="folder for ablation.json and ablation.png (default: see above)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_trust_argument(parser)


def run(args: argparse.Namespace) -> int:
    from devo.atomic import atomic_write_text
    from devo.commands.overrides import live_under
    from devo.errors import DevoError
    from devo.evolve.ablate import ablate_genome, ablation_paths, plot_ablation
    from devo.evolve.target import resolve_target

    if args.workers < 0 and args.workers != -1:
        raise DevoError(f"--workers must be >= 0 or -1 (every core), got {args.workers}")
    if args.overrides and not args.out:
        raise DevoError(
            "--set changes the config the genome lives under, so its ablation does not belong where the "
            "genome's own is kept (and devo inspect shows it); name a folder for it with --out"
        )
    t = resolve_target(args.target, args.trust_task)
    gf = t.genome_file
    made_for, exp, source = live_under(t.experiment, args.overrides, t.source)
    json_path, png_path = ablation_paths(args.target, args.out)
    report = ablate_genome(
        exp, gf, lifetimes=args.lifetimes, seed=args.seed, workers=args.workers, knockouts=args.only,
        source=source, progress=None if args.json else (lambda m: print(f"  {m}", flush=True)), made_for=made_for,
    )  # fmt: skip
    print(report.to_json() if args.json else report.format_text())
    try:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(json_path, report.to_json() + "\n")
        plot_ablation(report, png_path)
    except OSError as exc:
        raise DevoError(
            f"cannot write the ablation into {str(json_path.parent)!r}: {exc.strerror or exc}; choose --out"
        ) from None
    if not args.json:
        print(f"wrote {json_path} and {png_path}")
    return 0
