"""GraphML, JSON and NIR read back and agree with the recording."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from devo.inspect import STAGES, read_json
from devo.snn.state import KIND_NAMES


def _files(bundle, stage):
    return bundle[f"network_{stage}.graphml"], bundle[f"network_{stage}.json"]


def _check_graph(g: nx.DiGraph, snap, h_lists: bool) -> None:
    assert g.is_directed()
    assert sorted(g.nodes) == sorted(snap.neuron_id.tolist())
    assert g.number_of_nodes() == snap.n_neurons
    assert g.number_of_edges() == snap.n_synapses
    for k, nid in enumerate(snap.neuron_id.tolist()):
        a = g.nodes[nid]
        assert a["kind"] == KIND_NAMES[int(snap.kind[k])]
        assert (a["x"], a["y"]) == (float(snap.pos[k, 0]), float(snap.pos[k, 1]))
        assert a["threshold"] == float(snap.threshold[k])
        assert a["rate"] == float(snap.rate[k])
        h = [a[f"h_{c}"] for c in range(snap.h.shape[1])]
        assert h == snap.h[k].tolist()
        if h_lists:
            assert a["h"] == snap.h[k].tolist()
    for k in range(snap.n_synapses):
        a = g.edges[int(snap.src[k]), int(snap.dst[k])]
        assert a["weight"] == float(snap.weight[k])  # exact: float32 -> text -> float
        assert a["synapse_id"] == int(snap.synapse_id[k])
        assert [a[f"e_{c}"] for c in range(snap.e.shape[1])] == snap.e[k].tolist()


@pytest.mark.parametrize("stage", STAGES)
def test_graphml_and_json_read_back(bundle, recording, stage):
    snap = recording.stage(stage)
    graphml, js = _files(bundle, stage)
    _check_graph(nx.read_graphml(graphml, node_type=int), snap, h_lists=False)
    _check_graph(read_json(js), snap, h_lists=True)
    _check_graph(nx.node_link_graph(json.loads(js.read_text())), snap, h_lists=True)


def test_plain_names_hold_the_final_network(bundle, recording):
    final = recording.stage("final")
    _check_graph(nx.read_graphml(bundle["network.graphml"], node_type=int), final, h_lists=False)
    _check_graph(read_json(bundle["network.json"]), final, h_lists=True)
    g = nx.read_graphml(bundle["network.graphml"], node_type=int)
    assert g.graph["stage"] == "final" and g.graph["step"] == recording.n_steps


def test_stages_differ(bundle):
    # growth continued after development: the exported stages are not copies of one network
    dev = nx.read_graphml(bundle["network_development.graphml"], node_type=int)
    final = nx.read_graphml(bundle["network_final.graphml"], node_type=int)
    assert dev.number_of_nodes() < final.number_of_nodes()


def test_nir_has_the_same_neurons_and_synapses(bundle, recording):
    import nir

    from devo.inspect.nir_export import NODES

    snap = recording.stage("final")
    g = nir.read(bundle["network.nir"])
    assert list(g.nodes) == sorted(NODES.values())  # alphabetical order is topological order
    lif, rec_w = g.nodes[NODES["lif"]], g.nodes[NODES["recurrent"]]
    assert isinstance(lif, nir.LIF) and isinstance(rec_w, nir.Linear)
    assert lif.v_threshold.shape == (snap.n_neurons,)
    ids = np.asarray(lif.metadata["neuron_id"])
    assert ids.tolist() == snap.neuron_id.tolist()
    assert np.asarray(lif.metadata["kind"]).tolist() == snap.kind.tolist()
    assert np.array_equal(lif.v_threshold, snap.threshold.astype(np.float64))
    # NIR clients ignore r: r = 1, and R = tau / dt = 1 / (1 - beta) is folded into what reaches a neuron
    dt = float(g.metadata["dt"])
    beta = recording.kind_params[snap.kind.astype(int), 0].astype(np.float64)
    assert np.allclose(1.0 - dt / lif.tau, beta, rtol=1e-6)
    assert np.array_equal(lif.r, np.ones(snap.n_neurons))
    fold = 1.0 / (1.0 - beta)
    # W[dst, src] holds every synapse's weight (times the target's R) and nothing else
    row = {int(n): k for k, n in enumerate(ids)}
    expected = np.zeros((snap.n_neurons, snap.n_neurons), np.float64)
    for s, d, w in zip(snap.src.tolist(), snap.dst.tolist(), snap.weight.tolist(), strict=True):
        expected[row[d], row[s]] = w * fold[row[d]]
    assert np.allclose(rec_w.weight, expected, rtol=1e-6, atol=0)
    assert np.array_equal(np.asarray(rec_w.metadata["weight_devo"]) != 0, expected != 0)
    assert len(rec_w.metadata["src"]) == snap.n_synapses
    assert (NODES["lif"], NODES["recurrent"]) in g.edges and (NODES["recurrent"], NODES["lif"]) in g.edges
    # the neuron bias rides on the encoder (clients apply it from the first tick), plus the offset on inputs
    enc = g.nodes[NODES["encoder"]]
    bias = recording.kind_params[snap.kind.astype(int), 6].astype(np.float64)
    offset = np.where(snap.kind == 0, recording.encoder["offset"], 0.0)
    assert np.allclose(enc.bias, (bias + offset) * fold, rtol=1e-6)
    # the encoder drives exactly the input neurons, the readout picks exactly the outputs, in order
    assert enc.weight.shape == (snap.n_neurons, recording.obs_dim)
    driven = [int(ids[r]) for r in np.flatnonzero(np.abs(enc.weight).sum(axis=1))]
    if recording.encoder["gain"] != 0:
        assert driven == recording.input_ids.tolist()
    sel = g.nodes[NODES["readout"]].weight
    assert [int(ids[np.argmax(r)]) for r in sel] == recording.output_ids.tolist()
    assert sel.sum() == len(recording.output_ids)
    # the default refractory period (1 tick) is stated as a divergence
    assert int(g.metadata["exact"]) == 0 and "refractory" in str(g.metadata["divergence"])
    assert np.asarray(lif.metadata["refractory_ticks"]).tolist() == [1] * snap.n_neurons


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_is_exported_as_nir(bundle, recording, stage):
    import nir

    from devo.inspect.nir_export import NODES

    g = nir.read(bundle[f"network_{stage}.nir"])
    assert g.metadata["stage"] == stage
    assert np.asarray(g.nodes[NODES["lif"]].metadata["neuron_id"]).tolist() == recording.stage(stage).neuron_id.tolist()


def test_nir_dt_sets_the_time_constants(recording, tmp_path):
    import nir

    from devo.inspect.nir_export import NODES, write_nir

    a = nir.read(write_nir(recording, tmp_path / "a.nir", dt=1e-3)).nodes[NODES["lif"]]
    b = nir.read(write_nir(recording, tmp_path / "b.nir", dt=1e-4)).nodes[NODES["lif"]]
    assert np.allclose(a.tau, 10 * b.tau)
    with pytest.raises(ValueError, match="dt"):
        write_nir(recording, tmp_path / "c.nir", dt=0.0)


def test_synaptic_time_constants_are_refused(recording):
    """devo's synapses are delta synapses; a trace vector with a synaptic decay has no exact NIR
    form here (no CubaLIF branch), and says so."""
    from dataclasses import replace

    from devo.inspect.nir_export import to_nir
    from devo.snn import state as S

    tp = recording.trace_params.copy()
    tp[S.T_D_SYN] = 0.5
    with pytest.raises(ValueError, match="delta synapses"):
        to_nir(replace(recording, trace_params=tp))


def test_graphml_round_trips_the_seeds(bundle, recording):
    """GraphML's long is a signed 64-bit integer and igraph reads it as a double: the uint64
    lifetime seed is a decimal string, the evaluation seed an integer; both come back exactly."""
    import igraph

    assert recording.lifetime_seed >= 2**32  # a seed of the size that overflowed before
    for stage in STAGES:
        path = bundle[f"network_{stage}.graphml"]
        g = nx.read_graphml(path, node_type=int)
        assert int(g.graph["lifetime_seed"]) == recording.lifetime_seed
        assert g.graph["seed"] == recording.seed and isinstance(g.graph["seed"], int)
        h = igraph.Graph.Read_GraphML(str(path))
        assert int(h["lifetime_seed"]) == recording.lifetime_seed
        assert h["seed"] == recording.seed  # igraph: a double, exact below 2**53
        assert h.vcount() == g.number_of_nodes() and h.ecount() == g.number_of_edges()


def test_graphml_holds_a_seed_past_int64(recording, tmp_path):
    from dataclasses import replace

    from devo.inspect.export import write_graphml

    big = replace(recording, lifetime_seed=2**64 - 1)
    g = nx.read_graphml(write_graphml(big, tmp_path / "g.graphml"), node_type=int)
    assert int(g.graph["lifetime_seed"]) == 2**64 - 1
