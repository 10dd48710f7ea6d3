"""Does one lifetime of this config fit in this machine's memory?

A lifetime allocates its whole network, agent and scratch space up front, sized by
``network.max_neurons`` (N), ``network.max_synapses`` (S) and the degree bound D (``max_degree``,
or ``min(N, S)``): bytes = a + b N + c S + d N D. :func:`lifetime_bytes` measures a, b, c and d on
the evaluator's own allocation at four small capacities (so the estimate follows the code, not a
copy of it) and extrapolates; :func:`check_capacity` refuses a config whose lifetimes, as many as run
at once on this machine, would not fit in :data:`MEMORY_SHARE` of its memory.
"""

from __future__ import annotations

import copy
import os
from dataclasses import replace
from typing import Any

import numpy as np

from devo.errors import ConfigError

__all__ = ["MEMORY_SHARE", "check_capacity", "lifetime_bytes", "machine_memory"]

MEMORY_SHARE = 0.8  # of the machine's memory, for all the lifetimes that run at once
_PROBE = (64, 256, 16)  # small (N, S, D) the allocation is measured at


def machine_memory() -> int:
    """Physical memory of this machine in bytes (0 if unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 0


def _nbytes(obj: Any) -> int:
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, tuple):  # the NamedTuples of arrays a lifetime is made of
        return sum(_nbytes(x) for x in obj)
    return 0


def _allocated(evaluator: Any, n: int, s: int, d: int) -> int:
    ev = copy.copy(evaluator)  # shares the compiled parts; only the capacities differ
    ev.setup = replace(evaluator.setup, network=replace(evaluator.setup.network, max_neurons=n, max_synapses=s,
                                                        max_degree=d))  # fmt: skip
    genome = np.asarray(evaluator.initial_genome(0), dtype=np.float32)
    return sum(_nbytes(part) for part in ev.prepare(genome, 0))


def lifetime_bytes(evaluator: Any) -> int:
    """Estimated bytes one lifetime of ``evaluator``'s config allocates (see the module docstring)."""
    net = evaluator.setup.network
    n, s = int(net.max_neurons), int(net.max_synapses)
    d = int(net.max_degree) or min(n, max(s, 1))
    n0, s0, d0 = _PROBE
    base = _allocated(evaluator, n0, s0, d0)
    per_nd = (_allocated(evaluator, n0, s0, 2 * d0) - base) / (n0 * d0)
    per_n = (_allocated(evaluator, 2 * n0, s0, d0) - base) / n0 - per_nd * d0
    per_s = (_allocated(evaluator, n0, 2 * s0, d0) - base) / s0
    fixed = base - per_n * n0 - per_s * s0 - per_nd * n0 * d0
    return int(fixed + per_n * n + per_s * s + per_nd * n * d)


def _size(b: float) -> str:
    for unit, div in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if b >= div:
            return f"{b / div:.1f} {unit}"
    return f"{b / 2**10:.0f} KiB"


def check_capacity(evaluator: Any, at_once: int = 1, memory: int | None = None) -> int:
    """Raise a :class:`ConfigError` if ``at_once`` lifetimes of ``evaluator``'s config would not fit in
    :data:`MEMORY_SHARE` of this machine's memory; returns the estimate (bytes per lifetime)."""
    need = lifetime_bytes(evaluator)
    total = machine_memory() if memory is None else memory
    if total <= 0:
        return need
    limit = int(total * MEMORY_SHARE / max(1, at_once))
    if need > limit:
        net = evaluator.setup.network
        many = f" for {at_once} lifetimes at once" if at_once > 1 else ""
        raise ConfigError(
            f"network: max_neurons = {net.max_neurons}, max_synapses = {net.max_synapses}, max_degree = "
            f"{net.max_degree} need about {_size(need)} per lifetime; this machine allows {_size(limit)} per "
            f"lifetime ({MEMORY_SHARE:.0%} of its {_size(total)}{many}). Lower network.max_neurons, "
            "network.max_synapses or network.max_degree" + (" (or run.workers)" if at_once > 1 else "")
        )
    return need
