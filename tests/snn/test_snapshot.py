"""Snapshots: plain, picklable copies of the alive part of a network."""

from __future__ import annotations

import json
import pickle

import numpy as np

from devo.snn import HIDDEN, Network, NetworkSnapshot


def test_snapshot_holds_alive_part_and_round_trips() -> None:
    net = Network.layered(3, 6, 2, density=0.5, seed=4, max_neurons=14)
    net.remove_neuron(5)
    net.state.h[:, net.neurons()] = 0.25
    snap = net.snapshot()
    assert snap.n_neurons == 10 and 5 not in snap.neuron_id
    assert snap.n_synapses == net.n_synapses
    assert set(snap.src) | set(snap.dst) <= set(snap.neuron_id.tolist())
    assert snap.h.shape == (10, 8) and snap.e.shape == (net.n_synapses, 4)
    assert snap.count(HIDDEN) == 5
    src, dst, w = net.edges()
    np.testing.assert_array_equal(snap.src, src)
    np.testing.assert_array_equal(snap.weight, w)
    assert pickle.loads(pickle.dumps(snap)) == snap
    back = NetworkSnapshot.from_dict(json.loads(json.dumps(snap.to_dict())))
    assert back == snap


def test_snapshot_is_a_copy() -> None:
    net = Network.layered(2, 4, 1, density=1.0)
    snap = net.snapshot()
    w0 = snap.weight.copy()
    net.state.w[:] = 9.0
    net.state.i_ext[:] = 2.0
    net.tick(5)
    np.testing.assert_array_equal(snap.weight, w0)
    assert snap.tick == 0


def test_empty_snapshot_round_trips() -> None:
    snap = Network.empty(4, 0).snapshot()
    assert snap.n_neurons == 0 and snap.n_synapses == 0
    back = NetworkSnapshot.from_dict(json.loads(json.dumps(snap.to_dict())))
    assert back.pos.shape == (0, 2)
