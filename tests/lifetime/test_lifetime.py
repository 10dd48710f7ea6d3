"""One lifetime: invariants, determinism, every mechanism, bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devo.lifetime import WORST_FITNESS, LifetimeResult
from devo.snn import check_invariants
from devo.snn import state as S
from devo.snn.mask import allowed_mask
from tests.develop.helpers import Setup, evaluator, set_block


def check_snapshot(snap, max_neurons: int, max_synapses: int) -> None:
    assert snap.n_neurons <= max_neurons and snap.n_synapses <= max_synapses
    alive = set(snap.neuron_id.tolist())
    assert set(snap.src.tolist()) <= alive and set(snap.dst.tolist()) <= alive
    kind = np.full(max_neurons, S.HIDDEN, np.int8)
    kind[snap.neuron_id] = snap.kind
    assert allowed_mask(kind)[snap.src, snap.dst].all(), "forbidden edge"
    pairs = snap.src.astype(np.int64) * max_neurons + snap.dst
    assert len(np.unique(pairs)) == len(pairs), "duplicate synapse"
    for arr in (snap.h, snap.e, snap.weight, snap.v):
        assert np.isfinite(arr).all()
    assert (np.abs(snap.e) < 1).all() and (np.abs(snap.h) <= 1).all()


@settings(max_examples=12)
@given(seed=st.integers(0, 2**31), sigma=st.sampled_from([0.0, 0.5, 2.0, 6.0]), family=st.sampled_from(
    ["learned", "rstdp", "hebbian", "frozen"]), inherit=st.sampled_from(["none", "connect", "copy"]))
def test_invariants_after_every_step(seed: int, sigma: float, family: str, inherit: str) -> None:
    ev = evaluator(develop={"plasticity": family, "inheritance": inherit})
    g = ev.initial_genome(seed % 7) + sigma * np.random.default_rng(seed).normal(size=ev.genome_size).astype(np.float32)
    result, rec = ev.run(g, seed, record=True, snap_every=1)
    net_cfg = Setup().network
    assert not result.nan, result.error
    assert len(rec.snapshots) >= result.env_steps + 16  # one per step at least
    for _, snap in rec.snapshots:
        check_snapshot(snap, net_cfg.max_neurons, net_cfg.max_synapses)
    check_invariants(ev.last_state)
    assert result.neurons == rec.snapshots[-1][1].n_neurons


def test_same_genome_and_seed_give_identical_lifetimes() -> None:
    ev = evaluator()
    g = ev.initial_genome(1)
    a, ra = ev.run(g, 42, record=True, snap_every=5)
    b, rb = ev.run(g, 42, record=True, snap_every=5)
    assert a == b
    np.testing.assert_array_equal(ra.steps, rb.steps)
    np.testing.assert_array_equal(ra.raster, rb.raster)
    assert ra.snapshots[-1][1] == rb.snapshots[-1][1]
    assert ev(g, 43) != a  # the seed matters


def _digest(results: list[LifetimeResult]) -> str:
    return hashlib.sha256(json.dumps([r.to_dict() for r in results], sort_keys=True).encode()).hexdigest()


def test_identical_across_processes() -> None:
    ev = evaluator()
    here = [ev(ev.initial_genome(s), 100 + s) for s in range(3)]
    code = (
        "from tests.develop.helpers import evaluator\n"
        "from tests.lifetime.test_lifetime import _digest\n"
        "ev = evaluator()\n"
        "print(_digest([ev(ev.initial_genome(s), 100 + s) for s in range(3)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, cwd=".")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == _digest(here)


def test_recording_is_off_by_default_and_changes_nothing() -> None:
    ev = evaluator()
    g = ev.initial_genome(2)
    plain, none = ev.run(g, 5)
    recorded, rec = ev.run(g, 5, record=True, snap_every=3)
    assert none is None and plain == recorded
    assert rec.steps.shape[0] == 16 + plain.env_steps
    assert rec.raster.shape[0] == rec.steps.shape[0] * Setup().network.ticks_per_step
    assert set(rec.stages) == {"development", "spontaneous", "final"}
    assert rec.raster.sum() == plain.spikes


def test_division_grows_neurons_up_to_the_budget() -> None:
    ev = evaluator(develop={"structural": False})
    g = set_block(ev, ev.initial_genome(0), "div.c", [20.0, 20.0])
    r = ev(g, 0)
    seeds = 4 + 2 + Setup().network.seed_hidden
    assert r.divisions == Setup().develop.growth_budget
    assert r.neurons == seeds + r.divisions
    g_off = set_block(ev, ev.initial_genome(0), "div.c", [-20.0, -20.0])
    assert ev(g_off, 0).neurons == seeds


def test_division_stops_at_capacity_and_counts_refusals() -> None:
    ev = evaluator(develop={"structural": False, "growth_budget": 1000})
    g = set_block(ev, ev.initial_genome(0), "div.c", [20.0, 20.0])
    r = ev(g, 0)
    assert r.neurons == Setup().network.max_neurons
    assert r.refused >= 1 and not r.nan


def test_pruning_everything_empties_the_network() -> None:
    ev = evaluator(develop={"neurogenesis": False})  # a division would connect its child afresh
    g = ev.initial_genome(0)
    g = set_block(ev, g, "prune.c", [30.0, 0.0])
    g = set_block(ev, g, "add.c", [-30.0, 0.0])
    r, rec = ev.run(g, 0, record=True)
    assert rec.stages["development"].n_synapses == 0
    assert r.synapses == 0 and r.pruned > 0


def test_synaptogenesis_fills_the_buffer_and_refuses_politely() -> None:
    ev = evaluator(network={"max_synapses": 80})
    g = set_block(ev, ev.initial_genome(0), "add.c", [30.0, 0.0])
    g = set_block(ev, g, "prune.c", [-30.0, 0.0])
    r = ev(g, 0)
    assert r.synapses == 80 and r.refused > 0 and not r.nan


def test_spontaneous_activity_changes_the_network_before_the_first_episode() -> None:
    ev = evaluator()
    g = ev.initial_genome(0)
    _, rec = ev.run(g, 7, record=True)
    dev, sa = rec.stages["development"], rec.stages["spontaneous"]
    assert sa.tick > dev.tick
    changed = (dev.n_synapses != sa.n_synapses) or not np.array_equal(dev.h, sa.h)
    assert changed
    # its input is the OU process: the recorded input is non-zero during spontaneous activity only
    phase = rec.column("phase")
    assert np.abs(rec.inputs[phase == 1]).sum() > 0 and np.abs(rec.inputs[phase == 0]).sum() == 0
    # switched off, there are no spontaneous steps
    off = evaluator(develop={"spontaneous": False})
    _, rec_off = off.run(g, 7, record=True)
    assert "spontaneous" not in rec_off.stages or rec_off.stages["spontaneous"] is rec_off.stages["development"]
    assert (rec_off.column("phase") != 1).all()


def test_frozen_changes_nothing_after_development() -> None:
    ev = evaluator(develop={"plasticity": "frozen"})
    g = ev.initial_genome(0)
    r, rec = ev.run(g, 3, record=True, snap_every=1)
    assert r.env_steps > 0
    born = rec.stages["spontaneous"]
    for _, snap in rec.snapshots[rec.snapshots.index(next(x for x in rec.snapshots if x[1] is born)):]:
        np.testing.assert_array_equal(snap.src, born.src)
        np.testing.assert_array_equal(snap.dst, born.dst)
        np.testing.assert_array_equal(snap.weight, born.weight)
        np.testing.assert_array_equal(snap.h, born.h)
        np.testing.assert_array_equal(snap.e, born.e)


def _kinds(snap) -> tuple[np.ndarray, np.ndarray]:
    kind = np.zeros(int(snap.neuron_id.max()) + 1, np.int8)
    kind[snap.neuron_id] = snap.kind
    return kind[snap.src], kind[snap.dst]


def test_weight_is_the_type_gain_times_the_state() -> None:
    """w = w_max g_t e_0 at every stage (plastic component off; with it, w adds alpha H: see
    test_rules.py); a zero hidden -> output gain silences exactly those synapses."""
    ev = evaluator(network={"allow_input_output": True, "init_density": 1.0}, develop={"plastic_weights": False})
    gains = [0.5, -0.25, 0.0, 1.0]  # input->hidden, hidden->hidden, hidden->output, input->output
    g = set_block(ev, ev.initial_genome(0), "syn.gain", gains)
    _, rec = ev.run(g, 2, record=True, snap_every=5)
    table = {(S.INPUT, S.HIDDEN): 0.5, (S.HIDDEN, S.HIDDEN): -0.25, (S.HIDDEN, S.OUTPUT): 0.0,
             (S.INPUT, S.OUTPUT): 1.0}
    seen = set()
    for _, snap in rec.snapshots:
        ks, kd = _kinds(snap)
        gain = np.array([table[(a, b)] for a, b in zip(ks, kd, strict=True)], np.float32)
        seen |= set(zip(ks.tolist(), kd.tolist(), strict=True))
        np.testing.assert_allclose(snap.weight, 2.0 * gain * snap.e[:, 0], rtol=1e-6, atol=1e-7)
    assert seen == set(table)  # every synapse type occurred


def test_gain_table_is_clipped_and_zero_for_forbidden_edges() -> None:
    from devo.develop.rules import rules_array

    tab = rules_array("syn_gain", np.array([2.0, -3.0, 0.5, 0.0], np.float32)).reshape(3, 3)
    assert tab[S.INPUT, S.HIDDEN] == 1.0 and tab[S.HIDDEN, S.HIDDEN] == -1.0
    assert tab[S.HIDDEN, S.OUTPUT] == 0.5 and tab[S.INPUT, S.OUTPUT] == 0.0
    assert (tab[:, S.INPUT] == 0).all() and (tab[S.OUTPUT] == 0).all()


def test_lifetime_rate_has_its_own_logit() -> None:
    """With the lifetime rate logit very low the learned rule keeps development's synapse states for
    life (structural plasticity off), while the node rule still runs."""
    ev = evaluator(develop={"structural": False})
    g = set_block(ev, ev.initial_genome(0), "edge.rate", [-40.0] * 4 + [-4.0] * 4)
    _, rec = ev.run(g, 4, record=True, snap_every=1)
    start, end = rec.stages["spontaneous"], rec.snapshots[-1][1]
    assert end.tick > start.tick
    np.testing.assert_array_equal(end.synapse_id, start.synapse_id)
    np.testing.assert_allclose(end.e, start.e, atol=1e-6)
    assert not np.array_equal(end.h, start.h)
    # the same genome with a fast lifetime rate changes them
    fast = set_block(ev, g, "edge.rate", [-1.0] * 8)
    _, rec_fast = ev.run(fast, 4, record=True, snap_every=1)
    assert np.abs(rec_fast.snapshots[-1][1].e - rec_fast.stages["spontaneous"].e).max() > 1e-3


def test_rstdp_changes_weights_only_where_eligibility_and_modulator_coincide() -> None:
    from devo.develop.agent import MS_M
    from devo.develop.edge import rstdp_rule

    ev = evaluator(develop={"plasticity": "rstdp"})
    g = set_block(ev, ev.initial_genome(0), "rstdp", [0.5, 0.0, 0.0])
    net, ag, R, rec = ev.prepare(g, 0)
    from devo.lifetime.step import PY_BIRTH, py_step

    py_step(net, ag, R, rec, PY_BIRTH, 0.0, False, 0, 0, 0)
    syn = np.flatnonzero(net.s_alive)
    assert len(syn) > 4
    net.elig[:] = 0.0
    net.elig[syn[::2]] = 0.3
    w0 = net.w.copy()
    ag.ms[MS_M] = 0.0
    rstdp_rule(net, ag, R)
    np.testing.assert_array_equal(net.w, w0)  # no modulator: nothing changes
    ag.ms[MS_M] = 0.5
    rstdp_rule(net, ag, R)
    changed = np.flatnonzero(net.w != w0)
    np.testing.assert_array_equal(changed, np.intersect1d(syn[::2], np.flatnonzero(np.abs(w0 + 0.075) < 2.0)))
    np.testing.assert_allclose(net.w[syn[::2]], np.clip(w0[syn[::2]] + 0.5 * 0.5 * 0.3, -2, 2), rtol=1e-6)


def test_rstdp_without_modulator_keeps_weights_for_life() -> None:
    ev = evaluator(develop={"plasticity": "rstdp"})
    g = set_block(ev, ev.initial_genome(0), "mod", [0.0, 0.0, -3.0])  # modulator gains 0: m = 0
    _, rec = ev.run(g, 1, record=True, snap_every=1)
    start = rec.stages["spontaneous"]
    np.testing.assert_array_equal(rec.snapshots[-1][1].weight, start.weight)
    assert rec.snapshots[-1][1].tick > start.tick


def test_hebbian_changes_weights_in_life() -> None:
    ev = evaluator(develop={"plasticity": "hebbian"})
    g = set_block(ev, ev.initial_genome(0), "hebb", np.tile([0.2, 1.0, 0.0, 0.0, 0.05], 4))
    _, rec = ev.run(g, 1, record=True)
    start, end = rec.stages["spontaneous"], rec.stages["final"]
    np.testing.assert_array_equal(start.src, end.src)  # structure is frozen after development
    assert not np.array_equal(start.weight, end.weight)


def test_nan_genome_gives_worst_fitness_without_exception() -> None:
    ev = evaluator()
    g = ev.initial_genome(0)
    g[5] = np.nan
    r = ev(g, 0)
    assert r.fitness == WORST_FITNESS and r.nan and "NaN" in r.error
    g[5] = np.inf
    assert ev(g, 0).nan


def test_wrong_genome_length_names_both_lengths() -> None:
    ev = evaluator()
    with pytest.raises(ValueError, match=f"length 3, but .* length {ev.genome_size}"):
        ev(np.zeros(3, np.float32), 0)


def test_python_environment_path_runs_and_is_deterministic() -> None:
    ev = evaluator(task={"native": False})
    assert not ev.native
    g = ev.initial_genome(0)
    a = ev(g, 9)
    assert a == ev(g, 9) and a.env_steps > 0 and not a.nan
    assert a.env_steps == sum(a.lengths)


def test_fitness_aggregates() -> None:
    from devo.lifetime import aggregate
    from devo.settings import LifetimeConfig

    r = [10.0, 20.0, 60.0]
    assert aggregate(r, LifetimeConfig(n_episodes=3)) == 30.0
    assert aggregate(r, LifetimeConfig(n_episodes=3, fitness="last", last_k=2)) == 40.0
    assert aggregate(r, LifetimeConfig(n_episodes=3, fitness="weighted", weights=[0, 1, 1])) == 40.0
    with pytest.raises(ValueError, match="one weight per episode"):
        LifetimeConfig(n_episodes=3, fitness="weighted", weights=[1.0])


def test_misbehaving_environment_gives_worst_fitness(tmp_path, monkeypatch) -> None:
    mod = tmp_path / "badenv_mod.py"
    mod.write_text(
        "import gymnasium as gym, numpy as np\n"
        "class Bad(gym.Env):\n"
        "    observation_space = gym.spaces.Box(-1, 1, (3,), np.float32)\n"
        "    action_space = gym.spaces.Discrete(2)\n"
        "    def reset(self, seed=None, options=None):\n"
        "        super().reset(seed=seed); self.t = 0\n"
        "        return np.zeros(3, np.float32), {}\n"
        "    def step(self, a):\n"
        "        self.t += 1\n"
        "        obs = np.full(3, np.nan if self.t == 5 else 0.1, np.float32)\n"
        "        return obs, 1.0, False, False, {}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ev = evaluator(task={"env": "badenv_mod:Bad"})
    r = ev(ev.initial_genome(0), 0)
    assert r.nan and r.fitness == WORST_FITNESS and "non-finite" in r.error


def test_random_initial_genomes_grow_varied_non_degenerate_networks() -> None:
    ev = evaluator()
    results = [ev(ev.initial_genome(seed), seed) for seed in range(20)]
    seeds = 4 + 2 + Setup().network.seed_hidden
    syn = np.array([r.synapses for r in results])
    assert all(r.divisions > 0 and r.neurons > seeds for r in results)  # every network grew
    assert (syn > 0).all() and (syn < Setup().network.max_synapses).all()  # neither empty nor full
    assert len(set(syn.tolist())) > 10  # and they differ
