"""Environments named by a file: built only if they import nothing the user did not ask for.

A genome file's embedded config, a run directory's ``config.toml`` and a checkpoint are data that
may come from someone else. Building their ``task.env`` must not import or call arbitrary code, so
from a file devo builds only its own task names, ``devo.environments`` entry points (installed
packages) and Gymnasium ids registered in this process. A ``"module:attr"`` environment (which
imports ``module`` and calls ``attr``, e.g. ``"subprocess:run"``) needs the user to name it on
the command line: ``--trust-task module:attr``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from devo.errors import DevoError

__all__ = ["TRUST_FLAG", "UntrustedTaskError", "add_trust_argument", "is_safe_from_file", "require_trusted_task"]

TRUST_FLAG = "--trust-task"


class UntrustedTaskError(DevoError):
    """A file names an environment that would import code the user has not trusted."""


def is_safe_from_file(spec: str) -> bool:
    """True if building ``spec`` imports only code devo or an installed registration provides."""
    from devo.environments.registry import registered_names
    from devo.environments.resolve import entry_point_names

    if not isinstance(spec, str):
        return False
    spec = spec.strip()
    if spec in registered_names():
        return True
    if ":" in spec:  # "module:attr" or gymnasium's "module:EnvId-v0": both import module
        return False
    if spec in entry_point_names():
        return True
    import gymnasium as gym

    return spec in gym.registry


def require_trusted_task(setup: object, source: str, trusted: Iterable[str] = ()) -> None:
    """Refuse ``setup.task.env`` read from ``source`` (a file) unless it is safe or in ``trusted``."""
    spec = getattr(getattr(setup, "task", None), "env", None)
    if not isinstance(spec, str):
        return
    if is_safe_from_file(spec) or spec.strip() in {t.strip() for t in trusted}:
        return
    raise UntrustedTaskError(
        f"{source} names the environment {spec!r}, which would import and call code from outside devo's "
        f"registry; nothing was run. If you trust it, name it on the command line: {TRUST_FLAG} {spec}"
    )


def add_trust_argument(parser: argparse.ArgumentParser) -> None:
    """``--trust-task MODULE:ATTR`` (repeatable) for commands that build a config read from a file."""
    parser.add_argument(
        TRUST_FLAG, action="append", default=[], metavar="MODULE:ATTR", dest="trust_task",
        help="build this 'module:attr' environment although a file (not you) names it: it imports and calls "
        "code. Without it, a file's config may name only devo's tasks, installed entry points and Gymnasium ids",
    )  # fmt: skip
