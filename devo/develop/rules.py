"""The genome's meaning: every rule's blocks laid end to end, and `Rules`, the same numbers shaped
for the kernels.

Each rule declares its genome blocks and the arrays its kernels read beside its kernel
(:mod:`devo.develop.blocks`); this module puts the declarations together in a fixed order, which
is the genome layout (names, shapes, order and offsets of the committed genomes depend on it):

    node (messages, GRU) | edge | structural (pruning, synaptogenesis, new synapses) |
    growth (division, children, seed cells) | neuron bias | modulator | encoder |
    spontaneous activity | the plasticity family's lifetime rule (edge) | the shaping potential
    (modulator; only with ``develop.shaping``)

Every rule is a small network shared by all neurons or all synapses, so the genome's size does not
depend on ``max_neurons`` nor on the task's sizes, except the spontaneous-activity process, which
has one OU unit per observation value (as in LNDP). Sizes are the compile-time constants of
:mod:`devo.develop.dims`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from devo.develop import agent, edge, growth, modulator, node, spontaneous, structural
from devo.develop.blocks import Array
from devo.genome import Block, GenomeSpec
from devo.settings import DevelopConfig, NetworkConfig

# the arrays of Rules, in field order (a rule's arrays beside each other)
ARRAYS: tuple[Array, ...] = (
    *node.ARRAYS, *edge.ARRAYS, *structural.ARRAYS, *growth.ARRAYS, *agent.ARRAYS, *modulator.ARRAYS,
    *spontaneous.ARRAYS, *edge.FAMILY_ARRAYS,
)  # fmt: skip
_BY_NAME = {a.name: a for a in ARRAYS}

Rules = NamedTuple("Rules", [(a.name, np.ndarray) for a in ARRAYS])
Rules.__doc__ = """Genome blocks as float32 arrays, in the shapes the kernels index: one field per
:class:`~devo.develop.blocks.Array` a rule module declares (shapes in the comments there)."""


def genome_blocks(network: NetworkConfig, develop: DevelopConfig, obs_dim: int) -> list[Block]:
    """The genome layout for a configuration (and the task's observation size, for the OU units)."""
    return [
        *node.BLOCKS,
        *edge.BLOCKS,
        *structural.BLOCKS,
        *growth.BLOCKS,
        *agent.NEURON_BLOCKS,
        *modulator.BLOCKS,
        *agent.ENCODER_BLOCKS,
        *spontaneous.blocks(obs_dim),
        *edge.FAMILY_BLOCKS[develop.plasticity],
        *(modulator.shaping_blocks(obs_dim) if develop.shaping else ()),
    ]


def genome_spec(network: NetworkConfig, develop: DevelopConfig, obs_dim: int) -> GenomeSpec:
    return GenomeSpec(genome_blocks(network, develop, obs_dim))


def _placed(a: Array, parts: Mapping[str, np.ndarray], new) -> np.ndarray:
    """Array ``a`` from the blocks in ``parts`` (values or indices), or its ``absent`` fill."""
    if all(b in parts for b in a.blocks):
        return a.make(new, *(parts[b] for b in a.blocks))
    if a.absent is None:
        raise KeyError(f"the genome has no block {', '.join(b for b in a.blocks if b not in parts)} for {a.name}")
    return new(*a.absent)


def _values(a: Array, parts: Mapping[str, np.ndarray]) -> np.ndarray:
    x = _placed(a, parts, lambda shape, value: np.full(shape, value, np.float32))
    if a.clip is not None:
        x = np.array(x, np.float32)
        x[a.clip] = np.clip(x[a.clip], -1.0, 1.0)
    return np.ascontiguousarray(x, np.float32)


def rules_array(name: str, *blocks: np.ndarray) -> np.ndarray:
    """The float32 array ``name`` of :class:`Rules` from its blocks' values, as
    :func:`rules_from_genome` makes it (e.g. ``rules_array("syn_gain", gains)``)."""
    a = _BY_NAME[name]
    return _values(a, dict(zip(a.blocks, (np.asarray(b, np.float32) for b in blocks), strict=True)))


def rules_from_genome(spec: GenomeSpec, genome: np.ndarray) -> Rules:
    """Shape a (checked) genome into :class:`Rules` (float32 arrays, contiguous)."""
    p = spec.unflatten(genome)
    return Rules(*(_values(a, p) for a in ARRAYS))


class RulesBuffer(NamedTuple):
    """:class:`Rules` as views into one float32 buffer, refilled in place per genome.

    ``index[k]`` says where entry ``k`` of the buffer comes from in the extended genome
    ``[genome, 0, -inf]`` (the constants fill forbidden-edge rows, the OU factor's upper triangle
    and the absent blocks of other families); ``clip`` lists the entries clipped to [-1, 1] (the
    synapse-type gains and the plastic gains ``alpha``). Filling is one gather and one clip, where
    :func:`rules_from_genome` takes ~50 small numpy operations.
    """

    flat: np.ndarray  # float32[total]
    rules: Rules  # views into ``flat``
    index: np.ndarray  # int64[total] source of each entry in the extended genome
    clip: np.ndarray  # int64[c] entries clipped to [-1, 1]


def rules_buffer(spec: GenomeSpec) -> RulesBuffer:
    """Plan the buffer for genomes of ``spec`` (once per evaluator); fill it with :func:`fill_rules`.

    The same placement as :func:`rules_from_genome`, applied to the blocks' entry indices."""
    size = spec.size
    const = {0.0: size, -np.inf: size + 1}  # the two constants appended to the genome
    p = {b.name: np.arange(a, z, dtype=np.int64).reshape(b.shape)
         for b, (a, z) in ((b, spec.offsets[b.name]) for b in spec.blocks)}  # fmt: skip
    fields = {a.name: _placed(a, p, lambda shape, value: np.full(shape, const[value], np.int64)) for a in ARRAYS}
    total = sum(int(idx.size) for idx in fields.values())
    flat = np.zeros(total, np.float32)
    index = np.empty(total, np.int64)
    views = {}
    pos = 0
    clip: list[np.ndarray] = [np.zeros(0, np.int64)]
    for a in ARRAYS:
        idx = fields[a.name]
        n = int(idx.size)
        index[pos : pos + n] = idx.ravel()
        views[a.name] = flat[pos : pos + n].reshape(idx.shape)
        if a.clip is not None:
            clip.append(pos + np.arange(n, dtype=np.int64).reshape(idx.shape)[a.clip].ravel())
        pos += n
    return RulesBuffer(flat, Rules(**views), index, np.concatenate(clip))


def fill_rules(buf: RulesBuffer, genome: np.ndarray) -> Rules:
    """Shape a (checked, float32) genome into ``buf`` in place; returns ``buf.rules``, equal entry
    for entry to :func:`rules_from_genome` (tests check it)."""
    ext = np.empty(genome.size + 2, np.float32)
    ext[:-2] = genome
    ext[-2] = 0.0
    ext[-1] = -np.inf
    np.take(ext, buf.index, out=buf.flat)
    c = buf.flat[buf.clip]
    np.clip(c, -1.0, 1.0, out=c)
    buf.flat[buf.clip] = c
    return buf.rules
