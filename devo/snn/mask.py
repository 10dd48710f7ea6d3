"""The allowed-edge mask: which synapses may exist at all.

A synapse ``i -> j`` is allowed when all of these hold (LNDP's mask, plus an option):

- ``i != j`` (no self-loops);
- ``kind[j] != input`` (nothing enters an input neuron);
- ``kind[i] != output`` (nothing leaves an output neuron);
- not (``kind[i] == input`` and ``kind[j] == output``), unless input -> output is switched on.

So the allowed kinds are input->hidden, hidden->hidden, hidden->output, and optionally
input->output. Every structural edit goes through :func:`edge_allowed`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from devo.snn.state import HIDDEN, INPUT, OUTPUT


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def edge_allowed(kind_src: int, kind_dst: int, same: bool, allow_io: int) -> bool:
    """True when a synapse from a neuron of ``kind_src`` to one of ``kind_dst`` is allowed."""
    if same or kind_dst == INPUT or kind_src == OUTPUT:
        return False
    if kind_src == INPUT and kind_dst == OUTPUT:
        return allow_io != 0
    return True


def allowed_mask(kind: np.ndarray, allow_input_output: bool = False) -> np.ndarray:
    """Dense ``bool[N, N]`` mask, ``mask[i, j]`` = synapse ``i -> j`` allowed (numpy, no kernel)."""
    kind = np.asarray(kind)
    src = kind[:, None]
    dst = kind[None, :]
    m = (dst != INPUT) & (src != OUTPUT)
    if not allow_input_output:
        m &= ~((src == INPUT) & (dst == OUTPUT))
    np.fill_diagonal(m, False)
    return m


def count_allowed(n_input: int, n_hidden: int, n_output: int, allow_input_output: bool = False) -> int:
    """Number of allowed synapses for the given neuron counts: |I||H| + |H|(|H|-1) + |H||O| (+|I||O|)."""
    n = n_input * n_hidden + n_hidden * (n_hidden - 1) + n_hidden * n_output
    return n + (n_input * n_output if allow_input_output else 0)


__all__ = ["edge_allowed", "allowed_mask", "count_allowed", "INPUT", "HIDDEN", "OUTPUT"]
