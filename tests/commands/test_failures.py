"""Every failure ends in a message, and a run that learned nothing says so (issue 15, items 2-7):
unreachable Ray addresses, non-finite and oversized config values, broken environments, runs in
which every lifetime fails, file-system errors, check-env keyword clashes and misleading messages."""

from __future__ import annotations

import errno
import json
import time
from pathlib import Path

import numpy as np
import pytest

from devo.cli import main
from devo.genome_io import save_genome
from tests.commands.test_evolve_commands import _free_port, devo, no_ray  # noqa: F401 - fixture
from tests.evolve.helpers import tiny_toml

NAN_ENV = 'task.env="tests.environments.fake_envs:NaNObsEnv"'
RAISING_ENV = 'task.env="tests.environments.fake_envs:RaisingStepEnv"'


def _cfg(tmp_path: Path, **run) -> Path:
    return tiny_toml(tmp_path / "c.toml", tmp_path / "runs", **run)


# -- 2: an unreachable cluster fails in seconds, before any run directory ------------------------


@pytest.mark.parametrize("address", ["closed", "notanaddress"])
def test_ray_address_where_nothing_listens_exits_2_in_seconds_with_no_run_dir(address, tmp_path) -> None:
    addr = f"127.0.0.1:{_free_port()}" if address == "closed" else address
    t0 = time.monotonic()
    r = devo("run", str(_cfg(tmp_path)), "--ray-address", addr, "--workers", "2", "--quiet", timeout=120)
    took = time.monotonic() - t0
    assert r.returncode == 2, r.stdout + r.stderr
    assert took < 15, f"took {took:.1f} s"
    assert ("cannot join the Ray cluster at" if address == "closed" else "is not HOST:PORT") in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# -- 3: bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("search.stdev_init=inf", "search.stdev_init: must be a finite number, got inf"),
        ("network.tau_m=-inf", "network.tau_m: must be a finite number"),
        ("network.max_neurons=1000000000", "per lifetime; this machine allows"),
        ("network.max_synapses=4000000000", "per lifetime; this machine allows"),
    ],
)
def test_non_finite_floats_and_capacities_beyond_memory_exit_2(setting, needle, tmp_path, capsys, no_ray) -> None:  # noqa: F811
    assert main(["run", str(_cfg(tmp_path)), "--workers", "2", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# -- 4: a run that cannot learn stops and says so ------------------------------------------------


@pytest.mark.parametrize(("setting", "needle"), [(NAN_ENV, "not finite"), (RAISING_ENV, "physics exploded")])
def test_a_broken_environment_exits_2_before_ray_starts(setting, needle, tmp_path, capsys, no_ray) -> None:  # noqa: F811
    assert main(["run", str(_cfg(tmp_path)), "--workers", "2", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert needle in err and "nothing was started" in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_generation_in_which_every_lifetime_fails_stops_the_run(tmp_path, capsys, monkeypatch) -> None:
    import devo.evolve.runner as runner

    monkeypatch.setattr(runner, "_preflight", lambda exp, ev: None)  # an env that fails only in lifetimes
    assert main(["run", str(_cfg(tmp_path, generations=5, workers=0)), "--quiet", "--set", NAN_ENV]) == 2
    out = capsys.readouterr()
    assert "warm-up: a lifetime of the initial genome failed" in out.out
    assert "generation 0: every one of its 12 lifetimes failed" in out.err and "non-finite" in out.err
    run_dir = next((tmp_path / "runs").iterdir())
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 1  # it did not search blind


def test_a_run_without_any_valid_genome_exits_non_zero_and_eval_says_why(tmp_path, capsys, monkeypatch) -> None:
    import devo.evolve.runner as runner

    monkeypatch.setattr(runner, "_preflight", lambda exp, ev: None)
    monkeypatch.setattr(runner._Run, "_stop_if_all_failed", lambda self, g, evals: None)
    assert main(["run", str(_cfg(tmp_path, generations=2, workers=0)), "--quiet", "--set", NAN_ENV]) == 2
    err = capsys.readouterr().err
    assert "2 generation(s) finished but no genome had a valid evaluation" in err and "no best_genome.npz" in err
    run_dir = next((tmp_path / "runs").iterdir())
    assert main(["eval", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "2 generation(s) finished but no genome had a valid evaluation" in err
    assert "no generation has finished" not in err


# -- 5: file-system errors name the file, the cause and the last good checkpoint -----------------


def test_out_pointing_at_a_file_exits_2_before_ray(tmp_path, capsys, no_ray) -> None:  # noqa: F811
    (tmp_path / "afile").write_text("x")
    assert main(["run", str(_cfg(tmp_path)), "--workers", "2", "--out", str(tmp_path / "afile")]) == 2
    assert "is a file, not a folder; choose another --out" in capsys.readouterr().err


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_disk_full_or_read_only_when_the_run_directory_is_made(code, tmp_path, capsys, monkeypatch) -> None:
    import devo.evolve.runner as runner

    def refuse(*a, **k):
        raise OSError(code, __import__("os").strerror(code), str(tmp_path / "runs" / "x"))

    monkeypatch.setattr(runner, "make_run_dir", refuse)
    assert main(["run", str(_cfg(tmp_path, workers=0))]) == 2
    err = capsys.readouterr().err
    assert "cannot create the run directory in" in err and __import__("os").strerror(code) in err


def test_disk_full_during_a_checkpoint_then_resume_is_identical(tmp_path, capsys, monkeypatch) -> None:
    import devo.evolve.runner as runner
    from tests.evolve.helpers import assert_same_run, quiet_stream, tiny

    real = runner.write_checkpoint

    def full_at_3(run_dir, generation, blob, keep=2):
        if generation == 3:
            path = Path(run_dir) / "checkpoints" / "ckpt_000003.pkl"
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(run_dir, generation, blob, keep)

    monkeypatch.setattr(runner, "write_checkpoint", full_at_3)
    assert main(["run", str(_cfg(tmp_path, generations=4, workers=0)), "--quiet"]) == 2
    err = capsys.readouterr().err
    run_dir = next((tmp_path / "runs").iterdir())
    assert "ckpt_000003.pkl" in err and "No space left on device" in err
    assert "the last good checkpoint is" in err and "ckpt_000002.pkl (generation 2)" in err
    monkeypatch.setattr(runner, "write_checkpoint", real)
    assert main(["resume", str(run_dir), "--quiet"]) == 0
    ref = runner.start_run(tiny(tmp_path / "ref", run__generations=4), stream=quiet_stream()).run_dir
    assert_same_run(ref, run_dir)


def test_metrics_on_a_read_only_file_system_is_a_message(tmp_path, capsys, monkeypatch) -> None:
    from devo.evolve.metrics import MetricsWriter

    def read_only(self, rec):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "runs" / "metrics.jsonl"))

    monkeypatch.setattr(MetricsWriter, "write", read_only)
    assert main(["run", str(_cfg(tmp_path, generations=2, workers=0)), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "metrics.jsonl" in err and "Read-only file system" in err and "no checkpoint was written yet" in err


def test_eval_out_on_a_read_only_file_system_after_the_evaluation(tmp_path, capsys, monkeypatch) -> None:
    import devo.atomic as atomic

    assert main(["run", str(_cfg(tmp_path, generations=1, workers=0)), "--quiet"]) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    capsys.readouterr()

    def read_only(path, text):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(atomic, "atomic_write_text", read_only)
    assert main(["eval", str(run_dir), "--lifetimes", "1", "--out", str(tmp_path / "e.json")]) == 2
    out = capsys.readouterr()
    assert "Read-only file system" in out.err and "e.json" in out.err and "the results are printed above" in out.err
    assert "lifetime fitness" in out.out


# -- 6: check-env and config files ---------------------------------------------------------------


@pytest.mark.parametrize("kwarg", ["max_steps=30", "seed=3", "episodes=2"])
def test_check_env_keywords_named_like_its_own_options_go_to_the_environment(kwarg, capsys) -> None:
    assert main(["check-env", "devo_environments.beacon:BeaconEnv", "-k", kwarg]) == 2
    out = capsys.readouterr().out
    assert f"unexpected keyword argument '{kwarg.split('=')[0]}'" in out  # it reached the environment


@pytest.mark.parametrize("option", [["--episodes", "0"], ["--max-steps", "0"]])
def test_check_env_rejects_zero_episodes_with_a_message(option, capsys) -> None:
    assert main(["check-env", "CartPole-v1", *option]) == 2
    assert "must be >= 1" in capsys.readouterr().err


def test_a_config_that_is_not_utf8_exits_2(tmp_path, capsys) -> None:
    cfg = tmp_path / "latin1.toml"
    cfg.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    assert main(["run", str(cfg)]) == 2
    assert "is not UTF-8 text" in capsys.readouterr().err


# -- 7: messages that said the wrong thing ---------------------------------------------------------


def test_a_genome_file_of_the_wrong_shape_says_so(tmp_path, capsys) -> None:
    import io

    buf = io.BytesIO()
    meta = {"format": "devo-genome", "version": 1, "genome_length": 6}
    np.savez(buf, genome=np.zeros((2, 3), np.float32), meta=np.array(json.dumps(meta)))
    (tmp_path / "g.npz").write_bytes(buf.getvalue())
    assert main(["eval", str(tmp_path / "g.npz")]) == 2
    err = capsys.readouterr().err
    assert "shape (2, 3)" in err and "6 values but its metadata says 6" not in err


def test_an_invalid_embedded_config_names_the_file(tmp_path, capsys) -> None:
    save_genome(tmp_path / "g.npz", np.zeros(3, np.float32), {"config": {"search": {"popsize": 1}}})
    assert main(["eval", str(tmp_path / "g.npz")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "g.npz") in err and "search.popsize: must be >= 2" in err


def test_eval_rejects_negative_workers_like_run(tmp_path, capsys) -> None:
    assert main(["eval", str(tmp_path / "x.npz"), "--workers", "-5"]) == 2
    assert "--workers must be >= 0 or -1" in capsys.readouterr().err


def test_ray_prints_nothing_of_its_own_to_the_console(ray_session) -> None:
    import ray._private.worker as ray_worker

    from devo.evolve.pool import _quiet_ray_console

    _quiet_ray_console()
    assert ray_worker._worker_logs_enabled is False


def test_worker_deaths_during_the_final_race_are_reported(tmp_path, capsys, monkeypatch) -> None:
    import devo.evolve.runner as runner

    real = runner.select_final

    def with_a_death(pool, *a, **k):
        pool.stats.worker_deaths += 1
        return real(pool, *a, **k)

    monkeypatch.setattr(runner, "select_final", with_a_death)
    cfg = _cfg(tmp_path, generations=1, workers=0, validate_top=2, final_top=2, final_trials=1)
    assert main(["run", str(cfg), "--quiet"]) == 0
    assert "final selection: 1 worker death(s); their lifetimes were re-sent" in capsys.readouterr().out
