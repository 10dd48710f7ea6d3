"""`devo run | resume | eval` from the command line: bad input exits 2 before Ray, the quickstart,
eval output, and joining a real local cluster started with `ray start --head`."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from devo.cli import main
from devo.evolve.metrics import read_metrics
from tests.evolve.helpers import tiny_toml, untimed

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without NUMBA_CACHE_DIR (devo set it for *this* process's source version; a
    child computes its own) and without RAY_AUTH_MODE unless given."""
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "RAY_AUTH_MODE")}
    return {**env, **extra}


def devo(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "devo", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env=env if env is not None else clean_env(),
    )  # fmt: skip


@pytest.fixture
def no_ray(monkeypatch):
    """Fail the test if anything tries to start or join Ray."""
    import devo.evolve.pool as pool

    def boom(*a, **k):
        raise AssertionError("Ray was started")

    monkeypatch.setattr(pool, "init_ray", boom)
    monkeypatch.setattr(pool, "RayPool", boom)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "search.popsiz=8"], "unknown key 'search.popsiz'"),
        (["--set", "search.algorithm=nsga2"], "search.algorithm: 'nsga2' is not allowed"),
        (["--set", "task.env=NoSuchEnv-v0"], "task.env: unknown environment 'NoSuchEnv-v0'"),
        (["--set", "search.popsize=1"], "search.popsize: must be >= 2"),
        (["--generations", "-4"], "run.generations: must be >= 1"),
        (["--set", "run.trials=-1"], "run.trials: must be >= 1"),
        (["--seed", "-1"], "seed: must be >= 0"),
        (["--set", "run.init_genome=missing.npz"], "genome file 'missing.npz' does not exist"),
        (["--set", "network.max_neurons=3"], "network.max_neurons"),
        (["--set", "lifetime.activity_reset=sometimes"], "lifetime.activity_reset: 'sometimes' is not allowed"),
        (["--set", "develop.structural_during=never"], "develop.structural_during: 'never' is not allowed"),
        (["--set", 'search.init={"no.such" = 1.0}'], "search.init: no genome block 'no.such'"),
        (["--set", 'search.init={"syn.gain" = [1.0, 2.0]}'], "genome block 'syn.gain' has 4 entries, got 2"),
        (["--set", 'search.init={"syn.gain" = "big"}'], "search.init.syn.gain: expected a finite number"),
    ],
)
def test_bad_config_exits_2_naming_the_problem_before_ray(args, needle, tmp_path, capsys, no_ray) -> None:
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs")
    assert main(["run", str(cfg), "--workers", "2", *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()  # nothing created


def test_malformed_toml_exits_2(tmp_path, capsys, no_ray) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[search\npopsize = 8\n")
    assert main(["run", str(cfg)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err


def test_mlflow_flag_without_mlflow_says_how_to_install(tmp_path, capsys, no_ray) -> None:
    try:
        import mlflow  # noqa: F401

        pytest.skip("mlflow is installed here")
    except ImportError:
        pass
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs")
    assert main(["run", str(cfg), "--set", "run.mlflow=true"]) == 2
    assert "pip install 'devo[mlflow]'" in capsys.readouterr().err


def test_genome_made_for_another_config_is_refused(tmp_path, capsys, no_ray) -> None:
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs", generations=1, workers=0)
    assert main(["run", str(cfg), "--quiet"]) == 0
    best = next((tmp_path / "runs").iterdir()) / "best_genome.npz"
    capsys.readouterr()
    assert main(["run", str(cfg), "--set", f"run.init_genome={json.dumps(str(best))}", "--set",
                 "task.max_episode_steps=20", "--out", str(tmp_path / "other")]) == 2  # fmt: skip
    assert "made for another" in capsys.readouterr().err
    # ... and the same config accepts it as its search centre
    assert main(["run", str(cfg), "--quiet", "--set", f"run.init_genome={json.dumps(str(best))}"]) == 0


def test_help_lists_keys_and_searchers(capsys) -> None:
    assert main(["run", "--help-config"]) == 0
    out = capsys.readouterr().out
    assert "search.popsize" in out and "run.workers" in out and "lifetime.n_episodes" in out
    # defaults as TOML writes them, and the allowed values of a key with a list of them
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert rows["task.env"].split()[1] == '"CartPole-v1"' and rows["task.native"].split()[1] == "true"
    assert '[one of: "current", "poisson", "latency", "population"]' in rows["network.encoder"]
    assert "'flip_obs'" in rows["task.damage"] and "flip_observation" not in out
    assert "True" not in out and "'CartPole-v1'" not in out
    assert main(["run", "--help-searchers"]) == 0
    out = capsys.readouterr().out
    assert "sep-cmaes" in out and "center_learning_rate" in out and "tournament_size" in out


def test_bench_help_keeps_its_usage_lines(capsys) -> None:
    import pytest

    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert "\n    devo bench snn [--json]" in out and "\n    devo bench envs [--json]" in out


def test_quickstart_run_then_eval_then_resume(tmp_path) -> None:
    r = devo("run", "experiments/quick.toml", "--workers", "0", "--generations", "2", "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    run_dir = Path(r.stdout.split("run directory: ")[1].splitlines()[0])
    assert run_dir.parent == tmp_path and [m["generation"] for m in read_metrics(run_dir)] == [0, 1]
    assert "gen 1 (2/2)" in r.stdout and "done: 2 generations" in r.stdout  # generations count from 0

    r = devo("eval", str(run_dir), "--lifetimes", "3", "--episodes", "3", "--json", "--out", str(tmp_path / "e.json"))
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep == json.loads((tmp_path / "e.json").read_text())
    assert rep["lifetimes"] == 3 and rep["episodes"] == 3 and len(rep["per_episode"]) == 3
    assert all(set(s) >= {"mean", "std", "min"} for s in rep["per_episode"])
    assert rep["all_episodes"]["n"] == 9
    r2 = devo("eval", str(run_dir / "best_genome.npz"), "--lifetimes", "3", "--episodes", "3", "--json")
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout)["per_episode"] == rep["per_episode"]  # same genome, same seeds
    r3 = devo("eval", str(run_dir), "--lifetimes", "2")
    assert r3.returncode == 0, r3.stderr
    assert "episode" in r3.stdout and "(innate)" in r3.stdout

    r = devo("resume", str(run_dir), "--generations", "3", "--quiet")
    assert r.returncode == 0, r.stderr
    assert [m["generation"] for m in read_metrics(run_dir)] == [0, 1, 2]


def test_eval_of_a_non_genome_file_exits_2(tmp_path, capsys) -> None:
    p = tmp_path / "x.npz"
    p.write_bytes(b"not a zip")
    assert main(["eval", str(p)]) == 2
    assert "not a readable devo genome file" in capsys.readouterr().err


def test_eval_set_lives_the_genome_under_a_changed_config(capsys) -> None:
    """`devo eval --set`: the CartPole genome with its actions swapped from episode 1 on falls at
    once after the swap, where it balances without the change; a key the config
    does not have, a bad value, and a change of the genome's layout exit 2 naming the problem."""
    genome = str(ROOT / "experiments" / "genomes" / "cartpole_lndp__s0.npz")
    assert main(["eval", genome, "--lifetimes", "4", "--json"]) == 0
    intact = json.loads(capsys.readouterr().out)
    damage = ["--set", "task.damage=permute_actions", "--set", "task.kwargs={damage_episodes = [1, 1]}"]
    assert main(["eval", genome, "--lifetimes", "4", "--json", *damage]) == 0
    damaged = json.loads(capsys.readouterr().out)
    assert "with --set task.damage=permute_actions" in damaged["source"]
    # the damage wrapper draws the permutation first, so the starts differ: compare by episode
    assert intact["per_episode"][1]["mean"] > 100 and damaged["per_episode"][0]["mean"] > 100
    assert damaged["per_episode"][1]["max"] < 30 and damaged["per_episode"][2]["max"] < 30
    for bad, says in (
        ("task.foo=1", "unknown key 'task.foo'"),
        ("lifetime.activity_reset=sometimes", "lifetime.activity_reset: 'sometimes' is not allowed"),
        ("develop.plasticity=hebbian", "another layout"),
    ):
        assert main(["eval", genome, "--lifetimes", "2", "--set", bad]) == 2
        assert says in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _process_group_members(pgid: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                    pids.append(int(d.name))
            except (OSError, ValueError, IndexError):
                continue
    return pids


def _children_of(pids: set[int]) -> set[int]:
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid in pids:
                out.add(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _stop_cluster(pgid: int) -> None:
    """Stop only the cluster this test started: its process group and the raylet's workers."""
    members = set(_process_group_members(pgid))
    members |= _children_of(members)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in members):
            time.sleep(0.2)


def _wait_until_started(head: subprocess.Popen, limit: float = 120) -> None:
    """Read `ray start`'s output until it says the runtime started (a hang guard, not a timing test)."""
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(head.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if any("Ray runtime started" in line for line in seen):
            return
        if head.poll() is not None and not reader.is_alive():
            break
        time.sleep(0.1)
    pytest.fail("ray start --head did not start:\n" + "".join(seen))


@pytest.mark.slow
def test_join_a_local_cluster_started_with_ray_start(tmp_path) -> None:
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip("no `ray` executable next to this Python")
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="dr", dir="/tmp"))  # short: Ray's socket paths have a length limit
    # the cluster's token, as docs/ray.md tells a cluster user to share it (a fresh machine has none)
    token = tmp_path / "auth_token"
    token.write_text(secrets.token_hex(32))
    env = clean_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token), RAY_USAGE_STATS_ENABLED="0",
                    PYTHONUNBUFFERED="1")  # fmt: skip
    head = subprocess.Popen(
        [str(ray_bin), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
         f"--temp-dir={temp}", "--include-dashboard=false", "--disable-usage-stats", "--block"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_started(head)
        cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs", generations=2)
        # without RAY_AUTH_MODE: devo switches token auth on when joining
        r = devo("run", str(cfg), "--ray-address", f"127.0.0.1:{port}", "--workers", "2", "--quiet", timeout=300,
                 env=clean_env(RAY_AUTH_TOKEN_PATH=str(token)))  # fmt: skip
        assert r.returncode == 0, r.stdout + r.stderr
        run_dir = Path(r.stdout.split("run directory: ")[1].splitlines()[0])
        assert [m["generation"] for m in read_metrics(run_dir)] == [0, 1]
        # same numbers as in-process evaluation
        r0 = devo("run", str(cfg), "--workers", "0", "--quiet", "--out", str(tmp_path / "local"))
        assert r0.returncode == 0, r0.stderr
        local = Path(r0.stdout.split("run directory: ")[1].splitlines()[0])
        assert untimed(run_dir) == untimed(local)
    finally:
        _stop_cluster(head.pid)
        head.wait(timeout=30)
        shutil.rmtree(temp, ignore_errors=True)


def test_a_damage_config_with_its_episodes_runs(tmp_path, capsys, no_ray) -> None:
    """task.damage and task.kwargs.damage_episodes reach make_task together in every place that
    builds the task (the run's early check once built the task without damage= and refused)."""
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs", generations=1, workers=0)
    sets = ["--set", 'task.damage="permute_actions"', "--set", "task.kwargs={damage_episodes=[1, 1]}",
            "--set", "lifetime.n_episodes=2"]  # fmt: skip
    assert main(["run", str(cfg), "--quiet", *sets]) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    assert 'damage = "permute_actions"' in (run_dir / "config.toml").read_text()


def test_init_transfer_starts_from_a_genome_of_another_task_setting(tmp_path, capsys, no_ray) -> None:
    """run.init_transfer: a genome evolved without damage is the search centre of a damage run (same
    [network] and [develop]); without the flag it is refused, and a different [network] is refused
    even with it, naming the section and the key."""
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs", generations=1, workers=0)
    assert main(["run", str(cfg), "--quiet"]) == 0
    best = json.dumps(str(next((tmp_path / "runs").iterdir()) / "best_genome.npz"))
    damage = ["--set", 'task.damage="permute_actions"', "--set", "task.kwargs={damage_episodes=[1, 1]}",
              "--set", "lifetime.n_episodes=2", "--set", f"run.init_genome={best}"]  # fmt: skip
    capsys.readouterr()
    assert main(["run", str(cfg), "--quiet", "--out", str(tmp_path / "a"), *damage]) == 2
    assert "made for another" in capsys.readouterr().err
    transfer = ["--set", "run.init_transfer=true"]
    assert main(["run", str(cfg), "--quiet", "--out", str(tmp_path / "b"), *damage, *transfer]) == 0
    capsys.readouterr()
    other = ["--set", "network.weight_max=3.0", *transfer]
    assert main(["run", str(cfg), "--quiet", "--out", str(tmp_path / "c"), *damage, *other]) == 2
    err = capsys.readouterr().err
    assert "[network]" in err and "weight_max" in err


def test_ablate_set_knocks_out_under_a_changed_config(tmp_path, capsys) -> None:
    """`devo ablate --set`: the CartPole genome ablated with its actions swapped from episode 1 on
    (intact falls after the swap); without --out it exits 2 before running, so the genome's own
    ablation beside it is never overwritten; a layout change exits 2 as in `devo eval --set`."""
    genome = str(ROOT / "experiments" / "genomes" / "cartpole_lndp__s0.npz")
    own = (ROOT / "experiments" / "genomes" / "cartpole_lndp__s0.ablation.json").read_bytes()
    damage = ["--set", "task.damage=permute_actions", "--set", "task.kwargs={damage_episodes = [1, 1]}"]
    assert main(["ablate", genome, "--lifetimes", "3", "--only", "frozen", *damage]) == 2
    assert "name a folder for it with --out" in capsys.readouterr().err
    out = tmp_path / "damaged"
    assert main(["ablate", genome, "--lifetimes", "3", "--only", "frozen", "--json", "--out", str(out), *damage]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert "with --set task.damage=permute_actions" in rep["source"]
    intact, frozen = rep["conditions"]
    assert intact["per_episode"][0]["mean"] > 100 and intact["per_episode"][1]["mean"] < 30
    assert frozen["applicable"] and frozen["per_episode"][1]["mean"] < 30
    assert json.loads((out / "ablation.json").read_text())["source"] == rep["source"]
    assert (ROOT / "experiments" / "genomes" / "cartpole_lndp__s0.ablation.json").read_bytes() == own
    assert main(["ablate", genome, "--lifetimes", "2", "--out", str(out), "--set", "develop.plasticity=hebbian"]) == 2
    assert "another layout" in capsys.readouterr().err
