"""`devo campaign` through the CLI's main function: a tiny fixture campaign (2 cells x 2 seeds of a
30-step CartPole, 2 generations of 4 genomes, 3 evaluation lifetimes) writes its records, runs
nothing the second time, resumes a stopped cell, respects its budget, and regenerates the same
RESULTS.md byte for byte; a hand-made record set pins the report's format; bad campaign files
exit 2 naming the key.

The pinned report is tests/campaign/report_fixture/RESULTS.expected.md. After an intended change
of the format, regenerate it (and read the diff):
    cp -r tests/campaign/report_fixture /tmp/
    devo campaign /tmp/report_fixture/campaign.toml --report-only --no-figures
    cp /tmp/report_fixture/RESULTS.md tests/campaign/report_fixture/RESULTS.expected.md
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from devo.campaign.records import ABLATION, CURVE, EVAL, GENOME, RUN
from devo.cli import main
from devo.genome_io import load_genome

FIXTURE = Path(__file__).parent / "report_fixture"

TINY = """
name = "tiny"
[task]
env = "CartPole-v1"
max_episode_steps = 30
[lifetime]
n_episodes = 2
[search]
algorithm = "sep-cmaes"
popsize = 4
stdev_init = 0.3
[run]
generations = 2
trials = 1
validate_top = 1
validate_trials = 2
final_top = 2
final_trials = 2
workers = 0
checkpoint_every = 1
tensorboard = false
"""

CELLS = """
[[cell]]
name = "tiny"
config = "tiny.toml"
table = "t"
row = "learned"
column = "CartPole-v1"
lndp = "≈300 (Fig. 5)"

[[cell]]
name = "tiny_frozen"
config = "tiny.toml"
set = ["develop.plasticity=frozen"]
table = "t"
row = "frozen"
column = "CartPole-v1"
"""

UNITS = [("tiny", 0), ("tiny", 1), ("tiny_frozen", 0), ("tiny_frozen", 1)]


def write_campaign(root: Path, cells: str = CELLS, top: str = "seeds = [0, 1]") -> Path:
    """The fixture campaign in ``root/exp/`` (its run folders go to ``root/runs/``)."""
    folder = root / "exp"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.toml").write_text(TINY)
    text = f'title = "Tiny"\n{top}\nlifetimes = 3\nruns = "../runs"\n\n[[table]]\nname = "t"\ntitle = "Tiny"\n{cells}'
    (folder / "campaign.toml").write_text(text)
    return folder / "campaign.toml"


@pytest.fixture(scope="module")
def done(tmp_path_factory) -> Path:
    """The fixture campaign, run once to the end (in-process: workers = 0)."""
    path = write_campaign(tmp_path_factory.mktemp("done"))
    assert main(["campaign", str(path), "--quiet"]) == 0
    return path


def record(path: Path, cell: str, seed: int) -> Path:
    return path.parent / "results" / cell / f"s{seed}"


def test_every_cell_seed_gets_its_record(done) -> None:
    for cell, seed in UNITS:
        rec = record(done, cell, seed)
        for name in (GENOME, EVAL, ABLATION, CURVE, RUN):
            assert (rec / name).is_file(), rec / name
        run = json.loads((rec / RUN).read_text())
        assert (run["cell"], run["seed"], run["generations"]) == (cell, seed, 2)
        assert run["commands"]["run"].startswith(f"devo run exp/tiny.toml --seed {seed}")
        assert run["machine"]["workers"] == 0 and run["devo"]["version"]
        assert set(run["wall_s"]) == {"run", "generations", "eval", "ablate"}
        assert len(run["config_hash"]) == 16 and run["lifetime_hash"] == load_genome(rec / GENOME).lifetime_hash
        ev = json.loads((rec / EVAL).read_text())
        assert ev["lifetimes"] == 3 and len(ev["per_episode"]) == 2  # episode 0 = innate, 1 = learned
        ab = json.loads((rec / ABLATION).read_text())
        assert ab["lifetimes"] == 3 and ab["conditions"][0]["name"] == "intact"
        rows = (rec / CURVE).read_text().splitlines()
        assert rows[0].startswith("generation,best,mean") and len(rows) == 3
    frozen = json.loads((record(done, "tiny_frozen", 0) / ABLATION).read_text())["conditions"][1]
    assert frozen["name"] == "frozen" and not frozen["applicable"]


def test_records_are_what_devo_eval_and_devo_ablate_print(done, capsys, tmp_path) -> None:
    rec = record(done, "tiny", 1)
    capsys.readouterr()
    assert main(["eval", str(rec / GENOME), "--lifetimes", "3", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    stored = json.loads((rec / EVAL).read_text())
    assert {**printed, "source": ""} == {**stored, "source": ""}
    assert main(["ablate", str(rec / GENOME), "--lifetimes", "3", "--json", "--out", str(tmp_path)]) == 0
    ablated = json.loads((tmp_path / "ablation.json").read_text())
    assert {**ablated, "source": ""} == {**json.loads((rec / ABLATION).read_text()), "source": ""}


def test_a_second_invocation_runs_nothing(done, capsys, monkeypatch) -> None:
    import devo.evolve.runner as runner

    def boom(*a, **k):
        raise AssertionError("a finished cell ran again")

    monkeypatch.setattr(runner, "start_run", boom)
    monkeypatch.setattr(runner, "resume_run", boom)
    stamps = {u: (record(done, *u) / RUN).stat().st_mtime_ns for u in UNITS}
    capsys.readouterr()
    assert main(["campaign", str(done)]) == 0
    out = capsys.readouterr().out
    assert "4 done, 0 to resume, 0 new" in out and "nothing to run" in out
    assert stamps == {u: (record(done, *u) / RUN).stat().st_mtime_ns for u in UNITS}


def test_dry_run_shows_the_plan_and_writes_nothing(tmp_path, capsys) -> None:
    path = write_campaign(tmp_path)
    assert main(["campaign", str(path), "--dry-run", "--only", "tiny_f*"]) == 0
    out = capsys.readouterr().out
    assert "1 cell(s), 2 cell-seed(s): 0 done, 0 to resume, 2 new" in out
    assert "tiny_frozen s0" in out and "tiny s0" not in out
    assert sorted(p.name for p in path.parent.iterdir()) == ["campaign.toml", "tiny.toml"]
    assert not (tmp_path / "runs").exists()


def test_a_stopped_cell_resumes_to_the_same_record(done, tmp_path, capsys, monkeypatch) -> None:
    from devo.evolve.display import Display

    path = write_campaign(tmp_path)

    def stop(self, rec):  # Ctrl-C right after generation 0 (its checkpoint is written)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(Display, "generation", stop)
        assert main(["campaign", str(path), "--only", "tiny", "--quiet"]) == 130
    run_dir = tmp_path / "runs" / "tiny" / "s0"
    assert (run_dir / "checkpoints" / "ckpt_000001.pkl").is_file()
    assert not (record(path, "tiny", 0) / RUN).exists()
    capsys.readouterr()
    assert main(["campaign", str(path), "--only", "tiny", "--dry-run"]) == 0
    assert "resume tiny s0" in " ".join(capsys.readouterr().out.split())
    assert main(["campaign", str(path), "--only", "tiny", "--quiet"]) == 0
    assert f"resuming {run_dir} at generation 1" in capsys.readouterr().out
    mine, base = record(path, "tiny", 0), record(done, "tiny", 0)
    np.testing.assert_array_equal(load_genome(mine / GENOME).genome, load_genome(base / GENOME).genome)
    for name in (EVAL, ABLATION):
        a, b = json.loads((mine / name).read_text()), json.loads((base / name).read_text())
        assert {**a, "source": ""} == {**b, "source": ""}
    assert json.loads((mine / RUN).read_text())["sessions"] == 2
    untimed = [[r.split(",")[:-1] for r in (x / CURVE).read_text().splitlines()] for x in (mine, base)]
    assert untimed[0] == untimed[1]  # the curve, but for its last column (wall_s)


def test_the_budget_stops_starting_cells(tmp_path, capsys) -> None:
    path = write_campaign(tmp_path)
    assert main(["campaign", str(path), "--only", "tiny", "--budget-min", "0.0001", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "budget of 0.0001 min reached" in out and "1 cell-seed(s) not started (tiny s1)" in out
    assert (record(path, "tiny", 0) / RUN).is_file() and not record(path, "tiny", 1).exists()
    report = (path.parent / "RESULTS.md").read_text()
    assert "(1 of 2 seeds)" in report and "| 1 | not run |" in report


def test_the_report_is_regenerated_byte_for_byte(done) -> None:
    folder = done.parent
    files = [folder / "RESULTS.md", *sorted((folder / "figures").glob("*.png"))]
    assert [p.name for p in files[1:]] == [
        "tiny.curve.png", "tiny.episodes.png", "tiny_frozen.curve.png", "tiny_frozen.episodes.png"
    ]  # fmt: skip
    first = [p.read_bytes() for p in files]
    for _ in range(2):
        assert main(["campaign", str(done), "--report-only"]) == 0
        assert [p.read_bytes() for p in files] == first
    text = first[0].decode()
    assert text.startswith("<!-- Generated by `devo campaign exp/campaign.toml --report-only`")
    assert "| **learned** | **" in text and "LNDP: ≈300 (Fig. 5)" in text
    assert str(folder) not in text  # no machine-local path


def test_the_report_format_is_pinned(tmp_path, capsys) -> None:
    """A hand-made record set (every seed of one cell, one of three of another, none of a third)
    renders exactly as RESULTS.expected.md: tables, 'not run', n/a knock-outs, every seed."""
    copy = tmp_path / "report_fixture"
    shutil.copytree(FIXTURE, copy, ignore=shutil.ignore_patterns("RESULTS.md", "figures"))
    assert main(["campaign", str(copy / "campaign.toml"), "--report-only", "--no-figures"]) == 0
    assert (copy / "RESULTS.md").read_text() == (FIXTURE / "RESULTS.expected.md").read_text()


BAD = [
    (CELLS.replace('config = "tiny.toml"', 'config = "nope.toml"', 1), "seeds = [0]",
     "cell[0] ('tiny').config: 'nope.toml' does not exist"),
    (CELLS.replace("develop.plasticity=frozen", "develop.plastcity=frozen"), "seeds = [0]",
     "cell[1] ('tiny_frozen'): tiny.toml with its `set` overrides (seed 0): unknown key 'develop.plastcity'"),
    (CELLS.replace("develop.plasticity=frozen", "develop.plasticity=sometimes"), "seeds = [0]",
     "develop.plasticity: 'sometimes' is not allowed"),
    (CELLS, "", "cell[0] ('tiny').seeds: no seeds"),
    (CELLS.replace('[[cell]]\nname = "tiny"\n', '[[cell]]\nname = "tiny"\nseeds = []\n', 1), "seeds = [-1]",
     "seeds: seeds must be >= 0"),
    (CELLS, "seeds = [0]\nseed = 3", "unknown key 'seed' in the top level"),
    (CELLS.replace('lndp = "', 'lndpp = "'), "seeds = [0]", "unknown key 'cell[0].lndpp'"),
    (CELLS.replace("develop.plasticity=frozen", "seed=3"), "seeds = [0]",
     "cell[1] ('tiny_frozen').set[0]: 'seed' is set by devo campaign"),
    (CELLS.replace('table = "t"', 'table = "nope"', 1), "seeds = [0]",
     "cell[0] ('tiny').table: no [[table]] named 'nope'"),
    (CELLS.replace('name = "tiny_frozen"', 'name = "tiny"'), "seeds = [0]", "'tiny' is used by two cells"),
]  # fmt: skip


@pytest.mark.parametrize(("cells", "top", "needle"), BAD)
def test_bad_campaign_files_exit_2_naming_the_key(cells, top, needle, tmp_path, capsys) -> None:
    path = write_campaign(tmp_path, cells, top)
    assert main(["campaign", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert err.startswith(f"devo campaign: error: campaign {str(path)!r}: ")
    assert sorted(p.name for p in path.parent.iterdir()) == ["campaign.toml", "tiny.toml"]
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nope/campaign.toml"], "config file 'nope/campaign.toml' does not exist"),
        (["--only", "zebra*"], "--only zebra*: no cell matches; the cells are: tiny, tiny_frozen"),
        (["--budget-min", "0"], "--budget-min must be > 0 minutes"),
        (["--workers", "-3"], "--workers must be >= 0 or -1"),
    ],
)
def test_bad_arguments_exit_2(args, needle, tmp_path, capsys) -> None:
    path = write_campaign(tmp_path)
    argv = ["campaign", *args] if args[0].endswith(".toml") else ["campaign", str(path), *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_cells_share_the_sessions_ray_and_give_the_same_numbers(ray_session, done, tmp_path) -> None:
    """With 2 Ray workers (the test session's Ray, left running), a cell's record has the numbers
    of the in-process run."""
    path = write_campaign(tmp_path, top="seeds = [1]")
    assert main(["campaign", str(path), "--only", "tiny", "--workers", "2", "--quiet", "--no-figures"]) == 0
    assert ray_session.is_initialized()
    mine, base = record(path, "tiny", 1), record(done, "tiny", 1)
    np.testing.assert_array_equal(load_genome(mine / GENOME).genome, load_genome(base / GENOME).genome)
    for name in (EVAL, ABLATION):
        a, b = json.loads((mine / name).read_text()), json.loads((base / name).read_text())
        assert {**a, "source": ""} == {**b, "source": ""}
    assert json.loads((mine / RUN).read_text())["machine"]["workers"] == 2


def test_the_committed_campaign_checks_and_its_report_is_up_to_date() -> None:
    """experiments/campaign.toml loads (every config, override and place checked) and covers the
    issue's tasks and conditions with >= 3 seeds; experiments/RESULTS.md is exactly what its records
    give (regenerate: devo campaign experiments/campaign.toml --report-only)."""
    from devo.campaign.report import collect, render
    from devo.campaign.spec import load_campaign

    root = Path(__file__).resolve().parents[2] / "experiments"
    c = load_campaign(root / "campaign.toml")
    assert all(len(c.seeds(cell)) >= 3 for cell in c.cells)
    tasks = {c.experiment(cell, 0).task.env for cell in c.cells}
    assert {"CartPole-v1", "Acrobot-v1", "Pendulum-v1", "Foraging-v0", "Bandit-v0"} <= tasks
    conditions = {(p[1], p[2]) for cell in c.cells for p in cell.places() if p[0] == "conditions"}
    assert len(conditions) == 16  # 8 conditions x CartPole, Foraging
    assert render(c, collect(c)) == (root / "RESULTS.md").read_text()
