"""Genome files a user may share: ``.npz`` or ``.json``, never pickle.

A genome file holds the float32 vector and metadata: its length, the hash of the lifetime config
it was made for (:func:`devo.experiment.lifetime_hash`), the whole resolved config (so
``devo eval GENOME_FILE`` can rebuild the lifetime), and where it came from (fitness,
generation, seed). ``.npz`` files are read with ``allow_pickle=False``; ``.json`` files are plain
JSON (float32 values survive the round trip exactly).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from devo.atomic import atomic_write_bytes, atomic_write_text
from devo.errors import DevoError

__all__ = ["GenomeFile", "check_genome", "load_genome", "save_genome"]

FORMAT = "devo-genome"
VERSION = 1


@dataclass
class GenomeFile:
    """A loaded genome and its metadata."""

    genome: np.ndarray
    meta: dict[str, Any]
    path: Path | None = None

    @property
    def lifetime_hash(self) -> str | None:
        return self.meta.get("lifetime_hash")


def save_genome(path: str | Path, genome: np.ndarray, meta: dict[str, Any]) -> None:
    """Write ``genome`` (float32) with ``meta`` to ``path`` (``.npz`` or ``.json``), atomically."""
    path = Path(path)
    g = np.asarray(genome, dtype=np.float32).ravel()
    full = {"format": FORMAT, "version": VERSION, "genome_length": int(g.size), **meta}
    if path.suffix == ".json":
        atomic_write_text(path, json.dumps({"meta": full, "genome": [float(x) for x in g]}, indent=1) + "\n")
    elif path.suffix == ".npz":
        buf = io.BytesIO()
        np.savez(buf, genome=g, meta=np.array(json.dumps(full)))
        atomic_write_bytes(path, buf.getvalue())
    else:
        raise DevoError(f"genome file {str(path)!r}: use a .npz or .json name")


def load_genome(path: str | Path) -> GenomeFile:
    """Read a genome file without executing code; errors name the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise DevoError(f"genome file {str(path)!r} does not exist")
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            meta, genome = data["meta"], np.asarray(data["genome"], dtype=np.float32)
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                genome = np.asarray(z["genome"], dtype=np.float32)
                meta = json.loads(str(z["meta"]))
        else:
            raise DevoError(f"genome file {str(path)!r}: expected a .npz or .json file")
    except DevoError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure is "not a genome file"
        raise DevoError(f"{str(path)!r} is not a readable devo genome file ({type(exc).__name__}: {exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DevoError(f"{str(path)!r} is not a devo genome file (no '{FORMAT}' metadata)")
    if genome.ndim != 1:
        raise DevoError(f"{str(path)!r} is damaged: its genome has shape {genome.shape}, not a flat vector of values")
    length = meta.get("genome_length")
    if isinstance(length, bool) or not isinstance(length, int):
        raise DevoError(f"{str(path)!r} is damaged: its metadata's genome_length is {length!r}, not a whole number")
    if genome.size != length:
        raise DevoError(f"{str(path)!r} is damaged: {genome.size} values but its metadata says {length}")
    return GenomeFile(genome=genome, meta=meta, path=path)


def check_transfer(gf: GenomeFile, genome_size: int, sections: dict[str, Any]) -> None:
    """Refuse a genome as a starting point for another task or lifetime unless it means the same
    thing here: the same length and the same ``[network]`` and ``[develop]`` sections (``sections``,
    resolved values) as the config embedded in the file."""
    where = str(gf.path) if gf.path else "genome"
    if gf.genome.size != genome_size:
        raise DevoError(
            f"{where}: genome has {gf.genome.size} values but this config's genome has {genome_size}; "
            "run.init_transfer needs the same genome layout"
        )
    made = gf.meta.get("config")
    if not isinstance(made, dict):
        raise DevoError(f"{where}: no embedded config, so run.init_transfer cannot check its layout")
    for name, mine in sections.items():
        theirs = made.get(name)
        if theirs != mine:
            diff = sorted(k for k in set(mine) | set(theirs or {}) if (theirs or {}).get(k) != mine.get(k))
            raise DevoError(
                f"{where}: its [{name}] section differs from this config's ({', '.join(diff)}); "
                "run.init_transfer accepts another [task] or [lifetime] only"
            )


def check_genome(gf: GenomeFile, genome_size: int, lifetime_hash: str) -> None:
    """Refuse a genome made for another lifetime config (length or config hash differ)."""
    where = str(gf.path) if gf.path else "genome"
    made_for = gf.meta.get("env", "?")
    if gf.genome.size != genome_size:
        raise DevoError(
            f"{where}: genome has {gf.genome.size} values but this config's genome has {genome_size}; "
            f"it was made for another config (env {made_for!r}, config hash {gf.lifetime_hash})"
        )
    if gf.lifetime_hash is not None and gf.lifetime_hash != lifetime_hash:
        raise DevoError(
            f"{where}: genome was made for another lifetime config (hash {gf.lifetime_hash}, env {made_for!r}); "
            f"this config's hash is {lifetime_hash}. Its [task], [network], [develop] and [lifetime] sections "
            "must match the genome's (they are stored in the file's metadata)"
        )
