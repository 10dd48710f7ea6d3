"""The grown network as a graph: ``networkx.DiGraph``, GraphML and JSON.

Nodes are neuron ids (slot indices; they stay fixed for a neuron's life). Node attributes:
``kind`` (input / hidden / output), ``kind_id`` (0 / 1 / 2), ``index`` (encoder or decoder order
for inputs and outputs, -1 for hidden), ``x``, ``y`` (grown position), ``v`` (membrane),
``threshold``, ``adapt`` (current threshold adaptation), ``rate`` (firing-rate estimate, spikes
per tick), ``tau_m``, ``bias``, a summary of the developmental state ``h`` (``h_mean``, ``h_norm``)
and every component ``h_0 ... h_{H-1}``. Edges ``src -> dst`` carry ``synapse_id``, ``weight``,
``elig`` (eligibility trace), ``e_norm`` and ``e_0 ... e_{E-1}`` (synapse state). Graph
attributes name the stage, lifetime step, tick, env and the seeds: ``seed`` is the evaluation
seed (``devo inspect --seed``), an integer; ``lifetime_seed`` (a uint64, ``eval_seed(seed, 0)``) is
written as a decimal string, because GraphML's ``long`` is a signed 64-bit integer (about 40% of
uint64 seeds overflow it) and igraph reads ``long`` as a double (exact only below 2**53):
``int(g.graph["lifetime_seed"])`` gives it back exactly from networkx, igraph or any XML reader.
An evaluation seed of 2**53 or more is written as a string too.

GraphML holds scalars only, hence the numbered components; the JSON file (networkx's node-link
layout, key ``edges``) holds the same scalars plus ``h`` and ``e`` as lists. Read them back with
``networkx.read_graphml(path, node_type=int)`` and :func:`read_json`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from devo.snn import state as S
from devo.snn.snapshot import NetworkSnapshot

if TYPE_CHECKING:  # annotations only: recording imports this module (GrowthRecording.to_networkx)
    from devo.inspect.recording import GrowthRecording

__all__ = ["graph_data", "read_json", "to_networkx", "write_graphml", "write_json"]


def _f(x: Any) -> float:
    return float(x)


def _tau_m(beta: float) -> float:
    """Membrane time constant in ticks from the leak factor (``beta = exp(-1/tau)``)."""
    return 0.0 if beta <= 0 else (math.inf if beta >= 1 else -1.0 / math.log(beta))


def _graph_attrs(rec: GrowthRecording, stage: str | int) -> dict[str, Any]:
    snap = rec.stage(stage)
    if isinstance(stage, str):
        step = rec.stage_step(stage)
        name = stage
    else:
        step = rec.snapshots[int(stage)][0]
        name = f"snapshot {int(stage)}"
    return {
        "stage": name,
        "step": int(step),
        "tick": int(snap.tick),
        "env": rec.env,
        "seed": int(rec.seed) if abs(int(rec.seed)) < 2**53 else str(rec.seed),
        "lifetime_seed": str(int(rec.lifetime_seed)),
        "neurons": snap.n_neurons,
        "synapses": snap.n_synapses,
        "weight_max": rec.weight_max,
        "ticks_per_step": rec.ticks_per_step,
    }


def _node_attrs(rec: GrowthRecording, snap: NetworkSnapshot, k: int, lists: bool) -> dict[str, Any]:
    nid = int(snap.neuron_id[k])
    kind = int(snap.kind[k])
    if kind == S.INPUT:
        index = int(np.searchsorted(rec.input_ids, nid))
    elif kind == S.OUTPUT:
        index = int(np.searchsorted(rec.output_ids, nid))
    else:
        index = -1
    h = snap.h[k]
    params = rec.kind_params[kind]
    a: dict[str, Any] = {
        "kind": S.KIND_NAMES[kind],
        "kind_id": kind,
        "index": index,
        "x": _f(snap.pos[k, 0]),
        "y": _f(snap.pos[k, 1]),
        "v": _f(snap.v[k]),
        "threshold": _f(snap.threshold[k]),
        "adapt": _f(snap.adapt[k]),
        "rate": _f(snap.rate[k]),
        "tau_m": _tau_m(float(params[S.P_BETA])),
        "bias": _f(params[S.P_BIAS]),
        "h_mean": _f(h.mean()) if h.size else 0.0,
        "h_norm": _f(np.linalg.norm(h)),
    }
    for c in range(h.shape[0]):
        a[f"h_{c}"] = _f(h[c])
    if lists:
        a["h"] = [float(x) for x in h]
    return a


def _edge_attrs(snap: NetworkSnapshot, k: int, lists: bool) -> dict[str, Any]:
    e = snap.e[k]
    a: dict[str, Any] = {
        "synapse_id": int(snap.synapse_id[k]),
        "weight": _f(snap.weight[k]),
        "elig": _f(snap.elig[k]),
        "e_norm": _f(np.linalg.norm(e)),
    }
    for c in range(e.shape[0]):
        a[f"e_{c}"] = _f(e[c])
    if lists:
        a["e"] = [float(x) for x in e]
    return a


def to_networkx(rec: GrowthRecording, stage: str | int = "final", lists: bool = False) -> nx.DiGraph:
    """The network at ``stage`` (a stage name or a snapshot index) as a directed graph.

    With ``lists``, nodes also carry ``h`` and edges ``e`` as lists (not GraphML-compatible).
    """
    snap = rec.stage(stage)
    g = nx.DiGraph(**_graph_attrs(rec, stage))
    for k in range(snap.n_neurons):
        g.add_node(int(snap.neuron_id[k]), **_node_attrs(rec, snap, k, lists))
    for k in range(snap.n_synapses):
        g.add_edge(int(snap.src[k]), int(snap.dst[k]), **_edge_attrs(snap, k, lists))
    return g


def graph_data(rec: GrowthRecording, stage: str | int = "final") -> dict[str, Any]:
    """JSON-ready node-link data of the network at ``stage`` (networkx's layout, key ``edges``)."""
    g = to_networkx(rec, stage, lists=True)
    return {
        "directed": True,
        "multigraph": False,
        "graph": dict(g.graph),
        "nodes": [{"id": n, **attrs} for n, attrs in g.nodes(data=True)],
        "edges": [{"source": u, "target": v, **attrs} for u, v, attrs in g.edges(data=True)],
    }


def write_json(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    """Write the network at ``stage`` as node-link JSON; returns the path."""
    path = Path(path)
    path.write_text(json.dumps(graph_data(rec, stage), indent=None, separators=(",", ":"), allow_nan=True) + "\n")
    return path


def write_graphml(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    """Write the network at ``stage`` as GraphML (scalar attributes only); returns the path."""
    path = Path(path)
    nx.write_graphml(to_networkx(rec, stage, lists=False), path)
    return path


def read_json(path: str | Path) -> nx.DiGraph:
    """Read a network written by :func:`write_json` back into a ``networkx.DiGraph``."""
    data = json.loads(Path(path).read_text())
    g = nx.DiGraph(**data.get("graph", {}))
    for node in data["nodes"]:
        attrs = dict(node)
        g.add_node(attrs.pop("id"), **attrs)
    for edge in data["edges"]:
        attrs = dict(edge)
        g.add_edge(attrs.pop("source"), attrs.pop("target"), **attrs)
    return g
