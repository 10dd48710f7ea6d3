"""Structural-edit kernels against the edge-set reference; invariants after every edit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devo.snn import HIDDEN, INPUT, OUTPUT, ForbiddenEdgeError, Network, check_invariants, structure
from devo.snn import state as S
from devo.snn.mask import allowed_mask, count_allowed
from devo.snn.reference import StructureModel

ops = st.lists(
    st.one_of(
        st.tuples(st.just("add_neuron"), st.sampled_from([INPUT, HIDDEN, HIDDEN, OUTPUT])),
        st.tuples(st.just("add_synapse"), st.integers(-1, 9), st.integers(-1, 9)),
        st.tuples(st.just("add_synapse"), st.integers(0, 9), st.integers(0, 9)),
        st.tuples(st.just("remove_synapse"), st.integers(0, 9), st.integers(0, 9)),
        st.tuples(st.just("remove_neuron"), st.integers(0, 9)),
    ),
    max_size=80,
)


@given(
    ops=ops,
    max_neurons=st.integers(1, 9),
    max_synapses=st.integers(0, 12),
    max_degree=st.integers(1, 5),
    allow_io=st.booleans(),
)
def test_edits_match_reference(ops, max_neurons, max_synapses, max_degree, allow_io) -> None:
    net = Network.empty(max_neurons, max_synapses, max_degree=max_degree, allow_input_output=allow_io)
    st_ = net.state
    ref = StructureModel(max_neurons, max_synapses, max_degree, allow_io)
    p = np.zeros(S.N_NP, np.float32)
    e0 = np.zeros(st_.e_dim, np.float32)
    for op in ops:
        if op[0] == "add_neuron":
            got = structure.add_neuron(st_, op[1], 0.0, 0.0, p)
            assert got == ref.add_neuron(op[1])
        elif op[0] == "add_synapse":
            got = structure.add_synapse(st_, op[1], op[2], 0.5, e0)
            want = ref.add_synapse(op[1], op[2])
            assert (got >= 0) == (want == 0) and (got < 0 and got == want or got >= 0), (op, got, want)
        elif op[0] == "remove_synapse":
            s = structure.find_synapse(st_, op[1], op[2]) if max(op[1], op[2]) < max_neurons else -1
            assert structure.remove_synapse(st_, s) == ref.remove_synapse(op[1], op[2])
        else:
            assert structure.remove_neuron(st_, op[1]) == ref.remove_neuron(op[1])
        check_invariants(st_)
        src, dst, _ = net.edges()
        assert set(zip(src.tolist(), dst.tolist(), strict=False)) == ref.edges
        np.testing.assert_array_equal(st_.alive.astype(bool), ref.alive)
        assert st_.meta[S.M_REFUSED] == ref.refused


def test_full_synapse_buffer_refuses_and_changes_nothing() -> None:
    net = Network.layered(2, 3, 1, max_synapses=4, density=0.0)
    pairs = [(0, 2), (1, 2), (2, 3), (3, 4), (4, 5)]
    slots = [net.add_synapse(i, j, 0.1) for i, j in pairs]
    assert slots[:4] == [0, 1, 2, 3] and slots[4] is None
    assert net.refused == 1 and net.n_synapses == 4
    assert net.find_synapse(4, 5) is None
    before = net.state.copy()
    assert net.add_synapse(4, 5, 0.2) is None
    for a, b in zip(before, net.state, strict=False):
        if a is not before.meta:
            np.testing.assert_array_equal(a, b)
    # freeing a slot makes room again, and the freed slot is reused
    net.remove_synapse(2)
    assert net.add_synapse(4, 5, 0.2) == 2
    net.check_invariants()


def test_full_neuron_buffer_refuses() -> None:
    net = Network.empty(2, 0)
    assert net.add_neuron(HIDDEN) == 0 and net.add_neuron(HIDDEN) == 1
    assert net.add_neuron(HIDDEN) is None and net.refused == 1
    net.remove_neuron(0)
    assert net.add_neuron(OUTPUT) == 0


def test_degree_table_full_refuses() -> None:
    net = Network.layered(0, 4, 0, max_synapses=10, max_degree=2)
    assert net.add_synapse(0, 1) is not None and net.add_synapse(0, 2) is not None
    assert net.add_synapse(0, 3) is None  # out-degree of 0 is at its bound
    assert net.add_synapse(3, 0) is not None  # in-degree is a separate table


@pytest.mark.parametrize(
    ("src_kind", "dst_kind", "why"),
    [
        (HIDDEN, INPUT, "enter an input"),
        (OUTPUT, HIDDEN, "leave an output"),
        (INPUT, OUTPUT, "input -> output"),
        (INPUT, INPUT, "enter an input"),
        (OUTPUT, OUTPUT, "leave an output"),
    ],
)
def test_forbidden_edges_raise(src_kind: int, dst_kind: int, why: str) -> None:
    net = Network.empty(3, 3)
    a = net.add_neuron(src_kind)
    b = net.add_neuron(dst_kind)
    with pytest.raises(ForbiddenEdgeError, match=why):
        net.add_synapse(a, b)
    assert net.n_synapses == 0


def test_self_loop_forbidden_and_input_output_optional() -> None:
    net = Network.empty(3, 3)
    h = net.add_neuron(HIDDEN)
    with pytest.raises(ForbiddenEdgeError, match="self-loops"):
        net.add_synapse(h, h)
    net2 = Network.empty(3, 3, allow_input_output=True)
    i, o = net2.add_neuron(INPUT), net2.add_neuron(OUTPUT)
    assert net2.add_synapse(i, o, 1.0) == 0


def test_bad_indices_and_values_raise() -> None:
    net = Network.layered(1, 2, 1, max_synapses=4)
    with pytest.raises(IndexError, match="out of range.*4 neuron slots"):
        net.add_synapse(0, 7)
    with pytest.raises(IndexError):
        net.add_synapse(-1, 1)
    with pytest.raises(TypeError, match="integer"):
        net.add_synapse(0.5, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        net.add_synapse(0, 1, float("nan"))
    with pytest.raises(ValueError, match="shape"):
        net.add_synapse(0, 1, 0.1, state=np.zeros(3))
    net.add_synapse(0, 1, 0.1)
    with pytest.raises(ValueError, match="already exists"):
        net.add_synapse(0, 1, 0.2)
    net.remove_neuron(2)
    with pytest.raises(ValueError, match="not alive"):
        net.add_synapse(1, 2)
    with pytest.raises(IndexError, match="slot 99"):
        net.remove_synapse(99)
    with pytest.raises(ValueError, match="not alive"):
        net.remove_synapse(3)
    with pytest.raises(ValueError, match="kind"):
        net.add_neuron(7)


def test_input_current_shape_and_nan_raise() -> None:
    net = Network.layered(3, 2, 1)
    with pytest.raises(ValueError, match="expected 3 input currents"):
        net.set_input_current(np.zeros(4))
    with pytest.raises(ValueError, match=r"non-finite at positions \[1\]"):
        net.set_input_current(np.array([0.0, np.inf, 0.0]))
    net.set_input_current(np.array([0.1, 0.2, 0.3]))
    np.testing.assert_allclose(net.state.i_ext[net.inputs], [0.1, 0.2, 0.3], rtol=1e-6)


def test_layered_density_counts_allowed_edges() -> None:
    net = Network.layered(4, 26, 2, density=1.0)
    assert net.n_synapses == count_allowed(4, 26, 2)
    m = allowed_mask(net.state.kind[:32])
    assert m.sum() == count_allowed(4, 26, 2)
    net.check_invariants()


def test_remove_neuron_removes_its_synapses() -> None:
    net = Network.layered(2, 5, 2, density=1.0, seed=3)
    before = net.n_synapses
    deg = int(net.state.out_n[3] + net.state.in_n[3])
    net.remove_neuron(3)
    assert net.n_synapses == before - deg
    src, dst, _ = net.edges()
    assert 3 not in src and 3 not in dst
    check_invariants(net.state)
