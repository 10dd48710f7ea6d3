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

    snap = recording.stage("final")
    g = nir.read(bundle["network.nir"])
    lif, rec_w = g.nodes["lif"], g.nodes["recurrent"]
    assert isinstance(lif, nir.LIF)
    assert lif.v_threshold.shape == (snap.n_neurons,)
    ids = np.asarray(lif.metadata["neuron_id"])
    assert ids.tolist() == snap.neuron_id.tolist()
    assert np.asarray(lif.metadata["kind"]).tolist() == snap.kind.tolist()
    assert np.array_equal(lif.v_threshold, snap.threshold.astype(np.float64))
    # W[dst, src] holds every synapse's weight and nothing else
    row = {int(n): k for k, n in enumerate(ids)}
    expected = np.zeros((snap.n_neurons, snap.n_neurons), np.float32)
    for s, d, w in zip(snap.src.tolist(), snap.dst.tolist(), snap.weight.tolist(), strict=True):
        expected[row[d], row[s]] = w
    assert np.array_equal(rec_w.weight, expected)
    assert len(rec_w.metadata["src"]) == snap.n_synapses
    assert ("lif", "recurrent") in g.edges and ("recurrent", "lif") in g.edges
    # Euler step of NIR's LIF with dt reproduces devo's leak beta; R cancels dt/tau
    dt = float(g.metadata["dt"])
    beta = recording.kind_params[snap.kind.astype(int), 0]
    assert np.allclose(1.0 - dt / lif.tau, beta, rtol=1e-6)
    assert np.allclose(lif.r * dt / lif.tau, 1.0)
    # bias per neuron kind rides on the recurrent map
    assert np.allclose(rec_w.bias, recording.kind_params[snap.kind.astype(int), 6])
    # encoder drives exactly the input neurons, readout picks exactly the outputs, in order
    enc = g.nodes["encoder"]
    assert enc.weight.shape == (snap.n_neurons, recording.obs_dim)
    driven = [int(ids[r]) for r in np.flatnonzero(np.abs(enc.weight).sum(axis=1))]
    if recording.encoder["gain"] != 0:
        assert driven == recording.input_ids.tolist()
    sel = g.nodes["readout"].weight
    assert [int(ids[np.argmax(r)]) for r in sel] == recording.output_ids.tolist()
    assert sel.sum() == len(recording.output_ids)
