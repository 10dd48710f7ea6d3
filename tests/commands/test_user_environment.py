"""A user's own environment, written into a throwaway module outside the package, evolves for 2
generations with 2 Ray workers: once named by its "module:Class" string, once through a
`devo.environments` entry point of a (throwaway) installed distribution. The workers find it the
way a user's workers would: through PYTHONPATH, not through anything in the driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from devo.evolve.metrics import read_metrics
from tests.commands.test_evolve_commands import clean_env, devo
from tests.evolve.helpers import tiny_toml

ENV_SOURCE = '''
import gymnasium as gym
import numpy as np


class Reach(gym.Env):
    """Move a point on a line to the target: observe (position, target), act left/stay/right."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = gym.spaces.Discrete(3)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.x = float(self.np_random.uniform(-1, 1))
        self.target = float(self.np_random.uniform(-1, 1))
        self.t = 0
        return np.array([self.x, self.target], np.float32), {}

    def step(self, action):
        self.x = float(np.clip(self.x + 0.1 * (int(action) - 1), -1, 1))
        self.t += 1
        reward = -abs(self.x - self.target)
        return np.array([self.x, self.target], np.float32), reward, False, self.t >= 20, {}
'''


@pytest.fixture
def user_package(tmp_path: Path) -> Path:
    """A folder holding the module and an installed-distribution record declaring an entry point."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "throwaway_reach_env.py").write_text(ENV_SOURCE)
    dist = root / "throwaway_reach-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: throwaway-reach\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[devo.environments]\nThrowawayReach-v0 = throwaway_reach_env:Reach\n")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["throwaway_reach_env:Reach", "ThrowawayReach-v0"])
def test_a_users_environment_evolves_on_two_ray_workers(spec: str, user_package: Path, tmp_path: Path) -> None:
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs")
    env = clean_env(PYTHONPATH=str(user_package))
    r = devo("run", str(cfg), "--workers", "2", "--generations", "2", "--quiet", "--set", f'task.env="{spec}"',
             "--set", "task.max_episode_steps=20", timeout=900, env=env)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    rows = read_metrics(run_dir)
    assert [row["generation"] for row in rows] == [0, 1]
    assert all(row["nan_count"] == 0 for row in rows)
    # returns are negative distances: every lifetime really ran in the user's environment
    assert all(-20.0 * 2 <= row["best"] < 0 for row in rows)
    assert spec in (run_dir / "config.toml").read_text()


README = Path(__file__).resolve().parents[2] / "environments" / "README.md"


def worked_example() -> str:
    """The compiled task of environments/README.md's worked example, as the reader copies it."""
    text = README.read_text()
    block = text[text.index("<!-- worked-example -->") :]
    start = block.index("```python\n") + len("```python\n")
    return block[start : block.index("\n```", start)] + "\n"


def install_plugin(root: Path, module: str, source: str, entry: str) -> Path:
    """``source`` as module ``module`` in folder ``root``, with an installed-distribution record
    declaring ``entry`` (``Name = module:attr``) in the devo.environments group."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(source)
    dist = root / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[devo.environments]\n{entry}\n")
    return root


COUNT_TWIN = '''
import os as _os

_step = Reach.step


def _counted(self, action):
    with open(_os.environ["REACH_TWIN_LOG"], "a") as f:
        f.write("step\\n")
    return _step(self, action)


Reach.step = _counted
'''


@pytest.mark.slow
def test_a_compiled_plugin_task_outside_the_repository_evolves_compiled_on_two_ray_workers(tmp_path: Path) -> None:
    """The README's worked example, installed outside the repository: check-env compares it with its
    Python twin, and a run on 2 Ray workers lives its lifetimes in the compiled lifetime devo built
    for it (the Python twin, which counts its steps, stepped only in the driver's preflight)."""
    site = install_plugin(tmp_path / "site", "throwaway_compiled_reach", worked_example() + COUNT_TWIN,
                          "CompiledReach-v0 = throwaway_compiled_reach:TASK")  # fmt: skip
    log = tmp_path / "twin_steps.log"
    env = clean_env(PYTHONPATH=str(site), REACH_TWIN_LOG=str(log))
    r = devo("check-env", "CompiledReach-v0", env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "yes (compiled kernel throwaway_compiled_reach)" in r.stdout
    assert "twin: compiled kernel and Python environment agree" in r.stdout
    assert "native: 10000 random compiled steps" in r.stdout
    log.unlink()
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs")
    r = devo("run", str(cfg), "--workers", "2", "--generations", "2", "--quiet", "--set",
             'task.env="CompiledReach-v0"', timeout=900, env=env)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    rows = read_metrics(next((tmp_path / "runs").iterdir()))
    assert [row["generation"] for row in rows] == [0, 1]
    assert all(-20.0 * 2 <= row["best"] < 0 for row in rows)
    twin_steps = len(log.read_text().splitlines()) if log.exists() else 0
    env_steps = sum(int(row["env_steps"]) for row in rows)
    # 2 generations of the tiny config live 720 env steps; the twin stepped only in the preflight
    assert env_steps >= 500 and twin_steps <= 50, (env_steps, twin_steps)
    r = devo("bench", "envs", "--tasks", "CompiledReach-v0", "--seconds", "0.01", "--reps", "1", env=env, timeout=900)
    assert r.returncode == 0 and "CompiledReach-v0" in r.stdout, r.stdout + r.stderr


BROKEN = {
    "a plain function": ("step = lambda params, state, action, rng: (0.0, False)",
                         "step must be a numba.njit function"),
    "wrong arguments": ("@njit\ndef step(params, state, action):\n    return 0.0, False",
                        "step takes 3 arguments; expected step(params, state, action, rng)"),
    "index outside state": ("@njit\ndef step(params, state, action, rng):\n    state[7] = 1.0\n    return 0.0, False",
                            "-> (float reward, bool terminated) raised IndexError on (float64[1], float64[3]"),
    "wrong return": ("@njit\ndef step(params, state, action, rng):\n    return 0.0",
                     "step must return (float reward, bool terminated), got 0.0"),
    "does not compile": ("@njit\ndef step(params, state, action, rng):\n    return float(int(\"1\" + \"2\")), False",
                         "-> (float reward, bool terminated) does not compile with numba for (float64[1], float64[3]"),
}


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_a_broken_compiled_plugin_is_named_with_what_was_expected(fault: str, tmp_path: Path, monkeypatch) -> None:
    from devo.cli import main

    line, expected = BROKEN[fault]
    module = f"throwaway_broken_{fault.replace(' ', '_')}"
    name = f"Broken-{fault.replace(' ', '-')}-v0"
    install_plugin(tmp_path, module, worked_example() + "\n" + line + "\n", f"{name} = {module}:TASK")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["check-env", name]) == 2
    from devo.environments import check_env

    report = check_env(name)
    assert not report.ok and expected in report.reason and module in report.reason, report.reason
    assert "Traceback" not in report.reason and "nopython" not in report.reason


def test_devo_run_stops_at_a_broken_compiled_plugin_before_it_starts(tmp_path: Path) -> None:
    module = "throwaway_broken_run"
    line, expected = BROKEN["index outside state"]
    source = worked_example() + "\n" + line + "\n"
    site = install_plugin(tmp_path / "site", module, source, f"BrokenRun-v0 = {module}:TASK")
    cfg = tiny_toml(tmp_path / "c.toml", tmp_path / "runs")
    r = devo("run", str(cfg), "--workers", "0", "--generations", "1", "--quiet", "--set", 'task.env="BrokenRun-v0"',
             env=clean_env(PYTHONPATH=str(site)))  # fmt: skip
    assert r.returncode == 2, r.stdout + r.stderr
    assert expected in r.stderr + r.stdout and module in r.stderr + r.stdout and "Traceback" not in r.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # stopped before it started


def test_two_plugins_registering_one_name_are_both_named(tmp_path: Path, monkeypatch) -> None:
    from devo.environments import make_task
    from devo.errors import EnvironmentSpecError

    for module in ("throwaway_twin_a", "throwaway_twin_b"):
        install_plugin(tmp_path, module, worked_example(), f"SameName-v0 = {module}:TASK")
    monkeypatch.syspath_prepend(str(tmp_path))
    match = "two plug-ins register the task 'SameName-v0'.*throwaway-twin-a.*throwaway-twin-b"
    with pytest.raises(EnvironmentSpecError, match=match):
        make_task("SameName-v0")
