"""`--set KEY=VALUE`: the one declaration of config overrides shared by `devo run`, `eval` and `ablate`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI imports this module before it needs a config
    from devo.experiment import Experiment


def add_set_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """Declare the repeatable ``--set KEY=VALUE`` option (parsed into ``args.overrides``)."""
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help)


LIVE_UNDER_HELP = (
    "{verb} under a changed config, e.g. --set task.damage=permute_actions (repeatable; the genome is checked "
    "against its own config, then lives under the changed one)"
)


def live_under(exp: Experiment, overrides: list[str], source: str) -> tuple[Experiment | None, Experiment, str]:
    """``(made_for, exp, source)`` for a genome that lives under ``exp`` changed by ``--set``: the
    config it was evolved under (None without changes), the changed config, and its description."""
    if not overrides:
        return None, exp, source
    from devo.experiment import override_experiment

    return exp, override_experiment(exp, overrides), source + " with --set " + " ".join(overrides)
