r"""The grown spiking network in NIR (the Neuromorphic Intermediate Representation, ``nir``).

devo's neuron is a discrete-time LIF (see :mod:`devo.snn.dynamics`), one tick = ``dt``:

.. math:: v[t] = \beta v[t-1] + I_{syn}[t] + I_{ext}[t] + b, \qquad I_{syn}[t+1] = \sum_i w_{ij} s_i[t]

NIR's LIF is continuous, :math:`\tau \dot v = (v_{leak} - v) + R I`. Its forward-Euler step with
``dt`` -- what Norse and snnTorch run -- is :math:`v \leftarrow (1 - dt/\tau) v + (dt/\tau)(v_{leak}
+ R I)`, which is devo's tick for

.. math:: \tau = \frac{dt}{1 - \beta}, \quad v_{leak} = 0, \quad R I = \frac{I}{1 - \beta}.

Clients ignore ``r`` (Norse warns and drops it), so the file has ``r = 1`` and the factor
:math:`k_j = 1 / (1 - \beta_j)` of the receiving neuron ``j`` is folded into every weight and bias
that reaches it. The graph (all N alive neurons in one ``LIF`` node, ids in its
``metadata["neuron_id"]``)::

    n1_input (d) --n2_encoder: Affine--> n3_lif (N) --n4_recurrent: Linear--> n3_lif
                                         n3_lif --n5_readout: Linear (selects the outputs)--> n6_output

- ``n2_encoder``: :math:`W_{jk} = k_j g` for the input neuron ``j`` of observation value ``k``,
  bias :math:`k_j (b_j + o [j \text{ is an input}])`: the neuron bias rides on the encoder, so a
  client applies it from the first tick (on the recurrent map it would arrive one tick late);
- ``n4_recurrent``: :math:`W_{ji} = k_j w_{ij}`, no bias; clients feed it back with a one-tick
  delay, which is devo's synaptic delay;
- names sort alphabetically in topological order: ``nir.read`` returns nodes sorted by name, and
  nirtorch's interpreter (snnTorch's import) fails when a recurrent block comes before its input.

The input is the normalised observation in [-1, 1]; the ``current`` encoder is exactly the affine
map ``I_ext = gain * x + offset`` onto the input neurons. Other encoders (poisson, latency,
population) are not affine: their map is written as the ``current`` one and ``metadata["encoder"]``
names the real one.

What NIR's LIF cannot hold is stated, not hidden: the graph's ``metadata["exact"]`` says whether
a client simulates the file as devo simulates the network, and ``metadata["divergence"]`` says
why not. The usual reason is the refractory period (``network.refractory``, 1 tick by default):
devo holds a neuron at ``v_reset`` for that many ticks after a spike, NIR's LIF has no such
period, so a client integrates during them and fires more. A network grown with
``network.refractory = 0`` and ``network.adapt_increment = 0`` (the defaults' adaptation) exports
exactly, apart from the spike test ``v >= theta`` (NIR clients: ``v > theta``), which differs only
when a potential lands exactly on the threshold. devo's synapses have no time constant of their
own (delta synapses), so there is no ``CubaLIF``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from devo.inspect.recording import GrowthRecording
from devo.snn import state as S

__all__ = ["DT", "NODES", "divergences", "read_nir", "to_nir", "weight_matrix", "write_nir"]

DT = 1e-3  # seconds per tick in the exported graph (NIR time constants are in seconds)
# node names; alphabetical order is topological order (see the module docstring)
NODES = {
    "input": "n1_input",
    "encoder": "n2_encoder",
    "lif": "n3_lif",
    "recurrent": "n4_recurrent",
    "readout": "n5_readout",
    "output": "n6_output",
}


def weight_matrix(snap: Any) -> tuple[np.ndarray, dict[int, int]]:
    """Dense ``W[dst, src]`` over the snapshot's neurons (in ``neuron_id`` order) and the map
    neuron id -> row."""
    row = {int(n): k for k, n in enumerate(snap.neuron_id.tolist())}
    w = np.zeros((snap.n_neurons, snap.n_neurons), np.float32)
    for s, d, x in zip(snap.src.tolist(), snap.dst.tolist(), snap.weight.tolist(), strict=True):
        w[row[d], row[s]] = x
    return w, row


def divergences(rec: GrowthRecording, stage: str | int = "final") -> list[str]:
    """Why a NIR client would not simulate the network at ``stage`` as devo does (empty: it
    would, tick for tick, up to float rounding and the ``>=`` / ``>`` spike test)."""
    snap = rec.stage(stage)
    params = rec.kind_params[snap.kind.astype(np.int64)]
    out = []
    t_ref = params[:, S.P_TREF].astype(np.int64) if snap.n_neurons else np.zeros(0, np.int64)
    if (t_ref > 0).any():
        out.append(
            f"refractory period: devo holds a neuron at v_reset for {int(t_ref.max())} tick(s) after each spike "
            f"(metadata refractory_ticks); NIR's LIF has none, so a client integrates input during those ticks "
            f"and fires more often. Grow with network.refractory = 0 for an exact export"
        )
    if snap.n_neurons and (params[:, S.P_AINC] > 0).any():
        out.append(
            "threshold adaptation: devo raises a neuron's threshold after each spike (metadata adapt_increment, "
            "adapt_decay); NIR's LIF has a fixed threshold. Grow with network.adapt_increment = 0 for an exact export"
        )
    kind = str(rec.encoder["kind"])
    if kind != "current":
        out.append(
            f"encoder: devo's {kind} encoder is not an affine map; the file's encoder is the current encoder's "
            f"(gain * x + offset)"
        )
    return out


def to_nir(rec: GrowthRecording, stage: str | int = "final", dt: float = DT) -> Any:
    """The network at ``stage`` as a ``nir.NIRGraph`` with one tick = ``dt`` seconds (Norse's
    default is 1e-3, snnTorch assumes 1e-4)."""
    import nir

    if not dt > 0:
        raise ValueError(f"dt must be > 0 seconds, got {dt}")
    if float(rec.trace_params[S.T_D_SYN]) > 0:
        raise ValueError("synaptic currents with a time constant have no exact NIR form here "
                         "(devo uses delta synapses)")
    snap = rec.stage(stage)
    n = snap.n_neurons
    kinds = snap.kind.astype(np.int64)
    params = rec.kind_params[kinds]  # (n, N_NP)
    beta = params[:, S.P_BETA].astype(np.float64)
    leak = np.maximum(1.0 - beta, 1e-12)
    tau = dt / leak
    fold = (1.0 / leak).astype(np.float64)  # R = tau / dt, folded into what reaches each neuron
    w, row = weight_matrix(snap)
    bias = params[:, S.P_BIAS].astype(np.float64)

    d = rec.obs_dim
    pop = int(rec.encoder.get("population", 1))
    enc_w = np.zeros((n, d), np.float64)
    enc_b = bias.copy()
    for k, nid in enumerate(rec.input_ids.tolist()):
        if nid in row:
            enc_w[row[nid], k // pop] = rec.encoder["gain"]
            enc_b[row[nid]] += rec.encoder["offset"]
    out_rows = [row[int(i)] for i in rec.output_ids.tolist() if int(i) in row]
    sel = np.zeros((len(out_rows), n), np.float32)
    for k, j in enumerate(out_rows):
        sel[k, j] = 1.0

    why = divergences(rec, stage)
    lif = nir.LIF(
        tau=tau, r=np.ones(n), v_leak=np.zeros(n), v_threshold=snap.threshold.astype(np.float64),
        v_reset=params[:, S.P_VRESET].astype(np.float64),
        metadata={
            "neuron_id": snap.neuron_id.astype(np.int64),
            "kind": kinds,
            "pos": snap.pos.astype(np.float32),
            "beta": beta.astype(np.float32),
            "bias": bias.astype(np.float32),
            "refractory_ticks": params[:, S.P_TREF].astype(np.int64),
            "adapt_decay": params[:, S.P_RHO].astype(np.float32),
            "adapt_increment": params[:, S.P_AINC].astype(np.float32),
        },
    )
    nodes = {
        NODES["input"]: nir.Input(input_type=np.array([d])),
        NODES["encoder"]: nir.Affine(
            weight=(enc_w * fold[:, None]).astype(np.float32), bias=(enc_b * fold).astype(np.float32),
            metadata={"gain": float(rec.encoder["gain"]), "offset": float(rec.encoder["offset"]),
                      "input_id": rec.input_ids.astype(np.int64)},
        ),
        NODES["lif"]: lif,
        NODES["recurrent"]: nir.Linear(
            weight=(w * fold[:, None]).astype(np.float32),
            metadata={
                "weight_devo": w,
                "synapse_id": snap.synapse_id.astype(np.int64),
                "src": snap.src.astype(np.int64),
                "dst": snap.dst.astype(np.int64),
                "elig": snap.elig.astype(np.float32),
                "delay_ticks": 1,
            },
        ),
        NODES["readout"]: nir.Linear(weight=sel, metadata={"output_id": rec.output_ids.astype(np.int64)}),
        NODES["output"]: nir.Output(output_type=np.array([len(out_rows)])),
    }
    edges = [
        (NODES["input"], NODES["encoder"]), (NODES["encoder"], NODES["lif"]), (NODES["lif"], NODES["recurrent"]),
        (NODES["recurrent"], NODES["lif"]), (NODES["lif"], NODES["readout"]), (NODES["readout"], NODES["output"]),
    ]
    meta = {
        "producer": "devo",
        "format": "devo-nir 2",
        "stage": stage if isinstance(stage, str) else f"snapshot {int(stage)}",
        "env": rec.env,
        "seed": str(rec.seed),
        "lifetime_seed": str(rec.lifetime_seed),
        "dt": float(dt),
        "ticks_per_step": rec.ticks_per_step,
        "encoder": str(rec.encoder["kind"]),
        "decoder": rec.decoder,
        "exact": int(not why),
        "divergence": "; ".join(why) if why else "none: a client simulates this file as devo does",
        "scaling": "r = 1; R = tau/dt = 1/(1 - beta) folded into the encoder and recurrent weights and the biases",
        "bias": "on the encoder Affine, so clients apply it from the first tick",
        "spike_rule": "v >= v_threshold (+ adaptation); reset to v_reset; refractory_ticks held at v_reset",
        "synapse_delay_ticks": 1,
        "input": "normalised observation in [-1, 1], the same value on each of the ticks_per_step ticks of a step",
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
