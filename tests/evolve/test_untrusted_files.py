"""Files from strangers run nothing (issue 15, item 1): a genome file's or a run directory's config
that names a "module:attr" environment builds it only with --trust-task; a checkpoint is read by a
restricted unpickler, and every searcher still resumes bit-identically through it."""

from __future__ import annotations

import io
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from devo.cli import main
from devo.config import to_toml
from devo.errors import DevoError
from devo.evolve.checkpoint import FORMAT, VERSION, latest_checkpoint, read_checkpoint
from devo.evolve.rundir import CHECKPOINTS, CONFIG, make_run_dir
from devo.evolve.runner import resume_run, start_run
from devo.evolve.safe_pickle import UnsafePickleError, safe_loads
from devo.experiment import experiment_to_dict
from devo.genome_io import save_genome

from .helpers import assert_same_run, quiet_stream, tiny


def _hostile_config(tmp_path: Path, marker: Path) -> dict:
    cfg = experiment_to_dict(tiny(tmp_path / "runs"))
    cfg["task"] = {**cfg["task"], "env": "subprocess:run", "kwargs": {"args": ["touch", str(marker)]}}
    return cfg


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "ran-code"


@pytest.mark.parametrize("command", ["eval", "inspect", "ablate"])
def test_a_genome_file_naming_a_callable_runs_nothing_and_names_the_flag(command, tmp_path, marker, capsys) -> None:
    path = tmp_path / "shared.npz"
    save_genome(path, np.zeros(5, np.float32), {"config": _hostile_config(tmp_path, marker)})
    assert main([command, str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--trust-task subprocess:run" in err and "nothing was run" in err
    assert not marker.exists()


def _hostile_run_dir(tmp_path: Path, marker: Path) -> Path:
    run = make_run_dir(tmp_path / "runs", "x", "y", 0)
    (run / CONFIG).write_text(to_toml(_hostile_config(tmp_path, marker)))
    assert "subprocess:run" in (run / CONFIG).read_text()
    save_genome(run / "best_genome.npz", np.zeros(5, np.float32), {})
    (run / CHECKPOINTS / "ckpt_000001.pkl").write_bytes(pickle.dumps({"format": FORMAT, "version": VERSION}))
    return run


@pytest.mark.parametrize("command", ["eval", "resume", "inspect"])
def test_a_run_directory_whose_config_names_a_callable_runs_nothing(command, tmp_path, marker, capsys) -> None:
    run = _hostile_run_dir(tmp_path, marker)
    extra = ["--out", str(tmp_path / "o")] if command == "inspect" else []
    assert main([command, str(run), *extra]) == 2
    err = capsys.readouterr().err
    assert "--trust-task subprocess:run" in err and "config.toml" in err
    assert not marker.exists()


def test_trust_task_lets_the_named_callable_through(tmp_path, marker, capsys) -> None:
    """With the flag, the user asked for it: the factory is called (and then refused as not an env)."""
    path = tmp_path / "shared.npz"
    save_genome(path, np.zeros(5, np.float32), {"config": _hostile_config(tmp_path, marker)})
    assert main(["eval", str(path), "--trust-task", "subprocess:run"]) == 2
    assert "not a gymnasium.Env" in capsys.readouterr().err
    assert marker.exists()


def test_registered_tasks_and_gymnasium_ids_need_no_flag() -> None:
    from devo.environments.trust import is_safe_from_file

    assert is_safe_from_file("CartPole-v1") and is_safe_from_file("Foraging-v0") and is_safe_from_file("FrozenLake-v1")
    assert not is_safe_from_file("os:system") and not is_safe_from_file("subprocess:run")
    assert not is_safe_from_file("mypkg:Env-v0")  # gymnasium's module:id form imports mypkg


class Payload:
    """Pickles as a call of ``fn(*args)``, as a crafted checkpoint would."""

    def __init__(self, fn, *args) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _crafted(run: Path, inner: object) -> None:
    blob = pickle.dumps({"format": FORMAT, "version": VERSION, "generation": inner})
    (run / CHECKPOINTS / "ckpt_000002.pkl").write_bytes(blob)


@pytest.mark.parametrize("kind", ["os.system", "eval", "nested torch pickle", "getattr"])
def test_a_checkpoint_with_a_reduce_payload_runs_nothing(kind, tmp_path, marker, capsys) -> None:
    out = start_run(tiny(tmp_path / "runs", run__generations=1), stream=quiet_stream())
    run = out.run_dir
    if kind == "os.system":
        inner = Payload(os.system, f"touch {marker}")
    elif kind == "eval":
        inner = Payload(eval, f"open({str(marker)!r}, 'w')")
    elif kind == "getattr":  # getattr is pickle's way to bound methods; only a few evotorch ones pass
        inner = Payload(getattr, {}, "__class__")
    else:  # torch.storage._load_from_bytes: torch.load(weights_only=False) of the bytes, in plain torch
        buf = io.BytesIO()
        torch.save(Payload(os.system, f"touch {marker}"), buf)
        inner = Payload(torch.storage._load_from_bytes, buf.getvalue())
    for _, old in [latest_checkpoint(run)]:
        old.unlink()
    _crafted(run, inner)
    assert main(["resume", str(run), "--generations", "3"]) == 2
    err = capsys.readouterr().err
    assert "no checkpoint of this run can be read" in err and "ckpt_000002.pkl" in err
    assert "refusing" in err or "WeightsUnpickler" in err or "Unsupported" in err, err
    assert not marker.exists()


def test_safe_loads_refuses_what_a_checkpoint_never_holds() -> None:
    with pytest.raises(UnsafePickleError, match="refusing posix.system|refusing os.system"):
        safe_loads(pickle.dumps(Payload(os.system, "true")))
    assert safe_loads(pickle.dumps({"a": np.arange(3), "t": torch.ones(2)}))["t"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "algorithm", ["cmaes", "pgpe", "snes", pytest.param("xnes", marks=pytest.mark.slow), "cem", "ga"]
)
def test_every_searcher_resumes_bit_identically_through_the_restricted_unpickler(algorithm, tmp_path) -> None:
    def exp(generations: int):
        return tiny(tmp_path / "runs", search__algorithm=algorithm, run__generations=generations,
                    search__popsize=6, run__trials=1)  # fmt: skip

    ref = start_run(exp(3), stream=quiet_stream(), run_dir=tmp_path / "ref").run_dir
    part = start_run(exp(2), stream=quiet_stream(), run_dir=tmp_path / "part").run_dir
    payload = read_checkpoint(part)  # through safe_loads
    assert payload["searcher"].__class__.__name__ and payload["generation"] == 2
    resume_run(part, generations=3, quiet=True, stream=quiet_stream())
    assert_same_run(ref, part)


def test_an_incomplete_newest_checkpoint_falls_back_to_the_older_one(tmp_path, capsys) -> None:
    exp = tiny(tmp_path / "runs", run__generations=2, run__keep_checkpoints=3)
    ref = start_run(tiny(tmp_path / "runs", run__generations=3), stream=quiet_stream(), run_dir=tmp_path / "r").run_dir
    run = start_run(exp, stream=quiet_stream(), run_dir=tmp_path / "a").run_dir
    _, newest = latest_checkpoint(run)
    newest.write_bytes(pickle.dumps({"format": FORMAT, "version": VERSION, "generation": 2}))  # right header only
    with pytest.raises(DevoError, match="lacks searcher"):
        from devo.evolve.checkpoint import read_checkpoint_file

        read_checkpoint_file(newest)
    resume_run(run, generations=3, quiet=True, stream=quiet_stream())
    err = capsys.readouterr().err
    assert "is incomplete" in err and "ckpt_000002.pkl.unreadable" in err
    assert_same_run(ref, run)
    assert json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["generation"] == 2
