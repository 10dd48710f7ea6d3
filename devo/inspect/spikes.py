"""The spikes of a recorded lifetime in one NPZ file that numpy alone reads (``spikes.npz``).

``numpy.load("spikes.npz")`` gives (no pickles; ``T`` steps of ``K`` ticks, ``n`` neuron slots):

=================  ===================  ==========================================================
key                type                 meaning
=================  ===================  ==========================================================
``raster``         uint8[T*K, n]        1 where neuron column ``c`` spiked at tick ``t``
``counts``         uint8[T, n]          spikes per neuron per step (the raster summed over K ticks)
``neuron_id``      int64[n]             the neuron (slot) id of each column: ``0 .. n-1``
``kind``           int8[n]              0 input, 1 hidden, 2 output, -1 a slot never snapshotted
``input_ids``      int64[d_in]          input neurons in encoder order
``output_ids``     int64[n_out]         output neurons in decoder order (``counts`` decide actions)
``inputs``         float32[T, d]        the normalised observation of each step (zero outside
                                        episodes; each of the step's K ticks sees it)
``columns``        str[C]               names of the columns of ``steps``
``steps``          float64[T, C]        per-step record: phase, episode, neurons, synapses, ...,
                                        reward, action (see ``GrowthRecording.column``)
``phase``          str[P]               the phases in order: development, spontaneous, episode k
``phase_start``    int64[P]             first step of each phase (its first tick: ``start * K``)
``phase_stop``     int64[P]             the step after its last
``stage``          str[S]               the exported network stages (network_<stage>.*)
``stage_step``     int64[S]             the step at whose end each stage was taken
``ticks_per_step`` int64                K
``seed``           int64                evaluation seed (``devo inspect --seed``)
``lifetime_seed``  uint64               the lifetime's seed
``env``            str                  the task
``about``          str                  this table, in short
=================  ===================  ==========================================================

Neurons grow and die during a life: a column holds zeros while its slot is empty. To compare a
NIR client's spikes with devo's, take an episode's ticks ``raster[start * K : stop * K]`` and
map the client's neuron order (``metadata["neuron_id"]`` of the NIR ``LIF`` node) to columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from devo.inspect.recording import GrowthRecording

__all__ = ["read_spikes", "spike_arrays", "write_spikes"]

ABOUT = (
    "devo spike file: raster[tick, column] (uint8, ticks_per_step ticks per step), counts[step, column], "
    "neuron_id[column], kind[column] (0 input, 1 hidden, 2 output, -1 unknown), inputs[step] (normalised "
    "observation), steps[step, columns], phases (phase, phase_start, phase_stop in steps), stages (stage, "
    "stage_step). Read with numpy.load(path)."
)


def spike_arrays(rec: GrowthRecording) -> dict[str, Any]:
    """The arrays of the spike file (see the module docstring)."""
    r = rec.recording
    kinds = rec.neuron_kinds()
    spiked = np.flatnonzero(r.counts.any(axis=0)) if r.counts.size else np.zeros(0, np.int64)
    n = max([*kinds, *spiked.tolist(), -1]) + 1
    kind = np.full(n, -1, np.int8)
    for i, k in kinds.items():
        kind[i] = k
    phases = rec.phases()
    stages = list(rec.stages)
    return {
        "raster": np.ascontiguousarray(r.raster[:, :n], np.uint8),
        "counts": np.ascontiguousarray(r.counts[:, :n], np.uint8),
        "neuron_id": np.arange(n, dtype=np.int64),
        "kind": kind,
        "input_ids": rec.input_ids.astype(np.int64),
        "output_ids": rec.output_ids.astype(np.int64),
        "inputs": np.asarray(r.inputs, np.float32),
        "columns": np.array(r.columns, dtype=str),
        "steps": np.asarray(r.steps, np.float64),
        "phase": np.array([p.label for p in phases], dtype=str),
        "phase_start": np.array([p.start for p in phases], np.int64),
        "phase_stop": np.array([p.stop for p in phases], np.int64),
        "stage": np.array(stages, dtype=str),
        "stage_step": np.array([rec.stage_step(s) for s in stages], np.int64),
        "ticks_per_step": np.int64(rec.ticks_per_step),
        "seed": np.int64(rec.seed),
        "lifetime_seed": np.uint64(rec.lifetime_seed),
        "env": np.array(rec.env),
        "about": np.array(ABOUT),
    }


def write_spikes(rec: GrowthRecording, path: str | Path) -> Path:
    """Write the spike file (compressed NPZ); returns the path."""
    path = Path(path)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **spike_arrays(rec))
    return path


def read_spikes(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of a spike file (``numpy.load`` without pickles, into a dict)."""
    with np.load(Path(path), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}
