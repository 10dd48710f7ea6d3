r"""Decoders: the output neurons' activity over one env step (a read-out window) becomes an action.

With ``c_k`` the spike count of output neuron ``k`` in the window, ``f_k`` its first-spike tick,
``m_k`` its mean pre-reset membrane potential and ``T`` the window length in ticks:

- ``COUNT`` (discrete, default): :math:`\arg\max_k c_k`; ties go to the larger ``m_k``, then
  to the lower index (:func:`decode_discrete`); with ``network.ties = "random"`` a lifetime
  breaks the remaining exact ties with a uniform draw instead (:func:`break_ties`), so a silent
  network acts at random rather than always choosing action 0. One output neuron per action.
- ``FIRST_SPIKE`` (discrete): the output that fired first; ties by ``m_k``, then index; if none
  fired, :math:`\arg\max_k m_k`. One output neuron per action.
- ``COUNT_DIFF`` (continuous): two neurons per action dimension ``d`` (``2d`` pushes up,
  ``2d + 1`` down): :math:`a_d = l_d + (h_d - l_d)(1 + (c_{2d} - c_{2d+1})/T)/2`.
- ``MEMBRANE`` (continuous): one neuron per dimension:
  :math:`a_d = l_d + (h_d - l_d)(1 + \tanh(g\, m_d))/2`.
- ``BINARY`` (multi-binary): one neuron per bit, :math:`b_k = \mathbb{1}[c_k > 0]`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from devo.rng import integers
from devo.snn.state import M_WINDOW, NetState

COUNT = 0
FIRST_SPIKE = 1
COUNT_DIFF = 2
MEMBRANE = 3
BINARY = 4
KIND_NAMES = {
    "count": COUNT,
    "first_spike": FIRST_SPIKE,
    "count_diff": COUNT_DIFF,
    "membrane": MEMBRANE,
    "binary": BINARY,
}


def n_output_neurons(kind: int, n: int) -> int:
    """Output neurons a decoder needs for ``n`` discrete actions or ``n`` action dimensions."""
    return 2 * n if kind == COUNT_DIFF else n


@njit(cache=True, error_model="numpy", _nrt=False)
def decode_discrete(net: NetState, outputs: np.ndarray, kind: int) -> int:
    """Index (into ``outputs``) of the chosen discrete action; see the module docstring."""
    best = 0
    for k in range(1, outputs.shape[0]):
        i = outputs[k]
        b = outputs[best]
        if kind == COUNT:
            if net.count[i] > net.count[b]:
                best = k
            elif net.count[i] == net.count[b] and net.v_acc[i] > net.v_acc[b]:
                best = k
        else:
            fi = net.first[i]
            fb = net.first[b]
            if fi >= 0 and (fb < 0 or fi < fb):
                best = k
            elif fi == fb and net.v_acc[i] > net.v_acc[b]:
                best = k
    return best


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _tie(net: NetState, i: int, b: int, kind: int) -> bool:
    """Outputs ``i`` and ``b`` are indistinguishable to the decoder ``kind``."""
    key_equal = net.count[i] == net.count[b] if kind == COUNT else net.first[i] == net.first[b]
    return key_equal and net.v_acc[i] == net.v_acc[b]


@njit(cache=True, error_model="numpy", _nrt=False)
def break_ties(net: NetState, outputs: np.ndarray, kind: int, best: int, rng: np.ndarray) -> int:
    """``best`` (from :func:`decode_discrete`), unless other outputs tie with it exactly (same count
    or first spike, and same membrane sum): then one of the tied outputs, drawn uniformly from
    ``rng`` (no draw when there is no tie)."""
    b = outputs[best]
    tied = 0
    for k in range(outputs.shape[0]):
        if _tie(net, outputs[k], b, kind):
            tied += 1
    if tied <= 1:
        return best
    pick = integers(rng, tied)
    for k in range(outputs.shape[0]):
        if _tie(net, outputs[k], b, kind):
            if pick == 0:
                return k
            pick -= 1
    return best


@njit(cache=True, error_model="numpy", _nrt=False)
def decode_continuous(
    net: NetState,
    outputs: np.ndarray,
    kind: int,
    low: np.ndarray,
    high: np.ndarray,
    gain: float,
    out: np.ndarray,
) -> None:
    """Write a continuous action (float64, within ``[low, high]``) into ``out``."""
    window = net.meta[M_WINDOW]
    t = float(window) if window > 0 else 1.0
    for d in range(out.shape[0]):
        if kind == COUNT_DIFF:
            a = (net.count[outputs[2 * d]] - net.count[outputs[2 * d + 1]]) / t
        else:
            a = math.tanh(gain * net.v_acc[outputs[d]] / t)
        if a > 1.0:
            a = 1.0
        elif a < -1.0:
            a = -1.0
        out[d] = low[d] + (high[d] - low[d]) * (1.0 + a) * 0.5


@njit(cache=True, error_model="numpy", _nrt=False)
def decode_binary(net: NetState, outputs: np.ndarray, out: np.ndarray) -> None:
    """Write one bit per output neuron into ``out`` (int8): 1 if it spiked in the window."""
    for k in range(outputs.shape[0]):
        out[k] = 1 if net.count[outputs[k]] > 0 else 0
