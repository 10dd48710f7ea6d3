"""How a rule declares its part of the genome, beside its kernel.

Each rule module lists its genome :class:`~devo.genome.Block` s (name, shape, initialisation,
meaning) in layout order, and the arrays of :class:`~devo.develop.rules.Rules` its kernels read,
each an :class:`Array`: the blocks it is made of and how they are placed. :mod:`devo.develop.rules`
lays the rules' blocks end to end in a fixed order (the genome layout) and shapes a genome into
``Rules`` from the arrays. One placement serves two purposes: applied to the blocks' values it
gives the arrays (:func:`~devo.develop.rules.rules_from_genome`), applied to the blocks' entry
indices it gives the gather plan that refills the arrays in place per genome
(:func:`~devo.develop.rules.rules_buffer`). A new block is one :class:`~devo.genome.Block` and
one :class:`Array` in its rule's module (and a field name the kernel reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from devo.snn.state import HIDDEN, INPUT, OUTPUT

# ``new(shape, value)``: an array of a constant (0 or -inf) in the placement's terms (a value, or
# the index of that constant in the extended genome)
New = Callable[[tuple[int, ...], float], np.ndarray]


def _as_is(new: New, block: np.ndarray) -> np.ndarray:
    return block


@dataclass(frozen=True)
class Array:
    """One array of :class:`~devo.develop.rules.Rules` made from genome blocks.

    ``make(new, *blocks)`` places the blocks' arrays (values or entry indices, in the order of
    ``blocks``) into the kernel's shape using only indexing, transposes and concatenation, and
    ``new(shape, value)`` for entries no block gives (0 or -inf); ``None``: the one block as it
    is. ``absent`` is the array's shape and value where its blocks are not in the genome (the
    blocks of another plasticity family). ``clip`` indexes the entries clipped to [-1, 1].
    """

    name: str
    blocks: tuple[str, ...]
    make: Callable[..., np.ndarray] = _as_is
    absent: tuple[tuple[int, ...], float] | None = None
    clip: Any = None  # an index into the array (np.s_[...]), or None


def transposed(new: New, *blocks: np.ndarray) -> np.ndarray:
    """The blocks stacked along their first axis, transposed: row ``k`` = the coefficients of
    ``h_k`` (neuron-major rows for the per-synapse kernels)."""
    return np.concatenate(blocks).T


SYNAPSE_TYPES = ((INPUT, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, OUTPUT), (INPUT, OUTPUT))


def type_table(new: New, rows: np.ndarray) -> np.ndarray:
    """Rows per synapse type (:data:`SYNAPSE_TYPES`: input->hidden, hidden->hidden, hidden->output,
    input->output) as a table indexed by ``3 kind_src + kind_dst``, 0 for the edges the mask forbids."""
    rows = rows.reshape(len(SYNAPSE_TYPES), -1)
    tab = new((9, rows.shape[1]), 0.0)
    for k, (a, b) in enumerate(SYNAPSE_TYPES):
        tab[3 * a + b] = rows[k]
    return tab
