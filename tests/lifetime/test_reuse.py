"""Reused lifetime state: rules shaped into one buffer, state reset in place, lifetimes in chunks.

Every lifetime on reused state must equal, bit for bit, the same lifetime on freshly allocated
state (the code before reuse existed): results and every array of the final network and agent.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devo.develop.rules import fill_rules, genome_spec, rules_buffer, rules_from_genome
from devo.lifetime import Evaluator
from devo.lifetime import batch as B
from devo.settings import DevelopConfig, NetworkConfig
from devo.snn import state as S
from devo.snn.reset import reset_network
from tests.develop.helpers import evaluator


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint8) if a.size else a


def _assert_same_arrays(a, b) -> None:
    for name, x, y in zip(a._fields, a, b, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(_bits(np.ascontiguousarray(x)), _bits(np.ascontiguousarray(y))), name


@settings(max_examples=20, deadline=None)
@given(
    family=st.sampled_from(["learned", "rstdp", "hebbian", "frozen"]),
    obs_dim=st.integers(1, 7),
    scale=st.sampled_from([0.5, 3.0, 50.0]),
    seed=st.integers(0, 2**31),
)
def test_rules_buffer_equals_rules_from_genome(family: str, obs_dim: int, scale: float, seed: int) -> None:
    spec = genome_spec(NetworkConfig(), DevelopConfig(plasticity=family), obs_dim)
    buf = rules_buffer(spec)
    rng = np.random.default_rng(seed)
    for _ in range(2):  # refilled in place: nothing of the last genome stays
        g = (scale * rng.standard_normal(spec.size)).astype(np.float32)
        ref = rules_from_genome(spec, g)
        got = fill_rules(buf, spec.check(g))
        _assert_same_arrays(ref, got)
        for x in got:
            assert x.flags.c_contiguous and x.flags.writeable


def _fresh_state(ev: Evaluator, genome: np.ndarray, seed: int):
    return ev.prepare(genome, seed)


@pytest.mark.parametrize(
    "changes", [{}, {"develop": {"inheritance": "copy"}}, {"network": {"allow_input_output": True}}]
)
def test_reset_network_gives_a_fresh_allocation(changes) -> None:
    ev = evaluator(**changes)
    g = ev.initial_genome(2) + np.random.default_rng(0).normal(0, 1.5, ev.genome_size).astype(np.float32)
    ev(g, 7)
    net = ev.last_state
    assert net.meta[S.M_NSYN] > 0 and net.meta[S.M_NNEU] > 0
    reset_network(net)
    fresh, _, _, _ = _fresh_state(ev, g, 7)
    _assert_same_arrays(fresh, net)


def test_reset_lifetime_gives_a_fresh_agent() -> None:
    ev = evaluator()
    g = ev.initial_genome(3)
    ev(g, 11)
    live = ev._live
    fresh_net, fresh_ag, _, _ = _fresh_state(ev, g, 5)
    B.reset_lifetime(live.net, live.ag, live.rec, fresh_ag.rng.copy())
    _assert_same_arrays(fresh_net, live.net)
    _assert_same_arrays(fresh_ag, live.ag)


def _lifetime_on_fresh_state(setup, genome: np.ndarray, seed: int):
    """One lifetime on freshly allocated state, as before reuse existed: a new evaluator, the
    recording path (which allocates), recording off."""
    ev = Evaluator(setup)
    result = ev.run(genome, seed, record=True)[0]
    return result, ev.last_state


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize(
    "changes", [{}, {"develop": {"plasticity": "rstdp"}}, {"lifetime": {"activity_reset": "step"}}]
)
def test_reused_state_gives_the_lifetimes_of_fresh_state(native: bool, changes) -> None:
    base = evaluator(**changes).setup
    setup = replace(base, task=replace(base.task, native=native))
    ev = Evaluator(setup)
    rng = np.random.default_rng(1)
    genomes = [ev.initial_genome(k) + rng.normal(0, 1.0, ev.genome_size).astype(np.float32) for k in range(2)]
    # genomes interleaved and several seeds per call: nothing of one lifetime reaches the next
    calls = [(0, [3, 4]), (1, [3]), (0, [4, 9, 3])]
    for k, seeds in calls:
        got = ev.run_many(genomes[k], seeds)
        for seed, r in zip(seeds, got, strict=True):
            ref, ref_net = _lifetime_on_fresh_state(setup, genomes[k], seed)
            assert r == ref
        _assert_same_arrays(ref_net, ev.last_state)  # the last lifetime's final network
        assert ev(genomes[k], seeds[-1]) == got[-1]


def test_non_finite_genome_in_a_chunk() -> None:
    ev = evaluator()
    g = ev.initial_genome(0)
    g[3] = np.nan
    out = ev.run_many(g, [1, 2])
    assert len(out) == 2 and all(r.nan and r.error == "genome holds NaN or inf" for r in out)
    assert ev.run_many(ev.initial_genome(0), [1])[0] == ev.run(ev.initial_genome(0), 1, record=True)[0]


def test_to_dict_is_asdict() -> None:
    from dataclasses import asdict

    r = evaluator()(evaluator().initial_genome(0), 4)
    assert r.to_dict() == asdict(r) and list(r.to_dict()) == list(asdict(r))

