"""The growth animation: one GIF frame per recorded snapshot, from the seed cells to the end of life.

Each frame draws the network as :func:`devo.inspect.plots.draw_network` does, on fixed axes and
on one layout for the whole life (:func:`devo.inspect.layout.layout`: a neuron keeps its place from
frame to frame and no marker hides another), with
the step, the phase and the network's size in the title. Frames are rendered with matplotlib's Agg
canvas and written with Pillow. Every frame's title carries its index, so no two frames are
identical and Pillow keeps them all (it merges identical consecutive frames).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from devo.inspect.layout import layout
from devo.inspect.plots import draw_network, legend_handles
from devo.inspect.recording import GrowthRecording

__all__ = ["render_frames", "write_gif"]


def render_frames(rec: GrowthRecording, size_px: int = 440) -> list[Image.Image]:
    """One RGB image per snapshot of ``rec``."""
    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi + 0.45), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.82))
    fig.legend(handles=legend_handles(), loc="upper center", bbox_to_anchor=(0.5, 0.905), ncol=5, fontsize=7,
               frameon=False, handletextpad=0.3, columnspacing=0.8)
    title = fig.suptitle("", fontsize=9, y=0.99)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    canvas.draw()  # the static parts (frame, legend) once; each frame blits the network over them
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    n = len(rec.snapshots)
    lay = layout(rec)
    for k, (step, snap) in enumerate(rec.snapshots):
        canvas.restore_region(background)
        artists = draw_network(ax, snap, rec.weight_max, legend=False, xy=lay.positions(snap), d_min=lay.d_min)
        title.set_text(
            f"{rec.env}  step {step} / {rec.n_steps}  ({rec.phase_at(step)})\n"
            f"{snap.n_neurons} neurons, {snap.n_synapses} synapses   [frame {k + 1}/{n}]"
        )
        for a in artists:
            ax.draw_artist(a)
        fig.draw_artist(title)
        for a in artists:
            a.remove()
        rgba = np.asarray(canvas.buffer_rgba())
        frames.append(Image.fromarray(rgba[..., :3].copy()))
    return frames


def write_gif(rec: GrowthRecording, path: str | Path, frame_ms: int = 180, last_ms: int = 1500) -> Path:
    """Write the growth animation (one frame per snapshot; the last frame held longer)."""
    path = Path(path)
    frames = render_frames(rec)
    if not frames:
        raise ValueError("the recording holds no snapshot")
    # one palette for every frame (from the last, fullest one): fast, and no colour flicker
    palette = frames[-1].quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    paletted = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [frame_ms] * (len(paletted) - 1) + [last_ms]
    paletted[0].save(
        path, format="GIF", save_all=True, append_images=paletted[1:], duration=durations, loop=0,
        optimize=False, disposal=1,
    )
    return path
