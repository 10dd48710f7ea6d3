"""Seeing what grew: regrow a genome with recording on, export the network, plot it, report it.

For notebooks::

    from devo.inspect import grow
    rec = grow(genome, config, seed=0)        # a GrowthRecording
    g = rec.to_networkx("final")              # networkx.DiGraph (also "development", "spontaneous")
    rec.column("synapses")                    # per-step counters of the whole life
    write_all(rec, "out/")                    # every file `devo inspect` writes

``devo inspect RUN_DIR|GENOME_FILE`` does the same from the command line (see
:mod:`devo.commands.inspect`). Heavy modules (matplotlib, nir) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devo.inspect.recording import STAGES, GrowthRecording, Phase, grow

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

__all__ = [
    "STAGES",
    "GrowthRecording",
    "Phase",
    "grow",
    "read_json",
    "to_networkx",
    "to_nir",
    "write_all",
    "write_graphml",
    "write_json",
    "write_nir",
]


def to_networkx(rec: GrowthRecording, stage: str | int = "final", lists: bool = False) -> Any:
    """The network at ``stage`` as a ``networkx.DiGraph`` (:func:`devo.inspect.export.to_networkx`)."""
    from devo.inspect.export import to_networkx as f

    return f(rec, stage, lists)


def write_graphml(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    from devo.inspect.export import write_graphml as f

    return f(rec, path, stage)


def write_json(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    from devo.inspect.export import write_json as f

    return f(rec, path, stage)


def read_json(path: str | Path) -> Any:
    from devo.inspect.export import read_json as f

    return f(path)


def to_nir(rec: GrowthRecording, stage: str | int = "final") -> Any:
    """The network at ``stage`` as a ``nir.NIRGraph`` (:mod:`devo.inspect.nir_export`)."""
    from devo.inspect.nir_export import to_nir as f

    return f(rec, stage)


def write_nir(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    from devo.inspect.nir_export import write_nir as f

    return f(rec, path, stage)


def write_all(rec: GrowthRecording, out: str | Path, **kw: Any) -> dict[str, Path]:
    """Every export, figure and the report into ``out`` (:func:`devo.inspect.bundle.write_all`)."""
    from devo.inspect.bundle import write_all as f

    return f(rec, out, **kw)
