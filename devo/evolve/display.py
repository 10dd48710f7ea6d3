"""What a run shows while it runs: a live status line on a terminal, plain lines otherwise.

Live (stdout is a terminal and not ``--quiet``): one line rewritten in place with generation,
best, mean, best so far, env steps/s and ETA; a permanent line whenever the best improves.
Plain (``--quiet`` or not a terminal, e.g. a log file): one line per generation.

Generations are numbered from 0 everywhere (these lines, ``metrics.jsonl``, the final line, the
plots and the report); ``gen 4 (5/10)`` is generation 4, the fifth of ten.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Display", "format_duration"]


def format_duration(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def _si(x: float) -> str:
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.1f}{unit}"
    return f"{x:.0f}"


class Display:
    """Shows a run's progress; ``live`` is decided from the stream unless given."""

    def __init__(self, total_generations: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total = total_generations
        self.live = (not quiet) and bool(getattr(self.stream, "isatty", lambda: False)())
        self._t0 = time.perf_counter()
        self._done_here = 0
        self._best = float("-inf")
        self._dirty = False

    def begin(self) -> None:
        """Start the ETA clock (after start-up: Ray, compiling)."""
        self._t0 = time.perf_counter()
        self._done_here = 0

    def _print(self, text: str) -> None:
        if self._dirty:
            self.stream.write("\r\x1b[2K")
            self._dirty = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        self._print(text)

    def generation(self, rec: dict[str, Any]) -> None:
        self._done_here += 1
        g = int(rec["generation"])
        elapsed = time.perf_counter() - self._t0
        eta = elapsed / self._done_here * (self.total - (g + 1))
        line = (
            f"gen {g} ({g + 1}/{self.total})  best {rec['best']:.4g}  mean {rec['mean']:.4g}  "
            f"best so far {rec['best_so_far']:.4g}  {_si(rec['env_steps_per_s'])} steps/s  "
            f"ETA {format_duration(eta)}"
        )
        flags = []
        if rec.get("nan_count"):
            flags.append(f"{rec['nan_count']} nan")
        if rec.get("error_count"):
            flags.append(f"{rec['error_count']} errors")
        if flags:
            line += "  (" + ", ".join(flags) + ")"
        improved = rec["best_so_far"] > self._best
        self._best = max(self._best, rec["best_so_far"])
        if not self.live:
            self._print(line)
            return
        if improved:
            self._print(f"gen {g}: new best {rec['best_so_far']:.6g}")
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self._dirty = True

    def close(self) -> None:
        if self._dirty:
            self.stream.write("\n")
            self.stream.flush()
            self._dirty = False
