"""`devo check-env`: accepts usable environments, rejects each bad case with a message that names
the spec and the problem; `devo envs` lists every task."""

from __future__ import annotations

import pytest

from devo.cli import main
from devo.environments import make_task
from devo.environments.check import check_env, preflight
from devo.errors import EnvironmentSpecError

FAKE = "tests.environments.fake_envs:"


@pytest.mark.parametrize(
    "spec",
    ["CartPole-v1", "devo_environments.beacon:BeaconEnv", "devo_environments.beacon:make_beacon",
     "Foraging-v0", "Bandit-v0", "Pendulum-v1"],
)  # fmt: skip
def test_accepts_usable_environments(spec):
    report = check_env(spec)
    assert report.ok, report.text()
    assert report.verdict() == f"devo can use {spec}"
    text = report.text()
    assert "determinism: same seeds and actions give the same" in text
    assert ("native:      yes" in text) == (spec in ("CartPole-v1", "Foraging-v0", "Bandit-v0", "Pendulum-v1"))


REJECTIONS = [
    (FAKE + "DictObsEnv", {}, [r"Dict with keys \['goal', 'position'\]", "FlattenObservation"]),
    (FAKE + "TupleObsEnv", {}, ["Tuple of 2 spaces", "FlattenObservation"]),
    (FAKE + "TextObsEnv", {}, ["observation space Text is not supported"]),
    (FAKE + "GraphObsEnv", {}, ["observation space Graph is not supported"]),
    (FAKE + "MultiDiscreteActionEnv", {}, ["MultiDiscrete", "not supported"]),
    (FAKE + "UnboundedBoxActionEnv", {}, ["infinite bounds in dimension"]),
    (FAKE + "NaNObsEnv", {}, ["random episode 0, step 3", r"not finite at index \[1\]", "nan"]),
    (FAKE + "WrongShapeEnv", {}, ["step 2", r"shape \(4,\)", r"\(3,\)"]),
    (FAKE + "RaisingStepEnv", {}, ["step 2", "RuntimeError in step: physics exploded"]),
    ("no_such_pkg.envs:MyEnv", {}, ["cannot import module 'no_such_pkg.envs'", "No module named 'no_such_pkg'"]),
    (FAKE + "NoSuchClass", {}, ["has no attribute 'NoSuchClass'", "It defines: .*DictObsEnv"]),
    (FAKE + "make_raising", {}, ["make_raising", "ValueError: factory failed on purpose"]),
    (FAKE + "make_not_env", {}, ["returned int, not a gymnasium.Env"]),
    ("devo_environments.beacon:BeaconEnv", {"friction": 2.0}, ["ValueError: friction must be in"]),
    ("CartPole-v1", {"no_such_kwarg": 1}, ["gymnasium.make", "no_such_kwarg"]),
    ("NoSuchEnv-v0", {}, ["unknown environment 'NoSuchEnv-v0'"]),
    (FAKE + "Factories.base", {"callback": lambda: 0}, ["cannot be pickled for Ray workers"]),
]


@pytest.mark.parametrize("spec,kwargs,patterns", REJECTIONS, ids=[r[0].split(":")[-1] for r in REJECTIONS])
def test_rejects_bad_environments_with_the_reason(spec, kwargs, patterns):
    import re

    report = check_env(spec, **kwargs)
    assert not report.ok
    verdict = report.verdict()
    assert verdict.startswith(f"devo cannot use {spec}: ")
    for p in patterns:
        assert re.search(p, verdict), (p, verdict)


def test_space_errors_surface_in_make_task_before_any_run():
    with pytest.raises(EnvironmentSpecError, match=r"'tests.environments.fake_envs:DictObsEnv'.*keys"):
        make_task(FAKE + "DictObsEnv")
    # the suggested fix works
    assert make_task(FAKE + "make_flat_dict").spec.obs_dim == 2 + 4


def test_nondeterministic_environment_is_usable_with_a_warning():
    report = check_env(FAKE + "NondeterministicEnv")
    assert report.ok and any("not deterministic under a seed" in w for w in report.warnings)
    assert "warning" in report.verdict()


def test_preflight_raises_for_bad_tasks_only():
    preflight(make_task("CartPole-v1"))
    with pytest.raises(EnvironmentSpecError, match="not finite"):
        preflight(make_task(FAKE + "NaNObsEnv"))


def test_cli_check_env_exit_codes(capsys):
    assert main(["check-env", "CartPole-v1"]) == 0
    assert capsys.readouterr().out.strip().endswith("devo can use CartPole-v1")
    assert main(["check-env", FAKE + "DictObsEnv"]) == 2
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith(f"devo cannot use {FAKE}DictObsEnv: ")
    assert main(["check-env", "devo_environments.beacon:BeaconEnv", "-k", "friction=0.5",
                 "--damage", "flip_obs", "--episodes", "1"]) == 0  # fmt: skip
    assert "damage:      flip_obs" in capsys.readouterr().out


def test_cli_envs_lists_every_task(capsys):
    assert main(["envs"]) == 0
    out = capsys.readouterr().out
    for name in ("CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "Foraging-v0", "Bandit-v0"):
        line = next(ln for ln in out.splitlines() if ln.startswith(f"| {name} |"))
        assert "| yes |" in line
    assert "| Pendulum-v1 | 3 floats, (±1, ±1, ±8) | box, 1 dim (±2) | 200 | yes |" in out


def test_bench_envs_runs(capsys):
    assert main(["bench", "envs", "--json", "--tasks", "CartPole-v1", "--seconds", "0.01", "--reps", "1"]) == 0
    import json

    rows = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if ln.startswith("{")]
    assert [r["task"] for r in rows] == ["CartPole-v1"]
    assert rows[0]["native_ns"] > 0 and rows[0]["gym_ns"] > 0 and rows[0]["ratio"] > 1
