"""Regrow a genome with recording on and show what grew: `devo inspect RUN_DIR|GENOME_FILE`.

Writes into RUN_DIR/inspect/ (or --out): the network as GraphML, JSON and NIR (after development,
after spontaneous activity, at the end of life: network_<stage>.*; network.* is the end of life),
spikes.npz (every spike of the lifetime, readable with numpy alone), topology.png, raster.png,
timeline.png, growth.gif, fitness.png (from the run's metrics.jsonl, also while the run is going)
and report.html, one self-contained page with all of it. The lifetime is the first one `devo eval
--seed S` runs, so its returns match; `devo.inspect.grow(genome, config, seed=S)` records the same.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="a run directory (its best genome) or a genome file (.npz / .json)")
    parser.add_argument("--seed", type=int, default=0,
                        help="evaluation seed; the lifetime is `devo eval`'s first (default 0)")
    parser.add_argument("--out", help="output folder (default: RUN_DIR/inspect, or <genome file>_inspect)")
    parser.add_argument("--episodes", type=int, help="episodes in the lifetime (default: the config's)")
    parser.add_argument("--config", help="a TOML config to grow the genome under instead of its own")
    parser.add_argument("--snap-every", type=int, help="steps between snapshots (default: about 80 per lifetime)")
    parser.add_argument("--lifetimes", type=int, default=10,
                        help="fresh lifetimes for the report's evaluation summary; 0 = none (default 10)")
    parser.add_argument("--no-gif", action="store_true", help="skip the growth animation")
    parser.add_argument("--nir-dt", type=float, default=None, metavar="SECONDS",
                        help="seconds per tick in the NIR files (default 1e-3, Norse's default; snnTorch "
                             "assumes 1e-4)")
    from devo.environments.trust import add_trust_argument

    add_trust_argument(parser)


def run(args: argparse.Namespace) -> int:
    import time

    from devo.inspect.target import inspect_target

    t0 = time.perf_counter()
    files = inspect_target(
        args.target, seed=args.seed, out=args.out, episodes=args.episodes, config=args.config,
        snap_every=args.snap_every, lifetimes=args.lifetimes, gif=not args.no_gif, nir_dt=args.nir_dt,
        log=print,
        trust=tuple(args.trust_task),
    )  # fmt: skip
    report = files["report.html"]
    print(f"wrote {len(files)} files to {report.parent} in {time.perf_counter() - t0:.1f} s")
    print(f"open {report}")
    return 0
