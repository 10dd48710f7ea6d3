"""The real `devo` entry point: help, demo, bench snn and lifetime (tiny budgets), error exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from devo.cli import main


def devo(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "devo", *args], capture_output=True, text=True, timeout=timeout
    )


def test_help_lists_commands() -> None:
    r = devo("--help")
    assert r.returncode == 0
    assert "demo" in r.stdout and "bench" in r.stdout


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_command_exits_2() -> None:
    r = devo("fly")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_demo_runs_and_reports(capsys: pytest.CaptureFixture) -> None:
    assert main(["demo", "--steps", "50"]) == 0
    out = capsys.readouterr().out
    assert "simulated 50 env steps x 4 ticks" in out
    assert "firing rate" in out and "actions chosen" in out


def test_bench_snn_json_rows() -> None:
    r = devo("bench", "snn", "--json", "--sizes", "32", "--densities", "0.5", "--reps", "1",
             "--block-s", "0.01")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["workload"] for row in rows] == ["lif", "lif+stdp"]
    for row in rows:
        assert row["n"] == 32 and row["synapses"] > 0
        assert row["ns_per_tick"] > 0 and row["ref_ns_per_tick"] > 0
        assert row["speedup"] == pytest.approx(row["ref_ns_per_tick"] / row["ns_per_tick"])
        assert 0 < row["rate"] < 1


def test_bench_lifetime_json_rows() -> None:
    r = devo("bench", "lifetime", "--json", "--sizes", "32", "--families", "learned", "frozen",
             "--lifetimes", "1", "--episodes", "2", "--repeats", "2")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(row["n"], row["family"]) for row in rows] == [(32, "learned"), (32, "frozen")]
    for row in rows:
        assert row["synapses"] > 0 and row["us_per_agent_step"] > 0 and row["us_per_dev_step"] > 0
        assert row["fixed_us"] > 0 and row["us_per_env_step"] >= 0
        assert row["agent_steps"] == 24 + 48 + row["env_steps"]  # development + spontaneous + episodes
        assert row["vs_lndp"] == pytest.approx(58.0 / row["us_per_agent_step"])
    parts = ("ticks_us", "node_us", "edge_us", "structural_us")
    assert all(rows[0][k] > 0 for k in parts) and not any(k in rows[1] for k in parts)


def test_bench_run_json_rows() -> None:
    r = devo("bench", "run", "--json", "--popsize", "3", "--generations", "1", "--trials", "1", "--workers", "0",
             "--skip-gymne")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(row["system"], row["workers"]) for row in rows] == [("devo", 0), ("devo", 0)]
    for row in rows:
        assert row["lifetimes"] == 3 and row["env_steps"] > 0 and row["env_steps_per_s"] > 0
        assert row["agent_steps_per_s"] > row["env_steps_per_s"]  # development steps count there
    assert rows[0]["env_steps"] == rows[1]["env_steps"]  # the same lifetimes, bit for bit
    assert rows[0]["x_in_process"] == 1.0 and rows[0]["x_gymne_env_steps"] is None


def test_bench_snn_table() -> None:
    r = devo("bench", "snn", "--sizes", "32", "--densities", "0.1", "--reps", "1", "--block-s", "0.01")
    assert r.returncode == 0, r.stderr
    assert "| N | density |" in r.stdout and "speed-up vs numpy" in r.stdout
