"""Run a results campaign and regenerate its report: `devo campaign CAMPAIGN.toml`.

    devo campaign experiments/campaign.toml                  run every missing cell-seed, then the report
    devo campaign experiments/campaign.toml --budget-min 60  start no cell-seed after 60 minutes
    devo campaign experiments/campaign.toml --only 'cartpole*' --dry-run   what would run
    devo campaign experiments/campaign.toml --report-only    RESULTS.md and figures from the records

Cells run one after another, each with every worker (one Ray runtime for all; --ray-address joins
a cluster). A finished cell-seed (its record's run.json exists) is never run again; a stopped one
resumes from its run folder's checkpoints. Each finished cell-seed writes a small record under the
campaign's `results` folder (genome.npz, eval.json, ablation.json, curve.csv, run.json); the run
folders (checkpoints) go under its `runs` folder. The report (RESULTS.md, figures/) is rebuilt
from the records alone after every invocation. The campaign file's format: devo/campaign/spec.py.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("campaign", help="campaign TOML, e.g. experiments/campaign.toml")
    parser.add_argument("--budget-min", type=float, help="start no new cell-seed after this many minutes")
    parser.add_argument(
        "--only", action="append", default=[], metavar="PATTERN",
        help="run only cells whose name matches (shell wildcards; repeatable); the report keeps every cell",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, help="override every cell's run.workers (-1 = every core, 0 = no Ray)")
    parser.add_argument("--ray-address", help="join the Ray cluster at HOST:PORT for every cell")
    parser.add_argument("--dry-run", action="store_true", help="show each cell-seed's state and what would run")
    parser.add_argument("--report-only", action="store_true", help="only regenerate the report from the records")
    parser.add_argument("--no-figures", action="store_true", help="write RESULTS.md without the figures")
    parser.add_argument("--quiet", action="store_true", help="plain progress lines, no live display")


def run(args: argparse.Namespace) -> int:
    from devo.campaign.execute import Options, format_plan, plan, run_campaign
    from devo.campaign.report import write_report
    from devo.campaign.spec import load_campaign
    from devo.errors import DevoError

    if args.workers is not None and args.workers < -1:
        raise DevoError(f"--workers must be >= 0 or -1 (every core), got {args.workers}")
    if args.dry_run and args.report_only:
        raise DevoError("--dry-run and --report-only: choose one")
    campaign = load_campaign(args.campaign)
    only = tuple(p for arg in args.only for p in arg.split(",") if p)
    if args.dry_run:
        print(format_plan(campaign, plan(campaign, only, args.workers)))
        return 0
    code = 0
    if not args.report_only:
        opts = Options(
            only=only, budget_min=args.budget_min, workers=args.workers, ray_address=args.ray_address,
            quiet=args.quiet,
        )  # fmt: skip
        code = run_campaign(campaign, opts, log=lambda m: print(m, flush=True))
        if code == 130:
            return code
    try:
        report, figures = write_report(campaign, figures=not args.no_figures)
    except OSError as exc:
        raise DevoError(
            f"cannot write the report ({exc.filename or campaign.report_path}: {exc.strerror or exc}); the records "
            "are kept, rerun with --report-only"
        ) from None
    print(f"report: {campaign.shown(report)}" + (f" and {len(figures)} figure(s) in "
                                                 f"{campaign.shown(campaign.figures_dir)}" if figures else ""))
    return code
