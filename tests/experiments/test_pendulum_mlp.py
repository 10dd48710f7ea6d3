"""experiments/pendulum_mlp.py (the Pendulum calibration of the README): its numpy twin agrees
with gymnasium's Pendulum-v1 step for step and a wrong twin is caught; the input codings are
what they say; a tiny PGPE run goes end to end through the script's entry point."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).parents[2] / "experiments" / "pendulum_mlp.py"


@pytest.fixture(scope="module")
def pm():
    spec = importlib.util.spec_from_file_location("pendulum_mlp", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_twin_matches_gymnasium_and_a_wrong_twin_is_caught(pm, monkeypatch) -> None:
    pm.check_twin()
    right = pm.pendulum_step

    def heavier(th, w, u):  # g = 10.5: one step departs by ~1e-3
        th2, w2, r = right(th, w, u)
        w3 = w2 + 0.5 * 1.5 * np.sin(th) * 0.05
        return th + w3 * 0.05, w3, r

    monkeypatch.setattr(pm, "pendulum_step", heavier)
    with pytest.raises(SystemExit, match="departs"):
        pm.check_twin()


def test_codings(pm) -> None:
    rng = np.random.default_rng(0)
    obs = np.stack([np.cos(a := rng.uniform(-np.pi, np.pi, 50)), np.sin(a), rng.uniform(-8, 8, 50)], 1)
    x = obs / pm.SCALE
    np.testing.assert_array_equal(pm.features(obs, "raw"), x)
    rect = pm.features(obs, "rectified")
    assert rect.min() >= 0 and np.all(rect[x < -0.25] == 0)  # a spike count never tells -0.3 from -1
    onoff = pm.features(obs, "onoff")
    np.testing.assert_allclose(onoff[:, :3] - onoff[:, 3:], x)
    pop = pm.features(obs, "population")
    assert pop.shape == (50, 15) and np.all(pop.reshape(50, 3, 5).argmax(2) == np.rint((x + 1) * 2))
    for c in pm.CODINGS:
        assert pm.features(obs, c).shape[1] == pm.n_features(c)


def test_hidden_units(pm) -> None:
    z = np.linspace(-2, 2, 401)
    np.testing.assert_array_equal(pm.hidden_units(z, "relu"), np.maximum(z, 0))
    counts = pm.hidden_units(z, "counts", ticks=6)
    assert set(np.round(counts * 6, 9)) == set(range(7))  # 0..6 spikes in 6 ticks
    assert np.all(np.diff(counts) >= 0) and np.all(counts <= np.maximum(z, 0) + 1e-12)
    np.testing.assert_array_equal(pm.hidden_units(-z, "tanh"), -pm.hidden_units(z, "tanh"))
    with pytest.raises(ValueError, match="unknown hidden"):
        pm.hidden_units(z, "sigmoid")


def test_tiny_run_through_main(pm, capsys) -> None:
    assert pm.main(["--coding", "raw", "--hidden", "tanh", "--seeds", "0", "--generations", "2", "--popsize", "8",
                    "--workers", "1"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("| raw")]
    assert len(rows) == 1
    value = float(rows[0].split("|")[5])
    assert -16.3 * 200 <= value <= 0  # a Pendulum return: 200 steps of cost at most pi^2 + 6.4 + 0.004
