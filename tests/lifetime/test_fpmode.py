"""Subnormal floats flush to zero inside a lifetime's compiled calls, and only there."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numba import njit

from devo.bench.lifetime import SIZES, bench_genome, make_setup
from devo.lifetime import Evaluator
from devo.lifetime.fpmode import AVAILABLE, DAZ, FTZ, current_mode, flush_subnormals, restore_mode
from devo.rng import rng_from_seed
from devo.settings import TaskConfig

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="the flush is x86's FTZ and DAZ")
TINY = np.finfo(np.float32).tiny


@njit(cache=True)
def _products(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    mode = flush_subnormals()
    flushed = x[0] * y[0]
    read = x[1] * y[1]
    restore_mode(mode)
    return flushed, read


def test_flush_zeroes_subnormal_results_and_operands() -> None:
    x = np.array([1e-38, 1e-40], np.float32)  # a normal float, a subnormal one
    y = np.array([0.5, 2.0**100], np.float32)
    assert 0 < x[0] * y[0] < TINY and x[1] * y[1] > 1e-12  # the caller's mode: computed exactly
    assert _products(x, y) == (0.0, 0.0)  # FTZ: a subnormal result is 0; DAZ: a subnormal operand reads 0


def _subnormals(net) -> dict[str, int]:
    out = {}
    for name, a in zip(net._fields, net, strict=True):
        if a.dtype == np.float32:
            k = int(((a != 0) & (np.abs(a) < TINY)).sum())
            if k:
                out[name] = k
    return out


def test_no_subnormal_survives_a_lifetime_that_makes_them() -> None:
    """The benchmark's N = 32 network fires rarely: without the flush its silent neurons' traces and
    their synapses' eligibilities end the lifetime subnormal; with it, none is."""
    ev = Evaluator(make_setup(32, SIZES[32], "learned", 40))
    g = bench_genome(ev)
    kernels = ev._kernels()
    ends = {}
    for name, live in (("flushed", kernels.run_native), ("exact", kernels._live)):
        net, ag, R, rec = ev.prepare(g, 1)
        tparams, tstate = ev.task.native_buffers()
        returns, lengths = np.zeros(40), np.zeros(40, np.int64)
        live(net, ag, R, rec, tparams, tstate, rng_from_seed(ev._task_seed(1)), returns, lengths)
        ends[name] = (_subnormals(net), returns.copy())
    assert ends["exact"][0].keys() >= {"x_pre", "x_post"}, ends["exact"][0]
    assert ends["flushed"][0] == {}
    np.testing.assert_array_equal(ends["flushed"][1], ends["exact"][1])  # no return changed here
    assert ev(g, 1).returns == list(ends["flushed"][1])  # run_many's chunk is flushed too


@pytest.mark.parametrize("native", [True, False])
def test_both_paths_flush_and_leave_the_callers_mode(native: bool) -> None:
    """The compiled task's lifetime and the Python environment's (one compiled call per env step)
    end without subnormals, and give the caller back its mode."""
    setup = make_setup(32, SIZES[32], "learned", 40)
    ev = Evaluator(replace(setup, task=TaskConfig(env="CartPole-v1", native=native)))
    assert ev.native == native
    before = current_mode() & (FTZ | DAZ)
    ev.run(bench_genome(ev), 1, record=True)
    assert _subnormals(ev.last_state) == {}
    assert current_mode() & (FTZ | DAZ) == before
    assert np.float32(1e-38) * np.float32(0.5) > 0  # numpy still computes subnormals


@njit(cache=True)
def _flush_then_fail(box, params, tparams, tstate, agent_rngs, env_rngs, returns, lengths, stats) -> None:
    flush_subnormals()
    raise RuntimeError("the task's compiled step failed")


def test_a_compiled_lifetime_that_raises_leaves_the_callers_mode(monkeypatch) -> None:
    """A user's compiled task can raise inside the lifetime, past the entry point's restore; the
    Evaluator puts the mode back."""
    from types import SimpleNamespace

    ev = Evaluator(make_setup(32, SIZES[32], "learned", 2))
    g = bench_genome(ev)
    ev(g, 1)
    monkeypatch.setattr(ev, "_kernels", lambda: SimpleNamespace(run_native_batch=_flush_then_fail))
    before = current_mode() & (FTZ | DAZ)
    with pytest.raises(RuntimeError, match="compiled step failed"):
        ev(g, 1)
    assert current_mode() & (FTZ | DAZ) == before
