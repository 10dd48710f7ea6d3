r"""The grown spiking network in NIR (the Neuromorphic Intermediate Representation, ``nir``).

devo's neuron is a discrete-time LIF (see :mod:`devo.snn.dynamics`), one tick = ``dt``:

.. math:: v[t] = \beta v[t-1] + I_{syn}[t] + I_{ext}[t] + b, \qquad I_{syn}[t+1] = \sum_i w_{ij} s_i[t]

NIR's LIF is continuous, :math:`\tau \dot v = (v_{leak} - v) + R I`. Its forward-Euler step with
``dt`` is :math:`v \leftarrow (1 - dt/\tau) v + (dt/\tau)(v_{leak} + R I)`, which is devo's tick for

.. math:: \tau = dt / (1 - \beta), \quad R = \tau / dt, \quad v_{leak} = 0,

with the bias ``b`` as the bias of the recurrent affine map. The graph (all N alive neurons in one
``LIF`` node, ids in ``metadata["neuron_id"]``)::

    input (d) --encoder: Affine--> lif (N) --recurrent: Affine (W[dst, src] = w, bias b)--> lif
                                   lif --readout: Linear (selects the outputs)--> output (n_out)

The input is the normalised observation in [-1, 1]; the ``current`` encoder is exactly the
affine map ``I_ext = gain * x + offset`` onto the input neurons. Other encoders (poisson, latency,
population) are not affine: their map is written as the ``current`` one and
``metadata["encoder"]`` names the real one. What NIR's LIF cannot hold is in ``metadata``:
refractory ticks, threshold adaptation, the one-tick synaptic delay, the spike test ``v >= theta``
(NIR: ``v > theta``), the decoder. Non-zero synaptic time constants give a ``CubaLIF``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from devo.inspect.recording import GrowthRecording
from devo.snn import state as S

__all__ = ["DT", "read_nir", "to_nir", "weight_matrix", "write_nir"]

DT = 1e-3  # seconds per tick in the exported graph (NIR time constants are in seconds)


def weight_matrix(snap: Any) -> tuple[np.ndarray, dict[int, int]]:
    """Dense ``W[dst, src]`` over the snapshot's neurons (in ``neuron_id`` order) and the map
    neuron id -> row."""
    row = {int(n): k for k, n in enumerate(snap.neuron_id.tolist())}
    w = np.zeros((snap.n_neurons, snap.n_neurons), np.float32)
    for s, d, x in zip(snap.src.tolist(), snap.dst.tolist(), snap.weight.tolist(), strict=True):
        w[row[d], row[s]] = x
    return w, row


def to_nir(rec: GrowthRecording, stage: str | int = "final", dt: float = DT) -> Any:
    """The network at ``stage`` as a ``nir.NIRGraph``."""
    import nir

    snap = rec.stage(stage)
    n = snap.n_neurons
    kinds = snap.kind.astype(np.int64)
    params = rec.kind_params[kinds]  # (n, N_NP)
    beta = params[:, S.P_BETA].astype(np.float64)
    tau = dt / np.maximum(1.0 - beta, 1e-12)
    r = tau / dt
    v_reset = params[:, S.P_VRESET].astype(np.float32)
    thr = snap.threshold.astype(np.float32)
    w, row = weight_matrix(snap)
    bias = params[:, S.P_BIAS].astype(np.float32)

    d = rec.obs_dim
    pop = int(rec.encoder.get("population", 1))
    enc_w = np.zeros((n, d), np.float32)
    enc_b = np.zeros(n, np.float32)
    for k, nid in enumerate(rec.input_ids.tolist()):
        if nid in row:
            enc_w[row[nid], k // pop] = rec.encoder["gain"]
            enc_b[row[nid]] = rec.encoder["offset"]
    out_rows = [row[int(i)] for i in rec.output_ids.tolist() if int(i) in row]
    sel = np.zeros((len(out_rows), n), np.float32)
    for k, j in enumerate(out_rows):
        sel[k, j] = 1.0

    d_syn = float(rec.trace_params[S.T_D_SYN])
    lif_meta = {
        "neuron_id": snap.neuron_id.astype(np.int64),
        "kind": kinds,
        "pos": snap.pos.astype(np.float32),
        "refractory_ticks": params[:, S.P_TREF].astype(np.int64),
        "adapt_decay": params[:, S.P_RHO].astype(np.float32),
        "adapt_increment": params[:, S.P_AINC].astype(np.float32),
    }
    if d_syn > 0:
        tau_syn = np.full(n, dt / max(1.0 - d_syn, 1e-12))
        lif = nir.CubaLIF(
            tau_syn=tau_syn, tau_mem=tau, r=r, v_leak=np.zeros(n), v_threshold=thr.astype(np.float64),
            v_reset=v_reset.astype(np.float64), metadata=lif_meta,
        )
    else:
        lif = nir.LIF(
            tau=tau, r=r, v_leak=np.zeros(n), v_threshold=thr.astype(np.float64),
            v_reset=v_reset.astype(np.float64), metadata=lif_meta,
        )
    nodes = {
        "input": nir.Input(input_type=np.array([d])),
        "encoder": nir.Affine(weight=enc_w, bias=enc_b),
        "lif": lif,
        "recurrent": nir.Affine(
            weight=w, bias=bias,
            metadata={
                "synapse_id": snap.synapse_id.astype(np.int64),
                "src": snap.src.astype(np.int64),
                "dst": snap.dst.astype(np.int64),
                "elig": snap.elig.astype(np.float32),
                "delay_ticks": 1,
            },
        ),
        "readout": nir.Linear(weight=sel),
        "output": nir.Output(output_type=np.array([len(out_rows)])),
    }
    edges = [
        ("input", "encoder"), ("encoder", "lif"), ("lif", "recurrent"), ("recurrent", "lif"),
        ("lif", "readout"), ("readout", "output"),
    ]
    meta = {
        "producer": "devo",
        "stage": stage if isinstance(stage, str) else f"snapshot {int(stage)}",
        "env": rec.env,
        "seed": int(rec.seed),
        "dt": float(dt),
        "ticks_per_step": rec.ticks_per_step,
        "encoder": str(rec.encoder["kind"]),
        "decoder": rec.decoder,
        "spike_rule": "v >= v_threshold + adaptation; reset to v_reset; refractory_ticks held at v_reset",
        "synapse_delay_ticks": 1,
        "input": "normalised observation in [-1, 1]",
    }
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def write_nir(rec: GrowthRecording, path: str | Path, stage: str | int = "final", dt: float = DT) -> Path:
    """Write the network at ``stage`` as a NIR file (HDF5); returns the path."""
    import nir

    path = Path(path)
    nir.write(path, to_nir(rec, stage, dt))
    return path


def read_nir(path: str | Path) -> Any:
    """Read a NIR file (``nir.read``)."""
    import nir

    return nir.read(path)
