"""Files of a run: genome files (no pickle), checkpoints (own folder only), metrics, display."""

from __future__ import annotations

import io
import json
import pickle
import time

import numpy as np
import pytest

from devo.atomic import atomic_write_text
from devo.errors import DevoError
from devo.evolve.checkpoint import (
    encode_checkpoint,
    list_checkpoints,
    read_checkpoint,
    write_checkpoint,
)
from devo.evolve.display import Display, format_duration
from devo.evolve.metrics import read_metrics, truncate_metrics
from devo.evolve.rundir import CHECKPOINTS, METRICS, make_run_dir, run_dir_name
from devo.genome_io import check_genome, load_genome, save_genome


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_genome_files_round_trip_bit_exact(tmp_path, suffix) -> None:
    g = np.random.default_rng(0).standard_normal(257).astype(np.float32)
    g[3] = np.float32(1e-38)  # subnormal-adjacent values survive JSON too
    path = tmp_path / f"g{suffix}"
    save_genome(path, g, {"lifetime_hash": "abc", "fitness": 1.5, "config": {"task": {"env": "X"}}})
    gf = load_genome(path)
    assert gf.genome.dtype == np.float32
    np.testing.assert_array_equal(gf.genome, g)
    assert gf.meta["genome_length"] == 257 and gf.meta["fitness"] == 1.5 and gf.lifetime_hash == "abc"


def test_genome_file_with_pickled_content_is_refused(tmp_path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, genome=np.array([object()], dtype=object), meta=np.array("{}"))
    with pytest.raises(DevoError, match="not a readable devo genome file"):
        load_genome(path)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"genome": [1.0]}', "not a readable"),
        ('{"meta": {"format": "other"}, "genome": [1.0]}', "not a devo genome file"),
        ('{"meta": {"format": "devo-genome", "genome_length": 2}, "genome": [1.0]}', "damaged"),
    ],
)
def test_bad_genome_json_is_refused(tmp_path, content, needle) -> None:
    path = tmp_path / "g.json"
    path.write_text(content)
    with pytest.raises(DevoError, match=needle):
        load_genome(path)


def test_genome_for_another_config_is_detected(tmp_path) -> None:
    save_genome(tmp_path / "g.npz", np.zeros(10, np.float32), {"lifetime_hash": "aaa", "env": "CartPole-v1"})
    gf = load_genome(tmp_path / "g.npz")
    check_genome(gf, 10, "aaa")
    with pytest.raises(DevoError, match="has 10 values but this config's genome has 12"):
        check_genome(gf, 12, "aaa")
    with pytest.raises(DevoError, match="made for another lifetime config"):
        check_genome(gf, 10, "bbb")
    with pytest.raises(DevoError, match="use a .npz or .json"):
        save_genome(tmp_path / "g.pkl", np.zeros(1), {})


def test_checkpoints_keep_the_newest_and_read_only_from_their_folder(tmp_path) -> None:
    run = make_run_dir(tmp_path, "CartPole-v1", "x", 1)
    for g in (1, 2, 3):
        payload = {k: None for k in ("searcher", "problem_rng", "global_rng", "lifetime_hash", "genome_size")}
        write_checkpoint(run, g, encode_checkpoint({**payload, "state": {}, "generation": g}), keep=2)
    assert [g for g, _ in list_checkpoints(run)] == [2, 3]
    assert read_checkpoint(run)["generation"] == 3
    assert not list(run.rglob("*.tmp"))
    # a newest "checkpoint" that is a link to a file elsewhere is refused (pickle runs code)
    outside = tmp_path / "elsewhere.pkl"
    outside.write_bytes(pickle.dumps({"format": "devo-checkpoint", "version": 1, "generation": 9}))
    (run / CHECKPOINTS / "ckpt_000009.pkl").symlink_to(outside)
    with pytest.raises(DevoError, match="only read from"):
        read_checkpoint(run)


def test_missing_or_foreign_checkpoint_is_a_clear_error(tmp_path) -> None:
    run = make_run_dir(tmp_path, "e", "n", 0)
    with pytest.raises(DevoError, match="no checkpoint"):
        read_checkpoint(run)
    (run / CHECKPOINTS / "ckpt_000001.pkl").write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(DevoError, match="not a devo checkpoint"):
        read_checkpoint(run)


def test_run_dir_names_are_unique_and_path_safe(tmp_path) -> None:
    a = make_run_dir(tmp_path, "mypkg.envs:My Env", "n", 3)
    b = make_run_dir(tmp_path, "mypkg.envs:My Env", "n", 3)
    assert a != b and "/" not in a.name and ":" not in a.name and " " not in a.name
    assert a.name.startswith("mypkg.envs-My-Env__n__3__")
    assert run_dir_name("E", "n", 1, when=0) == "E__n__1__" + time.strftime("%Y%m%d-%H%M%S", time.localtime(0))


def test_truncate_metrics_drops_lines_after_the_checkpoint_and_torn_lines(tmp_path) -> None:
    lines = [json.dumps({"generation": g}) for g in range(5)]
    atomic_write_text(tmp_path / METRICS, "\n".join(lines) + '\n{"generation": 5, "be')  # torn by a kill
    assert [r["generation"] for r in read_metrics(tmp_path)] == [0, 1, 2, 3, 4]
    truncate_metrics(tmp_path, 3)
    assert [r["generation"] for r in read_metrics(tmp_path)] == [0, 1, 2]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _rec(g: int, best: float) -> dict:
    return {"generation": g, "best": best, "mean": 1.0, "best_so_far": best, "env_steps_per_s": 1234.0,
            "nan_count": 0, "error_count": 1}  # fmt: skip


def test_display_plain_lines_when_quiet_or_not_a_terminal() -> None:
    for stream, quiet in ((io.StringIO(), False), (_Tty(), True)):
        d = Display(10, quiet=quiet, stream=stream)
        d.generation(_rec(0, 5.0))
        d.close()
        out = stream.getvalue()
        assert "\r" not in out and out.startswith("gen 0 (1/10)  best 5")
        assert "1.2k steps/s" in out and "1 errors" in out


def test_display_live_rewrites_one_line_on_a_terminal() -> None:
    s = _Tty()
    d = Display(10, stream=s)
    d.generation(_rec(0, 5.0))
    d.generation(_rec(1, 5.0))
    d.message("hello")
    d.close()
    out = s.getvalue()
    assert out.count("\r\x1b[2K") >= 2 and "gen 0: new best 5" in out and "hello\n" in out
    assert format_duration(3725) == "1h02m" and format_duration(65) == "1m05s"
