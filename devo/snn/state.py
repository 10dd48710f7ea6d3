"""The capacity-bounded state of one spiking network, as plain numpy arrays.

Everything a network is lives in one :class:`NetState` (a NamedTuple of arrays), allocated once
with :func:`allocate` for ``max_neurons`` neurons and ``max_synapses`` synapses. Compiled kernels
take it whole and never allocate. Neurons and synapses are switched on and off with ``alive``
masks; nothing ever moves.

Layout choices that the kernels rely on:

- per-neuron vectors have length ``max_neurons``; the developmental state ``h`` is stored
  structure-of-arrays, shape ``(h_dim, max_neurons)``;
- per-synapse vectors have length ``max_synapses``; the synapse state ``e`` is ``(max_synapses,
  e_dim)``, one 16-byte row per synapse, so the per-synapse rules load and store a synapse's whole
  state at once. Slot ``s`` is a synapse ``src[s] -> dst[s]`` when ``s_alive[s]``;
- adjacency is kept twice, as per-neuron slot tables: ``out_tab[i, :out_n[i]]`` lists the
  synapses leaving ``i`` and ``in_tab[j, :in_n[j]]`` those entering ``j``; ``out_pos[s]`` and
  ``in_pos[s]`` give a synapse's place in them, so removal is O(1). ``max_degree`` bounds both;
- free synapse slots form a stack ``free[:meta[M_NFREE]]`` (lowest slots are used first);
- scalar bookkeeping lives in the int64 vector ``meta`` (indices ``M_*``), network-wide trace and
  plasticity constants in the float32 vector ``tp`` (indices ``T_*``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# neuron kinds
INPUT = 0
HIDDEN = 1
OUTPUT = 2
KIND_NAMES = ("input", "hidden", "output")

# meta: int64 bookkeeping
M_NFREE = 0  # free synapse slots on the stack
M_NSYN = 1  # alive synapses
M_NNEU = 2  # alive neurons
M_ALLOW_IO = 3  # 1 if input -> output synapses are allowed
M_NSPIKED = 4  # neurons that spiked at the last tick (listed in `spiked`)
M_TICK = 5  # ticks simulated since allocation
M_SYN_HI = 6  # 1 + highest synapse slot ever used (kernels scan slots [0, SYN_HI))
M_REFUSED = 7  # structural edits refused because a buffer was full
M_NEU_HI = 8  # 1 + highest neuron slot ever used
M_WINDOW = 9  # ticks since the read-out window was last cleared
N_META = 10

# tp: float32 network-wide constants of traces and eligibility
T_D_PRE = 0  # decay of the presynaptic trace per tick, exp(-1/tau_pre)
T_D_POST = 1  # decay of the postsynaptic trace per tick, exp(-1/tau_post)
T_D_RATE = 2  # decay of the firing-rate estimate per tick, exp(-1/tau_rate)
T_D_ELIG = 3  # decay of the eligibility trace per tick, exp(-1/tau_elig)
T_A_PLUS = 4  # potentiation amplitude (pre before post)
T_A_MINUS = 5  # depression amplitude (post before pre)
T_D_SYN = 6  # decay of the synaptic current per tick (0 = delta synapses)
N_TP = 7

# per-neuron parameter vector, in this order (used by add_neuron)
P_BETA = 0  # membrane leak factor beta = exp(-1/tau_m)
P_THR = 1  # firing threshold theta
P_VRESET = 2  # reset potential
P_TREF = 3  # refractory period in ticks
P_RHO = 4  # threshold-adaptation decay rho = exp(-1/tau_adapt)
P_AINC = 5  # threshold jump per spike alpha (0 = plain LIF)
P_BIAS = 6  # constant input current
N_NP = 7

# structural-edit results (>= 0 is a slot or a neuron index)
ERR_FULL = -1  # no free slot (synapse buffer or neuron buffer)
ERR_DEGREE = -2  # the source's out-table or the target's in-table is full
ERR_FORBIDDEN = -3  # the allowed-edge mask forbids the edge
ERR_EXISTS = -4  # the synapse already exists
ERR_DEAD = -5  # an endpoint is not alive
ERR_RANGE = -6  # an index is out of range

ERROR_TEXT = {
    ERR_FULL: "buffer full",
    ERR_DEGREE: "degree table full",
    ERR_FORBIDDEN: "forbidden by the allowed-edge mask",
    ERR_EXISTS: "synapse already exists",
    ERR_DEAD: "endpoint is not alive",
    ERR_RANGE: "index out of range",
}


class NetState(NamedTuple):
    """All arrays of one network. Shapes: N = max_neurons, S = max_synapses, D = max_degree."""

    # neurons: structure
    alive: np.ndarray  # uint8[N]
    kind: np.ndarray  # int8[N]
    pos: np.ndarray  # float32[N, 2]
    # neurons: dynamics
    v: np.ndarray  # float32[N] membrane potential
    i_syn: np.ndarray  # float64[N] synaptic current (float64: sums do not depend on order)
    i_ext: np.ndarray  # float32[N] external current (set by an encoder)
    force: np.ndarray  # uint8[N] spike forced at the next tick (set by an encoder)
    adapt: np.ndarray  # float32[N] threshold adaptation a
    refr: np.ndarray  # int32[N] refractory ticks left
    spike: np.ndarray  # uint8[N] spiked at the last tick
    spiked: np.ndarray  # int32[N] indices that spiked at the last tick, first meta[M_NSPIKED]
    # neurons: traces and read-out window
    x_pre: np.ndarray  # float32[N] presynaptic trace
    x_post: np.ndarray  # float32[N] postsynaptic trace
    rate: np.ndarray  # float32[N] slow firing-rate estimate (spikes per tick)
    count: np.ndarray  # int32[N] spikes in the read-out window
    first: np.ndarray  # int32[N] tick of the first spike in the window (-1: none)
    v_acc: np.ndarray  # float32[N] sum of pre-reset membrane over the window
    # neurons: parameters (see P_*)
    beta: np.ndarray  # float32[N]
    thr: np.ndarray  # float32[N]
    v_reset: np.ndarray  # float32[N]
    t_ref: np.ndarray  # int32[N]
    rho: np.ndarray  # float32[N]
    a_inc: np.ndarray  # float32[N]
    bias: np.ndarray  # float32[N]
    # neurons: developmental state, structure-of-arrays
    h: np.ndarray  # float32[h_dim, N]
    # synapses
    s_alive: np.ndarray  # uint8[S]
    src: np.ndarray  # int32[S]
    dst: np.ndarray  # int32[S]
    w: np.ndarray  # float32[S] weight
    elig: np.ndarray  # float32[S] eligibility trace
    e: np.ndarray  # float32[S, e_dim] synapse state (one row per synapse)
    hp: np.ndarray  # float32[S] plastic weight component (0 at a synapse's birth; devo.develop.edge)
    # adjacency
    out_tab: np.ndarray  # int32[N, D]
    out_n: np.ndarray  # int32[N]
    in_tab: np.ndarray  # int32[N, D]
    in_n: np.ndarray  # int32[N]
    out_pos: np.ndarray  # int32[S]
    in_pos: np.ndarray  # int32[S]
    free: np.ndarray  # int32[S] stack of free synapse slots
    # bookkeeping
    meta: np.ndarray  # int64[N_META]
    tp: np.ndarray  # float32[N_TP]

    @property
    def max_neurons(self) -> int:
        return int(self.alive.shape[0])

    @property
    def max_synapses(self) -> int:
        return int(self.s_alive.shape[0])

    @property
    def max_degree(self) -> int:
        return int(self.out_tab.shape[1])

    @property
    def h_dim(self) -> int:
        return int(self.h.shape[0])

    @property
    def e_dim(self) -> int:
        return int(self.e.shape[1])

    def copy(self) -> NetState:
        """A deep copy (every array copied)."""
        return NetState(*(a.copy() for a in self))


def allocate(
    max_neurons: int,
    max_synapses: int,
    max_degree: int | None = None,
    h_dim: int = 8,
    e_dim: int = 4,
    allow_input_output: bool = False,
) -> NetState:
    """Allocate an empty network: no neuron alive, every synapse slot free.

    ``max_degree`` bounds how many synapses may leave (and, separately, enter) one neuron; by
    default ``min(max_neurons, max_synapses)``, so it never binds before the buffers do.
    """
    n, s = int(max_neurons), int(max_synapses)
    if n < 1 or s < 0:
        raise ValueError(f"capacities must be max_neurons >= 1 and max_synapses >= 0, got {n}, {s}")
    d = int(min(n, max(s, 1))) if max_degree is None else int(max_degree)
    if d < 1:
        raise ValueError(f"max_degree must be >= 1, got {d}")
    if h_dim < 0 or e_dim < 0:
        raise ValueError(f"h_dim and e_dim must be >= 0, got {h_dim}, {e_dim}")
    f32, i32 = np.float32, np.int32
    meta = np.zeros(N_META, dtype=np.int64)
    meta[M_NFREE] = s
    meta[M_ALLOW_IO] = int(bool(allow_input_output))
    state = NetState(
        alive=np.zeros(n, np.uint8),
        kind=np.full(n, HIDDEN, np.int8),
        pos=np.zeros((n, 2), f32),
        v=np.zeros(n, f32),
        i_syn=np.zeros(n, np.float64),
        i_ext=np.zeros(n, f32),
        force=np.zeros(n, np.uint8),
        adapt=np.zeros(n, f32),
        refr=np.zeros(n, i32),
        spike=np.zeros(n, np.uint8),
        spiked=np.zeros(n, i32),
        x_pre=np.zeros(n, f32),
        x_post=np.zeros(n, f32),
        rate=np.zeros(n, f32),
        count=np.zeros(n, i32),
        first=np.full(n, -1, i32),
        v_acc=np.zeros(n, f32),
        beta=np.zeros(n, f32),
        thr=np.ones(n, f32),
        v_reset=np.zeros(n, f32),
        t_ref=np.zeros(n, i32),
        rho=np.zeros(n, f32),
        a_inc=np.zeros(n, f32),
        bias=np.zeros(n, f32),
        h=np.zeros((h_dim, n), f32),
        s_alive=np.zeros(s, np.uint8),
        src=np.full(s, -1, i32),
        dst=np.full(s, -1, i32),
        w=np.zeros(s, f32),
        elig=np.zeros(s, f32),
        e=np.zeros((s, e_dim), f32),
        hp=np.zeros(s, f32),
        out_tab=np.full((n, d), -1, i32),
        out_n=np.zeros(n, i32),
        in_tab=np.full((n, d), -1, i32),
        in_n=np.zeros(n, i32),
        out_pos=np.full(s, -1, i32),
        in_pos=np.full(s, -1, i32),
        # stack: the top (last used entry) is slot 0, so slots fill from 0 upward
        free=np.arange(s - 1, -1, -1, dtype=i32),
        meta=meta,
        tp=np.zeros(N_TP, f32),
    )
    return state
