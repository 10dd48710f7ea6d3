"""Which devo a process runs, so a driver can refuse Ray workers that run another one.

Ray puts the driver's working directory first on every worker's ``sys.path``: a driver started in a
folder that holds another ``devo/`` checkout gets workers importing that copy, which would compute
other lifetimes (or recompile for minutes). :func:`worker_identity` is sent to each actor *by value*
(:func:`probe_code`), so it runs the driver's code there and reports the ``devo`` that worker
imports: its version, a hash of every source file, its folder. Pure standard library on purpose.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

__all__ = ["package_identity", "probe_code", "same_devo", "worker_identity"]


def package_identity(root: str | Path, version: str) -> dict[str, str]:
    """``version``, a 12-hex-digit hash of every ``*.py`` under ``root`` (names and bytes), and ``root``."""
    root = Path(root)
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return {"version": str(version), "source": h.hexdigest()[:12], "path": str(root)}


_CACHE: dict[str, dict[str, str]] = {}


def worker_identity(_actor: Any = None) -> dict[str, str]:
    """The identity of the ``devo`` this process imports (``_actor``: Ray's ``__ray_call__`` passes it)."""
    import devo

    root = str(Path(devo.__file__).resolve().parent)
    if root not in _CACHE:
        _CACHE[root] = package_identity(root, getattr(devo, "__version__", "?"))
    return dict(_CACHE[root])


def same_devo(a: dict[str, str], b: dict[str, str]) -> bool:
    return (a.get("version"), a.get("source")) == (b.get("version"), b.get("source"))


def probe_code() -> Any:
    """:func:`worker_identity`, to be pickled by value (the worker runs this very code)."""
    import sys

    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return worker_identity
