"""How a :class:`~devo.inspect.recording.GrowthRecording` shows itself in Jupyter: the summary
table (task, seeds, fitness, returns, sizes per stage) and two thumbnails (the network at the end
of life on the separated layout, and the spike raster of the whole life), embedded as PNG data,
so the cell stays small and needs no files."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:  # annotations only: recording imports this module (GrowthRecording._repr_html_)
    from devo.inspect.recording import GrowthRecording


__all__ = ["recording_html", "thumbnails"]


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def thumbnails(rec: GrowthRecording) -> dict[str, str]:
    """Base64 PNGs: ``network`` (end of life) and ``raster`` (every tick of the life, one row
    per neuron slot that ever spiked)."""
    from devo.inspect.layout import layout
    from devo.inspect.plots import draw_network

    out: dict[str, str] = {}
    if rec.stages:
        lay = layout(rec)
        snap = rec.stage("final")
        fig = Figure(figsize=(3.2, 3.2))
        ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
        draw_network(ax, snap, rec.weight_max, legend=False, xy=lay.positions(snap), d_min=lay.d_min)
        out["network"] = _png(fig)
    raster = rec.recording.raster
    cols = np.flatnonzero(raster.any(axis=0)) if raster.size else np.zeros(0, np.int64)
    fig = Figure(figsize=(4.8, 3.2))
    ax = fig.add_axes((0.1, 0.14, 0.88, 0.8))
    t, n = np.nonzero(raster[:, cols]) if cols.size else (np.zeros(0), np.zeros(0))
    ax.scatter(t / max(rec.ticks_per_step, 1), n, s=1, marker="|", c="black", linewidths=0.5)
    ax.set_xlabel("lifetime step", fontsize=7)
    ax.set_ylabel("neuron", fontsize=7)
    ax.tick_params(labelsize=6)
    out["raster"] = _png(fig)
    return out


def recording_html(rec: GrowthRecording) -> str:
    """The notebook view: a summary table beside the thumbnails."""
    s = rec.summary()
    r = rec.result
    rows = [
        ("env", rec.env), ("seed (devo inspect --seed)", rec.seed), ("lifetime seed", rec.lifetime_seed),
        ("fitness", f"{r.fitness:.6g}"), ("returns", ", ".join(f"{x:.4g}" for x in r.returns)),
        ("lifetime steps x ticks", f"{rec.n_steps} x {rec.ticks_per_step}"), ("spikes", r.spikes),
        ("neurons / synapses at the end", f"{r.neurons} / {r.synapses}"),
        ("added / pruned / divisions", f"{r.added} / {r.pruned} / {r.divisions}"),
        ("snapshots", len(rec.snapshots)),
    ]
    rows += [(f"stage {name} (step {st['step']})", f"{st['neurons']} neurons ({st['hidden']} hidden), "
              f"{st['synapses']} synapses") for name, st in s["stages"].items()]
    if r.error:
        rows.append(("error", r.error))
    table = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                    f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>" for k, v in rows)
    thumbs = "".join(f"<img src='data:image/png;base64,{b64}' alt='{name}' style='margin-left:8px'>"
                     for name, b64 in thumbnails(rec).items())
    return (f"<div><b>GrowthRecording</b><div style='display:flex;align-items:flex-start'>"
            f"<table>{table}</table>{thumbs}</div></div>")
