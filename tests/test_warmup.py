"""The first run on a machine says it compiles, where the result goes, and how long it took."""

from __future__ import annotations

import devo.warmup as W
from tests.inspect.helpers import small


def test_a_cold_cache_is_announced_and_timed(monkeypatch):
    monkeypatch.setattr(W, "kernels_cached", lambda entry="run_native_batch": False)
    lines: list[str] = []
    took = W.ensure_compiled(small(), lines.append)
    assert took is not None and took >= 0
    assert lines[0].startswith("compiling devo's kernels, once per machine: ~2-3 min; cached in ")
    assert str(W.cache_dir()) in lines[0]
    assert lines[-1].startswith("kernels compiled in ") and lines[-1].endswith(" s")


def test_a_config_too_big_for_this_machine_is_left_to_the_command(monkeypatch):
    """A cold cache and a network of 10^9 neurons: nothing is announced, allocated or lived (the
    command's capacity check refuses the config next, with its message)."""
    from dataclasses import replace

    from devo.lifetime import Evaluator

    def no_lifetime(*args, **kwargs):
        raise AssertionError("a lifetime was lived")

    monkeypatch.setattr(W, "kernels_cached", lambda entry="run_native_batch": False)
    monkeypatch.setattr(Evaluator, "__call__", no_lifetime)
    exp = small()
    big = replace(exp, network=replace(exp.network, max_neurons=10**9))
    lines: list[str] = []
    assert W.ensure_compiled(big, lines.append) is None
    assert lines == []


def test_a_warm_cache_says_nothing():
    lines: list[str] = []
    exp = small()
    W.ensure_compiled(exp, lines.append)  # compiles (or loads) once
    assert W.kernels_cached(W._entry(exp))
    assert W.ensure_compiled(exp, lines.append) is None
    lines.clear()
    W.ensure_compiled(exp, lines.append)
    assert lines == []


def test_the_entry_point_follows_the_task():
    """A compiled task's entry is the lifetime specialised for it; a Python environment's, py_step."""
    native = W._entry(small())
    assert native.startswith("devo_task_life__devo_environments_cartpole__") and native.endswith(".run_native_batch")
    assert W._entry(small(task={"native": False})) == "step.py_step"
