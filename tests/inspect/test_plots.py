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
    assert w > 2.3 * h  # three square panels side by side


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
