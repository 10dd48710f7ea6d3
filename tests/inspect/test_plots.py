"""The figures and the animation: valid, non-trivial images; one GIF frame per snapshot."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from devo.inspect.plots import plot_fitness, read_metrics
from tests.inspect.helpers import METRICS

PNGS = ("topology.png", "raster.png", "timeline.png", "fitness.png")


def _nontrivial(img: Image.Image) -> None:
    a = np.asarray(img.convert("RGB"), dtype=np.float64)
    assert a.shape[0] >= 300 and a.shape[1] >= 300
    assert a.std() > 10  # not a blank canvas
    colours = np.unique(a.reshape(-1, 3)[:: 7], axis=0)
    assert len(colours) > 20


@pytest.mark.parametrize("name", PNGS)
def test_pngs_are_valid_nontrivial_images(bundle, name):
    path = bundle[name]
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG"
        _nontrivial(im)


def test_topology_has_one_panel_per_stage(bundle, recording):
    with Image.open(bundle["topology.png"]) as im:
        w, h = im.size
    assert w > 3.0 * h  # three square panels and the adjacency matrix side by side


def test_gif_has_one_frame_per_snapshot(bundle, recording):
    with Image.open(bundle["growth.gif"]) as im:
        assert im.format == "GIF"
        assert im.n_frames == len(recording.snapshots)
        im.seek(0)
        first = np.asarray(im.convert("RGB"), dtype=np.float64)
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"), dtype=np.float64)
        _nontrivial(im)
    assert np.abs(first - last).mean() > 1.0  # the network visibly grew


def test_fitness_reads_a_run_in_progress(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(f"{__import__('json').dumps(m)}\n" for m in METRICS) + '{"generation": 4, "be')
    assert [r["generation"] for r in read_metrics(path)] == [0, 1, 2, 3]
    out = plot_fitness(path, tmp_path / "fitness.png")
    assert out is not None and out.stat().st_size > 10_000


def test_fitness_without_generations_draws_nothing(tmp_path):
    (tmp_path / "metrics.jsonl").write_text("")
    assert plot_fitness(tmp_path / "metrics.jsonl", tmp_path / "f.png") is None
    assert plot_fitness(tmp_path / "missing.jsonl", tmp_path / "f.png") is None
    assert not (tmp_path / "f.png").exists()


def test_topology_adds_an_adjacency_panel(recording):
    from devo.inspect.plots import adjacency

    snap = recording.stage("final")
    a, kinds = adjacency(snap)
    assert kinds.tolist() == sorted(kinds.tolist())  # inputs, hidden, outputs
    assert int(np.isfinite(a).sum()) == snap.n_synapses
    assert np.allclose(np.sort(a[np.isfinite(a)]), np.sort(snap.weight))


def test_layout_separates_every_neuron(recording):
    """Grown positions crowd (a child is born 0.1 from its parent); the drawing positions keep
    every pair at least d_min apart, and markers are smaller than d_min, so none overlaps."""
    from devo.inspect.layout import layout, min_distance
    from devo.inspect.plots import marker_diameters

    lay = layout(recording)
    assert min_distance(lay.grown) < 0.03  # the fixture's grown positions do crowd
    assert lay.d_min >= 0.1
    assert min_distance(lay.xy) >= lay.d_min * 0.999
    for _, snap in recording.snapshots:
        xy = lay.positions(snap)
        assert min_distance(xy) >= lay.d_min * 0.999
        d = marker_diameters(snap, lay.d_min)
        assert d.max() < lay.d_min  # two markers d_min apart cannot touch
    fixed = lay.kind != 1
    assert np.array_equal(lay.xy[fixed], lay.grown[fixed])  # inputs and outputs stay where they mean something
    assert np.abs(lay.xy - lay.grown).max() < 1.0  # hidden neurons stay near where they grew


def test_layout_of_a_crowded_cluster():
    """52 hidden neurons within a few hundredths of each other (the case the issue measured)."""
    from devo.inspect.layout import min_distance, relax

    rng = np.random.default_rng(0)
    hidden = rng.normal(0.0, 0.03, (52, 2)) + (0.2, 0.1)
    hidden[:5] = hidden[0]  # coincident too
    fixed = np.array([[-1, -0.75], [-1, -0.25], [-1, 0.25], [-1, 0.75], [1, -0.5], [1, 0.5]], np.float64)
    xy = np.vstack([fixed, hidden])
    movable = np.r_[np.zeros(6, bool), np.ones(52, bool)]
    out = relax(xy, movable, 0.12)
    assert min_distance(out) >= 0.12
    assert np.array_equal(out[:6], fixed)


def test_timeline_labels_do_not_overlap(recording):
    import itertools

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from devo.inspect.plots import timeline_figure

    fig = timeline_figure(recording)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    labels, ticks = [], []
    for i, ax in enumerate(fig.axes):
        for t in [ax.yaxis.label, ax.xaxis.label, ax.title, *ax.texts]:
            if t.get_visible() and t.get_text():
                labels.append((i, t.get_text(), t.get_window_extent(r)))
        for t in [*ax.get_yticklabels()]:
            if t.get_visible() and t.get_text():
                ticks.append((i, t.get_text(), t.get_window_extent(r)))
    clash = [(a[1], b[1]) for a, b in itertools.combinations(labels, 2) if a[2].overlaps(b[2])]
    clash += [(a[1], b[1]) for a in labels for b in ticks if a[0] != b[0] and a[2].overlaps(b[2])]
    assert not clash, clash
    names = {t for _, t, _ in labels}
    assert "weight\nvariance" in names and "divisions\n(total)" in names
