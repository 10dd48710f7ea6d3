"""Resolving specs: registry names, Gymnasium ids, "module:Class", "module:factory", Gymnasium's
"module:EnvId" form, entry points -- in this process, in a fresh interpreter, and in a spawned
worker that receives a pickled Task."""

from __future__ import annotations

import multiprocessing
import pickle
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from devo.environments import ENTRY_POINT_GROUP, entry_point_names, make_task, register_task
from devo.environments.check import random_rollout
from devo.environments.registry import _REGISTRY
from devo.errors import EnvironmentSpecError

ROOT = Path(__file__).resolve().parents[2]
BEACON = "devo_environments.beacon:"


@pytest.fixture
def entry_point_dir(tmp_path, monkeypatch):
    """A throwaway installed distribution declaring two devo.environments entry points."""
    dist = tmp_path / "devo_fake_envs-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: devo-fake-envs\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        "FakeBeacon-v0 = devo_environments.beacon:make_beacon\n"
        "Broken-v0 = no_such_module_xyz:Env\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_specs_of_each_form_resolve():
    assert make_task("CartPole-v1").spec.kernel == "devo_environments.cartpole"
    assert not make_task("MountainCarContinuous-v0").spec.has_native  # any Gymnasium id
    cls = make_task(BEACON + "BeaconEnv", friction=0.3)
    assert cls.spec.obs_dim == 3 and cls.env_kwargs == {"friction": 0.3}
    assert cls.make_env().env.unwrapped.friction == 0.3
    fac = make_task(BEACON + "make_beacon", max_episode_steps=50)
    assert fac.spec.max_episode_steps == 50
    gym_form = make_task("tests.environments.fake_envs:FakeRegistered-v0")
    assert gym_form.env_ref.kind == "gym" and gym_form.spec.obs_dim == 3
    dotted = make_task("tests.environments.fake_envs:Factories.base")  # a dotted attribute
    assert dotted.spec.obs_dim == 3 and dotted.make_env().reset(0).shape == (3,)


def test_entry_points_resolve(entry_point_dir):
    assert {"FakeBeacon-v0", "Broken-v0"} <= set(entry_point_names())
    task = make_task("FakeBeacon-v0")
    assert task.env_ref.target == BEACON + "make_beacon" and task.spec.max_episode_steps == 200
    broken = r"plug-in devo-fake-envs \(entry point Broken-v0 = no_such_module_xyz:Env\): .*cannot import"
    with pytest.raises(EnvironmentSpecError, match=broken):
        make_task("Broken-v0")


def test_every_task_pickles_and_rebuilds():
    for spec, kwargs in [
        ("CartPole-v1", {}), ("Foraging-v0", {"p_switch": 0.2}), ("Bandit-v0", {}),
        ("Pendulum-v1", {"damage": "permute_actions"}), (BEACON + "BeaconEnv", {"friction": 0.2}),
    ]:  # fmt: skip
        task = make_task(spec, **kwargs)
        clone = pickle.loads(pickle.dumps(task))
        assert clone.spec == task.spec
        a, ra = random_rollout(task, 3, 50)
        b, rb = random_rollout(clone, 3, 50)
        assert np.array_equal(a, b) and np.array_equal(ra, rb)


def _local_rollouts(tasks):
    return [random_rollout(t, 5, 40) for t in tasks]


def test_tasks_rebuild_in_a_spawned_worker(entry_point_dir):
    tasks = [
        make_task("CartPole-v1"),
        make_task(BEACON + "BeaconEnv", friction=0.05),
        make_task("Beacon-v0"),  # an entry point: the worker needs no entry-point metadata
        make_task("Foraging-v0", damage="flip_obs"),
        make_task("tests.environments.fake_envs:FakeRegistered-v0"),
    ]
    local = _local_rollouts(tasks)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        remote = pool.submit(_local_rollouts, tasks).result(timeout=120)
    for (a, ra), (b, rb) in zip(local, remote, strict=True):
        assert np.array_equal(a, b) and np.array_equal(ra, rb)


def test_specs_resolve_in_a_fresh_interpreter(entry_point_dir):
    script = textwrap.dedent(
        """
        import pickle, sys
        from devo.environments import make_task
        from devo.environments.check import random_rollout
        out = {}
        for spec in ["FakeBeacon-v0", "devo_environments.beacon:BeaconEnv",
                     "tests.environments.fake_envs:FakeRegistered-v0", "Bandit-v0"]:
            obs, rew = random_rollout(make_task(spec), 5, 30)
            out[spec] = (obs.tolist(), rew.tolist())
        sys.stdout.buffer.write(pickle.dumps(out))
        """
    )
    env = {"PYTHONPATH": f"{entry_point_dir}:{ROOT}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    remote = pickle.loads(proc.stdout)
    for spec, (obs, rew) in remote.items():
        a, ra = random_rollout(make_task(spec), 5, 30)
        assert np.array_equal(a, np.array(obs)) and np.array_equal(ra, np.array(rew)), spec


def test_register_task():
    register_task("Beacon-test-v0", BEACON + "make_beacon", max_episode_steps=33, description="test")
    try:
        task = make_task("Beacon-test-v0")
        assert task.spec.max_episode_steps == 33 and task.env_ref.kind == "import"
        with pytest.raises(EnvironmentSpecError, match="already registered"):
            register_task("Beacon-test-v0", BEACON + "BeaconEnv")
    finally:
        _REGISTRY.pop("Beacon-test-v0", None)


def test_unknown_names_get_suggestions():
    with pytest.raises(EnvironmentSpecError, match="unknown environment 'CartPol-v1'.*Did you mean 'CartPole-v1'"):
        make_task("CartPol-v1")
    with pytest.raises(EnvironmentSpecError, match="non-empty string"):
        make_task("  ")


def test_console_script_finds_a_module_in_the_working_directory(tmp_path):
    # `devo` (a console script) does not put the working directory on sys.path; devo adds it,
    # and exports it on PYTHONPATH for the processes it starts
    (tmp_path / "my_user_envs.py").write_text("from devo_environments.beacon import BeaconEnv as MyEnv\n")
    devo = Path(sys.executable).parent / "devo"
    proc = subprocess.run(
        [str(devo), "check-env", "my_user_envs:MyEnv", "--episodes", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "found in the working directory" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "devo can use my_user_envs:MyEnv"
