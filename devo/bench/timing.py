"""The timing loops every suite shares: the median of sized blocks, the fastest of repeats."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_per_unit(run: Callable[[int], Any], n: int, seconds: float, reps: int, max_n: int = 1 << 30) -> float:
    """Median seconds per unit of ``reps`` timed calls ``run(k)`` (``k`` units each: ticks, steps).

    ``k`` starts at ``n`` and grows fourfold until one call lasts ``seconds / 4`` (or reaches
    ``max_n``), then is scaled so a call lasts about ``seconds``."""
    k = n
    while True:
        t0 = time.perf_counter()
        run(k)
        dt = time.perf_counter() - t0
        if dt >= seconds / 4 or k >= max_n:
            break
        k *= 4
    k = max(1, int(k * seconds / max(dt, 1e-9)))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run(k)
        times.append((time.perf_counter() - t0) / k)
    return statistics.median(times)


def fastest(repeats: int, fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Fastest wall time of ``fn(*args)`` over ``repeats`` calls, and its (deterministic) result."""
    best, out = float("inf"), None
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out
