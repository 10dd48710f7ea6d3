"""Write everything `devo inspect` produces for one recording into one folder.

Files: ``network.graphml`` / ``.json`` / ``.nir`` (the final network) and ``network_<stage>.graphml``
/ ``.json`` / ``.nir`` per stage (development, spontaneous, final), ``spikes.npz`` (the lifetime's
spike raster, counts, inputs and phase boundaries: :mod:`devo.inspect.spikes`), ``topology.png``,
``raster.png``, ``timeline.png``, ``growth.gif``, ``fitness.png`` (when there are metrics),
``summary.json`` and ``report.html``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devo.inspect.recording import GrowthRecording

__all__ = ["write_all"]


def write_all(
    rec: GrowthRecording,
    out: str | Path,
    *,
    metrics: str | Path | None = None,
    source: str = "genome",
    meta: Mapping[str, Any] | None = None,
    eval_report: Mapping[str, Any] | None = None,
    gif: bool = True,
    ablation: tuple[Mapping[str, Any], Path | None] | None = None,
    nir_dt: float | None = None,
) -> dict[str, Path]:
    """Write every export, figure and the report into ``out``; returns name -> path. ``nir_dt``:
    seconds per tick in the NIR files (default :data:`devo.inspect.nir_export.DT`)."""
    from devo.inspect import animate, plots
    from devo.inspect.export import write_graphml, write_json
    from devo.inspect.nir_export import DT, divergences, write_nir
    from devo.inspect.report import ReportImage, config_text, write_report
    from devo.inspect.spikes import write_spikes

    dt = DT if nir_dt is None else float(nir_dt)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["network.graphml"] = write_graphml(rec, out / "network.graphml", "final")
    files["network.json"] = write_json(rec, out / "network.json", "final")
    for stage in rec.stages:
        files[f"network_{stage}.graphml"] = write_graphml(rec, out / f"network_{stage}.graphml", stage)
        files[f"network_{stage}.json"] = write_json(rec, out / f"network_{stage}.json", stage)
    files["network.nir"] = write_nir(rec, out / "network.nir", "final", dt)
    for stage in rec.stages:
        files[f"network_{stage}.nir"] = write_nir(rec, out / f"network_{stage}.nir", stage, dt)
    files["spikes.npz"] = write_spikes(rec, out / "spikes.npz")

    images: list[ReportImage] = []
    notes: list[str] = []
    why = divergences(rec, "final")
    if why:
        notes.append(f"NIR files (one tick = {dt:g} s): a NIR client (Norse, snnTorch) will not simulate them exactly "
                     f"as devo does: {'; '.join(why)}.")
    else:
        notes.append(f"NIR files (one tick = {dt:g} s): exact -- a NIR client (Norse) simulates them tick for tick as "
                     f"devo does (with plasticity frozen at that stage).")
    if metrics is not None:
        fit = plots.plot_fitness(metrics, out / "fitness.png")
        if fit is not None:
            files["fitness.png"] = fit
            images.append(ReportImage("fitness", fit, "Fitness per generation",
                                      "Best, mean and median fitness of each generation, and the best so far "
                                      "(from metrics.jsonl; a run still in progress shows what it has)."))
        else:
            notes.append("metrics.jsonl holds no finished generation yet: no fitness curve.")
    files["timeline.png"] = plots.plot_timeline(rec, out / "timeline.png")
    images.append(ReportImage("timeline", files["timeline.png"], "Growth and plasticity over the lifetime",
                              "Neurons, synapses, synapses added and pruned per step, divisions, weight mean and "
                              "variance, mean firing rate; phases shaded (development, spontaneous activity, each "
                              "episode with its return). Right: the weights' path in (mean, variance) space."))
    files["topology.png"] = plots.plot_topology(rec, out / "topology.png")
    images.append(ReportImage("topology", files["topology.png"], "Topology per stage",
                              "Inputs left, outputs right, hidden neurons near their grown positions, moved apart "
                              "just enough that no marker hides another (one layout for every stage and frame). "
                              "Red: excitatory, blue: inhibitory; edge width = |weight|; marker size = firing rate. "
                              "Right: every synapse at the end of life as a cell of the weight matrix, neurons "
                              "sorted by kind (row = source, column = target)."))
    if any(p.kind == "episode" for p in rec.phases()):
        files["raster.png"] = plots.plot_raster(rec, out / "raster.png")
        images.append(ReportImage("raster", files["raster.png"], "Spike raster of the last episode",
                                  "Every tick of the last episode: inputs and hidden neurons, then the output "
                                  "neurons on their own rows and the action each step chose, then the normalised "
                                  "observations. All spikes of the life: spikes.npz."))
    else:
        notes.append("the lifetime holds no episode step: no spike raster.")
    if gif:
        files["growth.gif"] = animate.write_gif(rec, out / "growth.gif")
        images.append(ReportImage("growth", files["growth.gif"], "Growth from seed cells to the end of life",
                                  f"One frame per snapshot ({len(rec.snapshots)} frames, every "
                                  f"{rec.snap_every} steps and at the phase boundaries)."))
    if ablation is not None and ablation[1] is not None:
        files["ablation.png"] = out / "ablation.png"
        if ablation[1].resolve() != files["ablation.png"].resolve():
            shutil.copyfile(ablation[1], files["ablation.png"])
        images.append(ReportImage("ablation", files["ablation.png"], "Ablation",
                                  "devo ablate: the fitness difference of each knock-out from the intact genome on "
                                  "the same fresh lifetimes (95% paired interval; red: the genome uses the "
                                  "mechanism), and the return per episode of every condition."))
    summary = {"source": source, **rec.summary(), "meta": dict(meta or {}), "eval": eval_report}
    files["summary.json"] = out / "summary.json"
    files["summary.json"].write_text(json.dumps(summary, indent=1, default=str) + "\n")
    listed = sorted(name for name in files if not name.endswith(".png") and name != "growth.gif")
    files["report.html"] = write_report(
        out / "report.html", rec, images, source=source, config=config_text(rec.setup), meta=meta,
        eval_report=eval_report, files=listed, notes=notes, ablation=None if ablation is None else ablation[0],
    )
    return files
