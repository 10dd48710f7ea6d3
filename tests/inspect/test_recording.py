"""`devo.inspect.grow`: deterministic regrowth, stages, phases, the networkx view."""

from __future__ import annotations

import numpy as np
import pytest

from devo.errors import DevoError
from devo.inspect import STAGES, grow
from tests.inspect.helpers import small


def test_regrowth_is_deterministic(recording, experiment, genome):
    again = grow(genome, experiment, seed=3, snap_every=4)
    assert np.array_equal(again.recording.steps, recording.recording.steps)
    assert np.array_equal(again.recording.raster, recording.recording.raster)
    assert [s for s, _ in again.snapshots] == [s for s, _ in recording.snapshots]
    assert all(a == b for (_, a), (_, b) in zip(again.snapshots, recording.snapshots, strict=True))
    other = grow(genome, experiment, seed=4, snap_every=4)
    assert not np.array_equal(other.recording.raster, recording.recording.raster)


def test_grow_accepts_genome_files_and_config_dicts(tmp_path, recording, experiment, genome):
    from devo.experiment import experiment_to_dict
    from devo.genome_io import save_genome

    save_genome(tmp_path / "g.npz", genome, {})
    rec = grow(tmp_path / "g.npz", experiment_to_dict(experiment), seed=3, snap_every=4)
    assert np.array_equal(rec.recording.steps, recording.recording.steps)


def test_snapshots_run_from_birth_to_the_end(recording):
    steps = [s for s, _ in recording.snapshots]
    assert steps[0] == 0 and steps[-1] == recording.n_steps
    assert steps == sorted(steps)
    assert set(range(0, recording.n_steps, 4)) <= set(steps)
    assert set(recording.stages) == set(STAGES)
    dev = recording.setup.develop
    assert recording.stage_step("development") == dev.dev_steps
    assert recording.stage_step("spontaneous") == dev.dev_steps + dev.sa_steps
    assert recording.stage("final") is recording.snapshots[-1][1]
    with pytest.raises(KeyError):
        recording.stage("adolescence")


def test_phases_tile_the_life(recording):
    phases = recording.phases()
    assert [p.kind for p in phases[:2]] == ["development", "spontaneous"]
    eps = [p for p in phases if p.kind == "episode"]
    assert [p.episode for p in eps] == list(range(recording.setup.lifetime.n_episodes))
    assert phases[0].start == 0 and phases[-1].stop == recording.n_steps
    assert all(a.stop == b.start for a, b in zip(phases, phases[1:], strict=False))
    assert [p.stop - p.start for p in eps] == recording.result.lengths


def test_inputs_and_outputs_are_in_interface_order(recording):
    first = recording.snapshots[0][1]
    assert len(recording.input_ids) == recording.obs_dim
    assert len(recording.output_ids) == 2  # CartPole: one output neuron per action
    ys = dict(zip(first.neuron_id.tolist(), first.pos[:, 1].tolist(), strict=True))
    assert [ys[i] for i in recording.input_ids] == sorted(ys[i] for i in recording.input_ids)


def test_to_networkx_matches_the_snapshot(recording):
    for stage in STAGES:
        snap = recording.stage(stage)
        g = recording.to_networkx(stage)
        assert g.is_directed()
        assert sorted(g.nodes) == sorted(snap.neuron_id.tolist())
        assert g.number_of_edges() == snap.n_synapses
        for s, d, w in zip(snap.src.tolist(), snap.dst.tolist(), snap.weight.tolist(), strict=True):
            assert g.edges[s, d]["weight"] == w
        kinds = {n: a["kind"] for n, a in g.nodes(data=True)}
        assert sum(k == "hidden" for k in kinds.values()) == snap.count(1)


def test_the_network_grew_and_rewired(recording):
    # the exports below are only meaningful when something grew: guard the fixture
    r = recording.result
    assert r.divisions > 0 and r.added > 0
    final = recording.stage("final")
    assert (final.weight > 0).any() and (final.weight < 0).any()
    assert recording.stage("development").n_neurons < final.n_neurons


def test_episodes_override(experiment, genome):
    rec = grow(genome, experiment, seed=3, snap_every=0, episodes=3)
    assert len(rec.result.returns) == 3
    assert [p.episode for p in rec.phases() if p.kind == "episode"] == [0, 1, 2]


def test_a_genome_of_another_config_is_refused(genome):
    other = small(develop={"plasticity": "rstdp"})
    with pytest.raises(DevoError, match="another config"):
        grow(genome, other, seed=0)


def test_repr_is_short_and_html_has_table_and_thumbnails(recording):
    text = repr(recording)
    assert len(text) < 400 and text.startswith("GrowthRecording(env='CartPole-v1'")
    page = recording._repr_html_()
    assert "<table>" in page and "lifetime seed" in page
    assert page.count("data:image/png;base64,") == 2
    assert len(page) < 200_000


def test_grow_seed_is_the_inspect_seed(recording, experiment, genome, tmp_path):
    """grow(genome, config, seed=S) is the lifetime `devo inspect --seed S` records: `devo eval
    --seed S`'s first lifetime."""
    from devo.evolve.evaluate import eval_seed, evaluate_genome
    from devo.genome_io import load_genome
    from devo.inspect.target import lifetime_seed
    from tests.inspect.helpers import make_run_dir

    assert recording.seed == 3 and recording.lifetime_seed == eval_seed(3, 0) == lifetime_seed(3)
    run = make_run_dir(tmp_path / "run", experiment, genome)
    ev = evaluate_genome(experiment, load_genome(run / "best_genome.npz"), lifetimes=1, seed=3)
    assert recording.result.returns == [ev.per_episode[k]["mean"] for k in range(len(recording.result.returns))]


def test_column_names_a_missing_column(recording):
    assert recording.column("neurons").shape == (recording.n_steps,)
    with pytest.raises(KeyError, match="columns"):
        recording.column("nope")
