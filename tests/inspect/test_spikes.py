"""spikes.npz: numpy alone reads it back, and it holds the recording's spikes, inputs and phases."""

from __future__ import annotations

import numpy as np


def test_spike_file_matches_the_recording(bundle, recording):
    with np.load(bundle["spikes.npz"], allow_pickle=False) as z:  # no devo needed
        data = {k: z[k] for k in z.files}
    r = recording.recording
    n = data["raster"].shape[1]
    k = int(data["ticks_per_step"])
    assert k == recording.ticks_per_step
    assert data["raster"].shape[0] == recording.n_steps * k
    assert np.array_equal(data["raster"], r.raster[:, :n])
    assert not r.raster[:, n:].any()  # no spike left out
    assert np.array_equal(data["counts"], r.counts[:, :n])
    # counts are the raster summed over each step's ticks
    assert np.array_equal(data["counts"], data["raster"].reshape(recording.n_steps, k, n).sum(axis=1))
    assert np.array_equal(data["inputs"], r.inputs)
    assert np.array_equal(data["steps"], r.steps) and data["columns"].tolist() == list(r.columns)
    assert np.array_equal(data["neuron_id"], np.arange(n))
    kinds = recording.neuron_kinds()
    assert all(data["kind"][i] == kd for i, kd in kinds.items())
    assert data["input_ids"].tolist() == recording.input_ids.tolist()
    assert data["output_ids"].tolist() == recording.output_ids.tolist()
    phases = recording.phases()
    assert data["phase"].tolist() == [p.label for p in phases]
    assert data["phase_start"].tolist() == [p.start for p in phases]
    assert data["phase_stop"].tolist() == [p.stop for p in phases]
    assert data["stage"].tolist() == list(recording.stages)
    assert data["stage_step"].tolist() == [recording.stage_step(s) for s in recording.stages]
    assert int(data["lifetime_seed"]) == recording.lifetime_seed and int(data["seed"]) == recording.seed
    assert str(data["env"]) == recording.env
    assert int(data["raster"].sum()) == recording.result.spikes


def test_read_spikes(bundle):
    from devo.inspect import read_spikes

    data = read_spikes(bundle["spikes.npz"])
    assert "raster" in data and "about" in data
