"""`devo inspect` end to end, and its messages for bad input (no traceback)."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from devo.cli import main
from tests.inspect.helpers import METRICS, make_run_dir, small

EXPECTED = {
    "network.graphml", "network.json", "network.nir", "topology.png", "raster.png", "timeline.png",
    "growth.gif", "fitness.png", "report.html", "spikes.npz",
} | {f"network_{s}.{x}" for s in ("development", "spontaneous", "final") for x in ("graphml", "json", "nir")}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, experiment, genome):
    return make_run_dir(tmp_path_factory.mktemp("runs") / "CartPole-v1__small__0__x", experiment, genome, METRICS)


def _fails(capsys, argv, *needles):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_inspect_a_run_directory(run_dir, capsys):
    assert main(["inspect", str(run_dir), "--lifetimes", "2", "--seed", "5"]) == 0
    out = run_dir / "inspect"
    assert {p.name for p in out.iterdir()} >= EXPECTED
    summary = json.loads((out / "summary.json").read_text())
    # the recorded lifetime is `devo eval --seed 5`'s first lifetime: its returns are among eval's
    from devo.evolve.evaluate import evaluate_genome
    from devo.genome_io import load_genome

    ev = evaluate_genome(small(), load_genome(run_dir / "best_genome.npz"), lifetimes=1, seed=5)
    assert summary["returns"] == [ev.per_episode[k]["mean"] for k in range(len(summary["returns"]))]
    assert summary["eval"]["lifetimes"] == 2
    g = nx.read_graphml(out / "network.graphml", node_type=int)
    assert g.number_of_nodes() == summary["neurons"] and g.number_of_edges() == summary["synapses"]
    assert "report.html" in capsys.readouterr().out


def test_inspect_a_genome_file_with_episodes(run_dir, tmp_path):
    out = tmp_path / "o"
    assert main(["inspect", str(run_dir / "best_genome.npz"), "--out", str(out), "--episodes", "3",
                 "--lifetimes", "0", "--no-gif", "--snap-every", "0"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["returns"]) == 3
    assert (out / "fitness.png").exists()  # the genome sits in a run directory: its metrics are found
    assert not (out / "growth.gif").exists()


def test_nir_dt_option(run_dir, tmp_path, capsys):
    import nir

    out = tmp_path / "o"
    assert main(["inspect", str(run_dir), "--out", str(out), "--lifetimes", "0", "--no-gif", "--nir-dt", "1e-4"]) == 0
    for name in ("network.nir", "network_development.nir"):
        assert float(nir.read(out / name).metadata["dt"]) == 1e-4
    assert "NIR files (one tick = 0.0001 s)" in (out / "report.html").read_text()
    _fails(capsys, ["inspect", str(run_dir), "--nir-dt", "0"], "--nir-dt")


def test_run_without_best_genome_yet(tmp_path, experiment, capsys):
    d = make_run_dir(tmp_path / "run", experiment, None, [], partial_line=True)
    _fails(capsys, ["inspect", str(d)], "no best_genome.npz yet", "Wait")


def test_not_a_run_directory(tmp_path, capsys):
    _fails(capsys, ["inspect", str(tmp_path)], "not a run directory", "config.toml")
    _fails(capsys, ["inspect", str(tmp_path / "nope.npz")], "does not exist")


def test_corrupt_genome_file(tmp_path, run_dir, capsys):
    bad = tmp_path / "best.npz"
    bad.write_bytes((run_dir / "best_genome.npz").read_bytes()[:200])
    _fails(capsys, ["inspect", str(bad)], "not a readable devo genome file", "give a genome file")
    junk = tmp_path / "g.json"
    junk.write_text("{not json")
    _fails(capsys, ["inspect", str(junk)], "not a readable devo genome file")


def test_genome_made_for_another_config(tmp_path, run_dir, capsys):
    from devo.experiment import experiment_to_toml

    other = tmp_path / "other.toml"
    other.write_text(experiment_to_toml(small(develop={"plasticity": "rstdp"})))
    _fails(capsys, ["inspect", str(run_dir), "--config", str(other)], "made for another", "drop --config")
    same_size = tmp_path / "same_size.toml"  # same genome length, different lifetime: the hash tells
    same_size.write_text(experiment_to_toml(small(lifetime={"n_episodes": 4})))
    _fails(capsys, ["inspect", str(run_dir / "best_genome.npz"), "--config", str(same_size)],
           "another lifetime config", "drop --config")


def test_genome_without_config(tmp_path, genome, capsys):
    from devo.genome_io import save_genome

    save_genome(tmp_path / "bare.npz", genome, {})
    _fails(capsys, ["inspect", str(tmp_path / "bare.npz")], "carries no config", "--config")


def test_bad_options(run_dir, capsys):
    _fails(capsys, ["inspect", str(run_dir), "--episodes", "0"], "--episodes")
    _fails(capsys, ["inspect", str(run_dir), "--lifetimes", "-1"], "--lifetimes")


def test_unwritable_output(run_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _fails(capsys, ["inspect", str(run_dir), "--out", str(blocker / "sub"), "--lifetimes", "0", "--no-gif"],
           "cannot write", "--out")


def test_report_shows_the_ablation_of_the_run(run_dir, tmp_path, capsys):
    """`devo ablate RUN_DIR` then `devo inspect RUN_DIR`: the report carries the ablation table and
    picture."""
    assert main(["ablate", str(run_dir), "--lifetimes", "2", "--only", "frozen", "no_neurogenesis"]) == 0
    assert (run_dir / "ablation.json").is_file()
    out = tmp_path / "ins"
    assert main(["inspect", str(run_dir), "--out", str(out), "--lifetimes", "0", "--no-gif"]) == 0
    html = (out / "report.html").read_text()
    assert 'id="ablation-table"' in html and "no_neurogenesis" in html and 'data-file="ablation.png"' in html
    assert (out / "ablation.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
