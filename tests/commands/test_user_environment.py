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
             "--set", "task.max_episode_steps=20", timeout=600, env=env)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    rows = read_metrics(run_dir)
    assert [row["generation"] for row in rows] == [0, 1]
    assert all(row["nan_count"] == 0 for row in rows)
    # returns are negative distances: every lifetime really ran in the user's environment
    assert all(-20.0 * 2 <= row["best"] < 0 for row in rows)
    assert spec in (run_dir / "config.toml").read_text()
