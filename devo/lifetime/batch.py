"""Many lifetimes on one preallocated state: reset in place, one compiled call per chunk.

An :class:`~devo.lifetime.Evaluator` allocates a lifetime's network, agent and recorder once and
keeps them in a :class:`~devo.lifetime.session.LifeBox` with the rules (views into a buffer refilled
per genome, :func:`devo.develop.rules.fill_rules`). Between lifetimes :func:`reset_lifetime` puts
the network (:func:`devo.snn.reset.reset_network`), the agent and the recorder back to what a fresh
allocation gives, entry for entry, with the next lifetime's random state: the same genome and seed
give the same lifetime, bit for bit, as on freshly allocated state (tests compare the two).

:func:`run_native_batch` lives a chunk of lifetimes of one genome on a native task in one compiled
call: passing the box costs ~2 us where typing the ~140 arrays of a lifetime costs ~50 us a call.
Per lifetime it writes the episode returns and lengths and one row of :data:`STATS`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.develop.agent import (
    K_ADDED,
    K_DIVISIONS,
    K_ENV_STEPS,
    K_NAN,
    K_PRUNED,
    K_REFUSED,
    K_SPIKES,
    Agent,
)
from devo.lifetime.record import Recorder
from devo.snn.reset import reset_network
from devo.snn.state import M_NNEU, M_NSYN, NetState

# columns of the per-lifetime statistics written by run_native_batch / lifetime_stats
S_ENV_STEPS = 0
S_SPIKES = 1
S_NEURONS = 2
S_SYNAPSES = 3
S_ADDED = 4
S_PRUNED = 5
S_DIVISIONS = 6
S_REFUSED = 7
S_NAN = 8  # the agent saw a non-finite observation or reward
S_FINITE = 9  # 1 if the network state is finite at the end of life
N_STATS = 10


@njit(cache=True, error_model="numpy", _nrt=False)
def _zero_f32(a: np.ndarray) -> None:
    f = a.reshape(a.size)
    for k in range(f.shape[0]):
        f[k] = np.float32(0.0)


@njit(cache=True, error_model="numpy", _nrt=False)
def reset_agent(ag: Agent, rng_state: np.ndarray) -> None:
    """``ag`` as :func:`devo.develop.agent.make_agent` returns it with random state ``rng_state``.

    Configuration, layout and the genome's per-kind parameters (``ci``, ``cf``, ``kind_params``,
    ``enc_params``, positions, bounds, modes) are the evaluator's and stay; everything a lifetime
    writes goes back to its initial value."""
    for k in range(4):
        ag.rng[k] = rng_state[k]
    for k in range(ag.counters.shape[0]):
        ag.counters[k] = 0
    for k in range(ag.ms.shape[0]):
        ag.ms[k] = 0.0
    for k in range(ag.inputs.shape[0]):
        ag.inputs[k] = -1
    for k in range(ag.outputs.shape[0]):
        ag.outputs[k] = -1
    for k in range(ag.obs.shape[0]):
        ag.obs[k] = 0.0
        ag.ou[k] = 0.0
        ag.xn[k] = np.float32(0.0)
        for r in range(ag.norm_stats.shape[0]):
            ag.norm_stats[r, k] = 0.0
    for k in range(ag.action.shape[0]):
        ag.action[k] = 0.0
        ag.bits[k] = 0
    _zero_f32(ag.drive)
    _zero_f32(ag.mu)
    _zero_f32(ag.xin)
    _zero_f32(ag.gates)
    _zero_f32(ag.pre)
    _zero_f32(ag.post)
    _zero_f32(ag.qa)
    _zero_f32(ag.qb)
    _zero_f32(ag.qext)
    _zero_f32(ag.e_tmp)
    _zero_f32(ag.nbr_d)
    _zero_f32(ag.post_act)
    _zero_f32(ag.plastic_t)
    for i in range(ag.idx.shape[0]):
        ag.idx[i] = 0
        ag.bound[i] = 0.0
        ag.bound_size[i] = 0.0
        ag.nbr_n[i] = 0
        for k in range(ag.nbr.shape[1]):
            ag.nbr[i, k] = 0


@njit(cache=True, error_model="numpy", _nrt=False)
def reset_lifetime(net: NetState, ag: Agent, rec: Recorder, rng_state: np.ndarray) -> None:
    """Network, agent and (non-recording) recorder back to a fresh allocation's state."""
    reset_network(net)
    reset_agent(ag, rng_state)
    rec.rows[0] = 0
    rec.snap_n[0] = 0


@njit(cache=True, error_model="numpy", _nrt=False)
def finite_state(net: NetState) -> bool:
    """True if membrane potentials, neuron states, synapse states and weights are all finite."""
    for a in (net.v, net.w):
        for k in range(a.shape[0]):
            if not math.isfinite(a[k]):
                return False
    for a in (net.h, net.e):
        f = a.reshape(a.size)
        for k in range(f.shape[0]):
            if not math.isfinite(f[k]):
                return False
    return True


@njit(cache=True, error_model="numpy", _nrt=False)
def lifetime_stats(net: NetState, ag: Agent, out: np.ndarray) -> None:
    """One row of :data:`STATS` for the lifetime just lived."""
    c = ag.counters
    out[S_ENV_STEPS] = c[K_ENV_STEPS]
    out[S_SPIKES] = c[K_SPIKES]
    out[S_NEURONS] = net.meta[M_NNEU]
    out[S_SYNAPSES] = net.meta[M_NSYN]
    out[S_ADDED] = c[K_ADDED]
    out[S_PRUNED] = c[K_PRUNED]
    out[S_DIVISIONS] = c[K_DIVISIONS]
    out[S_REFUSED] = c[K_REFUSED]
    out[S_NAN] = c[K_NAN]
    out[S_FINITE] = 1 if finite_state(net) else 0


@njit(cache=True, error_model="numpy")
def reset_box(box, rng_state: np.ndarray) -> None:
    """:func:`reset_lifetime` on a :class:`~devo.lifetime.session.LifeBox` (the Python-environment
    path: one cheap call, then one per env step)."""
    reset_lifetime(box.net, box.ag, box.rec, rng_state)


@njit(cache=True, error_model="numpy")
def box_stats(box, out: np.ndarray) -> None:
    """:func:`lifetime_stats` of the boxed lifetime."""
    lifetime_stats(box.net, box.ag, out)
