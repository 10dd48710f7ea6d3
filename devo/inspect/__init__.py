"""Seeing what grew: regrow a genome with recording on, export the network, plot it, report it.

For notebooks::

    from devo.inspect import grow
    rec = grow(genome, config, seed=0)        # the lifetime `devo inspect --seed 0` records
    rec                                       # one line; in Jupyter: summary table and thumbnails
    g = rec.to_networkx("final")              # networkx.DiGraph (also "development", "spontaneous")
    rec.column("synapses")                    # per-step counters of the whole life
    write_nir(rec, "net.nir", dt=1e-3)        # for Norse / snnTorch (see devo.inspect.nir_export)
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
    "read_spikes",
    "to_networkx",
    "to_nir",
    "write_all",
    "write_graphml",
    "write_json",
    "write_nir",
    "write_spikes",
]


def to_networkx(rec: GrowthRecording, stage: str | int = "final", lists: bool = False) -> Any:
    """The network at ``stage`` as a ``networkx.DiGraph`` (:func:`devo.inspect.export.to_networkx`)."""
    from devo.inspect.export import to_networkx as f

    return f(rec, stage, lists)


def write_graphml(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    """Write the network at ``stage`` as GraphML (:func:`devo.inspect.export.write_graphml`)."""
    from devo.inspect.export import write_graphml as f

    return f(rec, path, stage)


def write_json(rec: GrowthRecording, path: str | Path, stage: str | int = "final") -> Path:
    """Write the network at ``stage`` as node-link JSON (:func:`devo.inspect.export.write_json`)."""
    from devo.inspect.export import write_json as f

    return f(rec, path, stage)


def read_json(path: str | Path) -> Any:
    """Read a network JSON file back into a ``networkx.DiGraph``."""
    from devo.inspect.export import read_json as f

    return f(path)


def to_nir(rec: GrowthRecording, stage: str | int = "final", dt: float = 1e-3) -> Any:
    """The network at ``stage`` as a ``nir.NIRGraph``, one tick = ``dt`` s (:mod:`devo.inspect.nir_export`)."""
    from devo.inspect.nir_export import to_nir as f

    return f(rec, stage, dt)


def write_nir(rec: GrowthRecording, path: str | Path, stage: str | int = "final", dt: float = 1e-3) -> Path:
    """Write the network at ``stage`` as a NIR file (:func:`devo.inspect.nir_export.write_nir`)."""
    from devo.inspect.nir_export import write_nir as f

    return f(rec, path, stage, dt)


def write_spikes(rec: GrowthRecording, path: str | Path) -> Path:
    """Write the lifetime's spikes as NPZ (:mod:`devo.inspect.spikes`)."""
    from devo.inspect.spikes import write_spikes as f

    return f(rec, path)


def read_spikes(path: str | Path) -> dict[str, Any]:
    """Read a spike file back (:func:`devo.inspect.spikes.read_spikes`)."""
    from devo.inspect.spikes import read_spikes as f

    return f(path)


def write_all(rec: GrowthRecording, out: str | Path, **kw: Any) -> dict[str, Path]:
    """Every export, figure and the report into ``out`` (:func:`devo.inspect.bundle.write_all`)."""
    from devo.inspect.bundle import write_all as f

    return f(rec, out, **kw)
