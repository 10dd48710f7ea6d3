"""List every declared task: observation and action spaces, horizon, whether a compiled (native)
fast path exists, and where the task comes from (the distribution and entry point that declare it,
or ``register_task``). Any Gymnasium id and any "module:Class" / "module:factory" also work.
A plug-in that fails to load gets a row saying why.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object per task")


def run(args: argparse.Namespace) -> int:
    from devo.commands.bench import format_table
    from devo.environments import make_task, registered_names
    from devo.environments.registry import lookup
    from devo.errors import EnvironmentSpecError

    rows = []
    for name in registered_names():
        try:
            reg = lookup(name)
            spec = make_task(name).spec
        except EnvironmentSpecError as exc:
            rows.append({"name": name, "obs": "-", "action": "-", "max_steps": "-", "native": "-",
                         "about": f"cannot load: {exc}", "origin": "?"})  # fmt: skip
            continue
        rows.append(
            {
                "name": name,
                "obs": spec.describe_obs(),
                "action": spec.describe_action(),
                "max_steps": spec.max_episode_steps,
                "native": "yes" if spec.has_native else "no",
                "about": reg.entry.description if reg else "",
                "origin": reg.origin if reg else "",
            }
        )
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    columns = [
        ("name", "task", ""), ("obs", "observation", ""), ("action", "action", ""),
        ("max_steps", "max steps", ""), ("native", "native", ""), ("about", "about", ""), ("origin", "from", ""),
    ]  # fmt: skip
    print(format_table(rows, columns))
    print()
    print(
        "Tasks come from 'devo.environments' entry points (devo's shelf: devo-environments) and register_task. "
        "Also usable: any Gymnasium id (Python path), 'module:Class' or 'module:factory'. "
        "Damage: make_task(name, damage='permute_actions' | 'flip_obs'). Check one: devo check-env SPEC"
    )
    return 0
