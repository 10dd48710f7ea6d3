"""List every registered task: observation and action spaces, horizon, and whether a compiled
(native) fast path exists. Any Gymnasium id, any "module:Class" / "module:factory", and any
`devo.environments` entry point also work (entry points are listed below the table).
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object per task")


def run(args: argparse.Namespace) -> int:
    from devo.commands.bench import format_table
    from devo.environments import entry_point_names, make_task, registered_names
    from devo.environments.registry import entry

    rows = []
    for name in registered_names():
        spec = make_task(name).spec
        e = entry(name)
        rows.append(
            {
                "name": name,
                "obs": spec.describe_obs(),
                "action": spec.describe_action(),
                "max_steps": spec.max_episode_steps,
                "native": "yes" if spec.has_native else "no",
                "about": e.description if e else "",
            }
        )
    eps = entry_point_names()
    if args.json:
        for r in rows:
            print(json.dumps(r))
        for ep in eps:
            print(json.dumps({"name": ep, "entry_point": True}))
        return 0
    columns = [
        ("name", "task", ""), ("obs", "observation", ""), ("action", "action", ""),
        ("max_steps", "max steps", ""), ("native", "native", ""), ("about", "about", ""),
    ]  # fmt: skip
    print(format_table(rows, columns))
    print()
    if eps:
        print("entry points (group 'devo.environments'): " + ", ".join(eps))
    else:
        print("entry points (group 'devo.environments'): none installed")
    print(
        "Also usable: any Gymnasium id (Python path), 'module:Class' or 'module:factory'. "
        "Damage: make_task(name, damage='permute_actions' | 'flip_obs'). Check one: devo check-env SPEC"
    )
    return 0
