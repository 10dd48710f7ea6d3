"""`GenomeSpec`: named parameter blocks <-> one flat float32 vector.

A genome is a flat vector (what EvoTorch searches over). Its meaning is a list of named blocks --
the weights of each developmental rule, the spontaneous-activity process, neuron-parameter
modulators -- laid end to end in a fixed order. The spec slices a vector into those blocks (views,
no copies), describes them, checks a vector's length, and draws the initial genome.

Initialisation per block (``Block.init``):

- ``"normal"``: N(0, scale^2 / fan_in) with fan_in = the last dimension (1 for vectors);
- ``"const"``: every entry equal to ``scale``;
- ``"values"``: the explicit ``values`` tuple.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Block:
    """One named block of the genome."""

    name: str
    shape: tuple[int, ...]
    init: str = "normal"
    scale: float = 1.0
    help: str = ""
    values: tuple[float, ...] = ()

    @property
    def size(self) -> int:
        return int(math.prod(self.shape))

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        if self.init == "normal":
            fan_in = self.shape[-1] if len(self.shape) > 1 else 1
            return rng.normal(0.0, self.scale / math.sqrt(fan_in), self.shape)
        if self.init == "const":
            return np.full(self.shape, self.scale)
        if self.init == "values":
            v = np.asarray(self.values, np.float64)
            if v.size != self.size:
                raise ValueError(f"block {self.name}: {v.size} init values for {self.size} entries")
            return v.reshape(self.shape)
        raise ValueError(f"block {self.name}: unknown init {self.init!r}")


class GenomeSpec:
    """The layout of a genome: an ordered list of :class:`Block`."""

    def __init__(self, blocks: list[Block]) -> None:
        names = [b.name for b in blocks]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate block names in {names}")
        self.blocks = list(blocks)
        self.offsets: dict[str, tuple[int, int]] = {}
        pos = 0
        for b in self.blocks:
            self.offsets[b.name] = (pos, pos + b.size)
            pos += b.size
        self.size = pos

    def __len__(self) -> int:
        return self.size

    def __contains__(self, name: str) -> bool:
        return name in self.offsets

    def check(self, genome: np.ndarray) -> np.ndarray:
        """The genome as a 1-D float32 array; a wrong length raises naming both lengths."""
        g = np.asarray(genome)
        if g.ndim != 1:
            raise ValueError(f"a genome is a 1-D vector, got an array of shape {g.shape}")
        if g.size != self.size:
            raise ValueError(
                f"genome has length {g.size}, but this configuration's genome has length {self.size}"
            )
        # always a fresh, writable copy: a read-only array (one that came through Ray, say) is a
        # different type to numba and would compile the whole lifetime again
        return np.array(g, dtype=np.float32, copy=True, order="C")

    def unflatten(self, genome: np.ndarray) -> dict[str, np.ndarray]:
        """Block name -> array of the block's shape (views into one checked copy of the vector)."""
        g = self.check(genome)
        return {b.name: g[slice(*self.offsets[b.name])].reshape(b.shape) for b in self.blocks}

    def flatten(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Inverse of :meth:`unflatten`; every block must be given with its shape."""
        missing = [b.name for b in self.blocks if b.name not in parts]
        if missing:
            raise ValueError(f"missing genome blocks: {missing}")
        out = np.empty(self.size, np.float32)
        for b in self.blocks:
            arr = np.asarray(parts[b.name], np.float32)
            if arr.shape != b.shape:
                raise ValueError(f"block {b.name} has shape {arr.shape}, expected {b.shape}")
            out[slice(*self.offsets[b.name])] = arr.ravel()
        return out

    def initial(self, seed: int = 0) -> np.ndarray:
        """The initial genome (float32), drawn block by block from ``seed``."""
        rng = np.random.default_rng(seed)
        return self.flatten({b.name: b.initial(rng) for b in self.blocks})

    def with_values(self, genome: np.ndarray, values: dict[str, float | list[float]]) -> np.ndarray:
        """A copy of ``genome`` with some blocks set: block name -> one number for every entry, or
        a list of the block's size (row-major). Errors name the block and what it expects."""
        parts = {k: v.copy() for k, v in self.unflatten(genome).items()}
        known = {b.name: b for b in self.blocks}
        for name, value in values.items():
            if name not in known:
                raise KeyError(f"no genome block {name!r}; blocks: {', '.join(known)}")
            arr = np.asarray(value, np.float32)
            if arr.ndim == 0:
                parts[name][...] = arr
            elif arr.size == known[name].size:
                parts[name][...] = arr.reshape(known[name].shape)
            else:
                raise ValueError(f"genome block {name!r} has {known[name].size} entries, got {arr.size} values")
        return self.flatten(parts)

    def describe(self) -> str:
        """A table of blocks: name, shape, size, what it does."""
        w = max(len(b.name) for b in self.blocks)
        lines = [f"{'block':<{w}}  {'shape':<10} {'size':>6}  meaning"]
        for b in self.blocks:
            shape = "x".join(map(str, b.shape))
            lines.append(f"{b.name:<{w}}  {shape:<10} {b.size:>6}  {b.help}")
        lines.append(f"{'total':<{w}}  {'':<10} {self.size:>6}")
        return "\n".join(lines)

    def fingerprint(self) -> str:
        """A short hash of the layout (names and shapes): genomes of one layout fit each other."""
        text = ";".join(f"{b.name}:{'x'.join(map(str, b.shape))}" for b in self.blocks)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
