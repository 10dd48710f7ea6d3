"""`Network`: the checked, Pythonic face of a :class:`~devo.snn.state.NetState`.

Kernels trust their inputs; this class does not. Every public method validates indices, shapes
and values, and raises an exception that names the problem. The one defined non-error outcome is
a full buffer: ``add_neuron`` and ``add_synapse`` then return ``None`` (a refusal, counted in
``refused``) and change nothing.
"""

from __future__ import annotations

import numpy as np

from devo.snn import dynamics, structure
from devo.snn import state as S
from devo.snn.mask import allowed_mask, edge_allowed
from devo.snn.params import NeuronParams, TraceParams
from devo.snn.snapshot import NetworkSnapshot, take_snapshot


class ForbiddenEdgeError(ValueError):
    """A synapse the allowed-edge mask forbids (into an input, out of an output, a self-loop)."""


def _why_forbidden(kind_src: int, kind_dst: int, same: bool) -> str:
    if same:
        return "self-loops are not allowed"
    if kind_dst == S.INPUT:
        return "nothing may enter an input neuron"
    if kind_src == S.OUTPUT:
        return "nothing may leave an output neuron"
    return "input -> output synapses are switched off (allow_input_output=False)"


class Network:
    """A capacity-bounded spiking network (see :mod:`devo.snn.state` for the layout)."""

    def __init__(self, state: S.NetState) -> None:
        self.state = state

    # ---------------------------------------------------------------- construction
    @classmethod
    def empty(
        cls,
        max_neurons: int,
        max_synapses: int,
        *,
        max_degree: int | None = None,
        h_dim: int = 8,
        e_dim: int = 4,
        allow_input_output: bool = False,
        traces: TraceParams | None = None,
    ) -> Network:
        """A network with no neuron and every synapse slot free."""
        st = S.allocate(max_neurons, max_synapses, max_degree, h_dim, e_dim, allow_input_output)
        st.tp[:] = (traces or TraceParams()).vector()
        return cls(st)

    @classmethod
    def layered(
        cls,
        n_input: int,
        n_hidden: int,
        n_output: int,
        *,
        max_neurons: int | None = None,
        max_synapses: int | None = None,
        max_degree: int | None = None,
        density: float = 0.0,
        weight_scale: float = 0.5,
        params: NeuronParams | None = None,
        traces: TraceParams | None = None,
        allow_input_output: bool = False,
        h_dim: int = 8,
        e_dim: int = 4,
        seed: int = 0,
    ) -> Network:
        """Inputs on the left (x = -1), outputs on the right (x = +1), hidden neurons at random
        positions in between; then each allowed synapse exists with probability ``density``,
        weight uniform on ``[-weight_scale, weight_scale]``. Capacities default to exactly fit."""
        n = n_input + n_hidden + n_output
        if min(n_input, n_hidden, n_output) < 0 or n == 0:
            raise ValueError(f"neuron counts must be >= 0 and not all 0, got {n_input}, {n_hidden}, {n_output}")
        if not 0.0 <= density <= 1.0:
            raise ValueError(f"density must be in [0, 1], got {density}")
        rng = np.random.default_rng(seed)
        kinds = np.array([S.INPUT] * n_input + [S.HIDDEN] * n_hidden + [S.OUTPUT] * n_output, np.int8)
        mask = allowed_mask(kinds, allow_input_output)
        chosen = np.argwhere(mask & (rng.random(mask.shape) < density))
        if max_neurons is None:
            max_neurons = n
        if max_synapses is None:
            max_synapses = max(len(chosen), 1)
        net = cls.empty(
            max_neurons, max_synapses, max_degree=max_degree, h_dim=h_dim, e_dim=e_dim,
            allow_input_output=allow_input_output, traces=traces,
        )
        params = params or NeuronParams()
        for k, kind in enumerate(kinds):
            if kind == S.INPUT:
                xy = (-1.0, -1.0 + 2.0 * (k + 0.5) / n_input)
            elif kind == S.OUTPUT:
                xy = (1.0, -1.0 + 2.0 * (k - n_input - n_hidden + 0.5) / n_output)
            else:
                xy = tuple(rng.uniform(-0.9, 0.9, 2))
            if net.add_neuron(int(kind), xy, params) is None:
                raise ValueError(f"max_neurons={max_neurons} is smaller than the {n} neurons asked for")
        if len(chosen):
            w = rng.uniform(-weight_scale, weight_scale, len(chosen)).astype(np.float32)
            codes = np.empty(len(chosen), np.int64)
            structure.add_synapses(
                net.state, chosen[:, 0].astype(np.int32), chosen[:, 1].astype(np.int32), w, codes
            )
        return net

    # ---------------------------------------------------------------- views
    @property
    def max_neurons(self) -> int:
        return self.state.max_neurons

    @property
    def max_synapses(self) -> int:
        return self.state.max_synapses

    @property
    def n_neurons(self) -> int:
        return int(self.state.meta[S.M_NNEU])

    @property
    def n_synapses(self) -> int:
        return int(self.state.meta[S.M_NSYN])

    @property
    def refused(self) -> int:
        """Structural edits refused so far because a buffer was full."""
        return int(self.state.meta[S.M_REFUSED])

    def neurons(self, kind: int | None = None) -> np.ndarray:
        """Indices of alive neurons (of one ``kind`` if given), ascending."""
        m = self.state.alive.astype(bool)
        if kind is not None:
            m &= self.state.kind == kind
        return np.flatnonzero(m).astype(np.int32)

    @property
    def inputs(self) -> np.ndarray:
        return self.neurons(S.INPUT)

    @property
    def outputs(self) -> np.ndarray:
        return self.neurons(S.OUTPUT)

    def synapses(self) -> np.ndarray:
        """Slots of alive synapses, ascending."""
        return np.flatnonzero(self.state.s_alive).astype(np.int32)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(src, dst, weight)`` of alive synapses, in slot order."""
        s = self.synapses()
        return self.state.src[s].copy(), self.state.dst[s].copy(), self.state.w[s].copy()

    def weight_matrix(self) -> np.ndarray:
        """Dense ``float32[N, N]`` weights, ``W[i, j]`` for synapse ``i -> j`` (0 where none)."""
        src, dst, w = self.edges()
        mat = np.zeros((self.max_neurons, self.max_neurons), np.float32)
        mat[src, dst] = w
        return mat

    # ---------------------------------------------------------------- checks
    def _check_neuron(self, i: int, what: str = "neuron") -> int:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"{what} index must be an integer, got {type(i).__name__}")
        i = int(i)
        if not 0 <= i < self.max_neurons:
            raise IndexError(
                f"{what} index {i} is out of range: this network has {self.max_neurons} neuron "
                f"slots (0..{self.max_neurons - 1})"
            )
        if not self.state.alive[i]:
            raise ValueError(f"{what} {i} is not alive")
        return i

    # ---------------------------------------------------------------- structural edits
    def add_neuron(
        self, kind: int, pos: tuple[float, float] = (0.0, 0.0), params: NeuronParams | None = None
    ) -> int | None:
        """Switch on a neuron; returns its index, or ``None`` if every slot is alive (refusal)."""
        if kind not in (S.INPUT, S.HIDDEN, S.OUTPUT):
            raise ValueError(f"kind must be INPUT (0), HIDDEN (1) or OUTPUT (2), got {kind!r}")
        x, y = (float(c) for c in pos)
        if not (np.isfinite(x) and np.isfinite(y)):
            raise ValueError(f"neuron position must be finite, got {pos}")
        p = (params or NeuronParams()).vector()
        i = structure.add_neuron(self.state, int(kind), x, y, p)
        return None if i < 0 else int(i)

    def remove_neuron(self, i: int) -> None:
        """Switch off neuron ``i`` and every synapse that touches it."""
        i = self._check_neuron(i)
        structure.remove_neuron(self.state, i)

    def add_synapse(self, src: int, dst: int, weight: float = 0.0, state: np.ndarray | None = None) -> int | None:
        """Add synapse ``src -> dst``; returns its slot, or ``None`` if a buffer is full (refusal).

        Raises ``ForbiddenEdgeError`` for an edge the mask forbids, ``ValueError`` for a duplicate,
        a dead endpoint or a non-finite weight, ``IndexError`` for an index out of range.
        """
        i = self._check_neuron(src, "source neuron")
        j = self._check_neuron(dst, "target neuron")
        st = self.state
        if not edge_allowed(int(st.kind[i]), int(st.kind[j]), i == j, int(st.meta[S.M_ALLOW_IO])):
            raise ForbiddenEdgeError(
                f"synapse {i} -> {j} is forbidden: {_why_forbidden(st.kind[i], st.kind[j], i == j)}"
            )
        if not np.isfinite(weight):
            raise ValueError(f"synapse weight must be finite, got {weight}")
        e0 = np.zeros(st.e_dim, np.float32)
        if state is not None:
            state = np.asarray(state, np.float32)
            if state.shape != (st.e_dim,):
                raise ValueError(f"synapse state must have shape ({st.e_dim},), got {state.shape}")
            if not np.isfinite(state).all():
                raise ValueError("synapse state must be finite")
            e0[:] = state
        s = structure.add_synapse(st, i, j, np.float32(weight), e0)
        if s == S.ERR_EXISTS:
            raise ValueError(f"synapse {i} -> {j} already exists (slot {structure.find_synapse(st, i, j)})")
        if s in (S.ERR_FULL, S.ERR_DEGREE):
            return None
        if s < 0:  # pragma: no cover - every other code was checked above
            raise RuntimeError(f"add_synapse failed: {S.ERROR_TEXT.get(s, s)}")
        return int(s)

    def remove_synapse(self, slot: int) -> None:
        """Remove the synapse in ``slot``."""
        if not 0 <= int(slot) < self.max_synapses:
            raise IndexError(
                f"synapse slot {slot} is out of range: this network has {self.max_synapses} slots"
            )
        if not structure.remove_synapse(self.state, int(slot)):
            raise ValueError(f"synapse slot {slot} is not alive")

    def find_synapse(self, src: int, dst: int) -> int | None:
        """Slot of synapse ``src -> dst``, or ``None``."""
        s = structure.find_synapse(self.state, self._check_neuron(src), self._check_neuron(dst))
        return None if s < 0 else int(s)

    # ---------------------------------------------------------------- dynamics
    def set_input_current(self, current: np.ndarray) -> None:
        """External current of the input neurons (ascending index order) for the coming ticks."""
        inputs = self.inputs
        current = np.asarray(current, np.float32)
        if current.shape != inputs.shape:
            raise ValueError(
                f"expected {len(inputs)} input currents, one per input neuron, got shape {current.shape}"
            )
        if not np.isfinite(current).all():
            bad = np.flatnonzero(~np.isfinite(current)).tolist()
            raise ValueError(f"input current must be finite; non-finite at positions {bad}")
        self.state.i_ext[inputs] = current

    def tick(self, n: int = 1, traces: bool = True) -> int:
        """Simulate ``n`` ticks; returns the number of spikes."""
        if n < 0:
            raise ValueError(f"number of ticks must be >= 0, got {n}")
        return int(dynamics.run_ticks(self.state, int(n), bool(traces)))

    def clear_window(self) -> None:
        dynamics.clear_window(self.state)

    def set_trace_params(self, traces: TraceParams) -> None:
        self.state.tp[:] = traces.vector()

    # ---------------------------------------------------------------- records
    def snapshot(self) -> NetworkSnapshot:
        """A plain, picklable record of the alive part of the network."""
        return take_snapshot(self.state)

    def check_invariants(self) -> None:
        """Raise ``AssertionError`` naming the first broken structural invariant."""
        check_invariants(self.state)

    def copy(self) -> Network:
        return Network(self.state.copy())

    def __repr__(self) -> str:
        k = self.state.kind[self.state.alive.astype(bool)]
        return (
            f"Network({int((k == S.INPUT).sum())} input, {int((k == S.HIDDEN).sum())} hidden, "
            f"{int((k == S.OUTPUT).sum())} output neurons of {self.max_neurons}; "
            f"{self.n_synapses} synapses of {self.max_synapses})"
        )


def check_invariants(st: S.NetState) -> None:
    """Structural invariants of a network state (see :mod:`devo.snn.structure`); numpy only."""
    alive = st.alive.astype(bool)
    sa = st.s_alive.astype(bool)
    slots = np.flatnonzero(sa)
    src, dst = st.src[slots], st.dst[slots]
    assert int(st.meta[S.M_NSYN]) == len(slots), "synapse count differs from the alive mask"
    assert int(st.meta[S.M_NNEU]) == int(alive.sum()), "neuron count differs from the alive mask"
    assert int(st.meta[S.M_NFREE]) == st.max_synapses - len(slots), "free stack size is wrong"
    free = st.free[: st.meta[S.M_NFREE]]
    assert not sa[free].any(), "an alive synapse is on the free stack"
    assert len(np.unique(free)) == len(free), "a slot is on the free stack twice"
    if len(slots):
        assert alive[src].all() and alive[dst].all(), "a synapse touches a dead neuron"
        mask = allowed_mask(st.kind, bool(st.meta[S.M_ALLOW_IO]))
        assert mask[src, dst].all(), "a synapse breaks the allowed-edge mask"
        pairs = src.astype(np.int64) * st.max_neurons + dst
        assert len(np.unique(pairs)) == len(pairs), "two synapses join the same pair"
        assert slots.max() < st.meta[S.M_SYN_HI], "a synapse lies beyond SYN_HI"
    assert (st.out_n.sum() == len(slots)) and (st.in_n.sum() == len(slots)), "adjacency size is wrong"
    for s in slots:
        i, j = st.src[s], st.dst[s]
        assert st.out_tab[i, st.out_pos[s]] == s, f"synapse {s} is not at its out_pos"
        assert st.in_tab[j, st.in_pos[s]] == s, f"synapse {s} is not at its in_pos"
    dead = ~sa
    assert (st.w[dead] == 0).all() and (st.elig[dead] == 0).all(), "a dead slot holds a weight"
    assert not (st.spike.astype(bool) & ~alive).any(), "a dead neuron spiked"
    assert not st.alive[st.meta[S.M_NEU_HI]:].any(), "a neuron lies beyond NEU_HI"

