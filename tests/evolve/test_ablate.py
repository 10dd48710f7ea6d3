"""`devo ablate`: the paired statistics against reference values, knock-outs that apply or say
why not, and the real command writing its table, JSON and picture."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from devo.cli import main
from devo.evolve.ablate import KNOCKOUTS, ablate_genome, ablation_paths, paired_interval, t_quantile
from devo.evolve.evaluate import eval_seed
from devo.experiment import experiment_to_dict, lifetime_hash
from devo.genome_io import load_genome, save_genome
from devo.lifetime import Evaluator
from tests.evolve.helpers import tiny

# Student's t, 0.975 quantile (tables)
T975 = {5: 2.5706, 10: 2.2281, 20: 2.0860, 29: 2.0452, 100: 1.9840}


@pytest.mark.parametrize(("dof", "value"), sorted(T975.items()))
def test_t_quantile_matches_the_table(dof: int, value: float) -> None:
    assert t_quantile(0.975, dof) == pytest.approx(value, abs=2e-3)


def test_paired_interval_is_the_t_interval_of_the_differences() -> None:
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    mean, lo, hi = paired_interval(d)
    half = 2.2281 * d.std(ddof=1) / math.sqrt(d.size)
    assert mean == 6.0 and lo == pytest.approx(6.0 - half, abs=1e-2) and hi == pytest.approx(6.0 + half, abs=1e-2)
    assert paired_interval(np.zeros(5)) == (0.0, 0.0, 0.0)


def _genome_file(tmp_path, **changes):
    exp = tiny(tmp_path / "runs", **changes)
    ev = Evaluator(exp)
    rng = np.random.default_rng(0)
    g = ev.initial_genome(3) + 0.2 * rng.standard_normal(ev.genome_size).astype(np.float32)
    path = tmp_path / "g.npz"
    save_genome(path, g, {"lifetime_hash": lifetime_hash(exp), "env": exp.task.env, "config": experiment_to_dict(exp)})
    return exp, path


def test_knockouts_pair_lifetimes_and_say_when_they_do_not_apply(tmp_path) -> None:
    exp, path = _genome_file(tmp_path, develop__structural=False, lifetime__activity_reset="step")
    rep = ablate_genome(exp, load_genome(path), lifetimes=4)
    rows = {c.name: c for c in rep.conditions}
    assert list(rows) == ["intact", *KNOCKOUTS]
    assert not rows["no_structural_life"].applicable and "off" in rows["no_structural_life"].reason
    assert not rows["reset_step"].applicable and "already" in rows["reset_step"].reason
    for name in ("frozen", "no_plastic_weights", "no_spontaneous", "no_neurogenesis"):
        c = rows[name]
        assert c.applicable and set(c.diff) == {"mean", "low", "high"}
        assert c.diff["low"] <= c.diff["mean"] <= c.diff["high"]
        assert c.diff["mean"] == pytest.approx(c.fitness["mean"] - rows["intact"].fitness["mean"], abs=1e-9)
    # the intact row is devo eval's: the same seeds give the same lifetimes
    from devo.evolve.evaluate import evaluate_genome

    ev = evaluate_genome(exp, load_genome(path), lifetimes=4)
    assert rows["intact"].fitness["mean"] == pytest.approx(ev.fitness["mean"])


def test_frozen_knockout_of_a_frozen_genome_is_not_applicable(tmp_path) -> None:
    exp, path = _genome_file(tmp_path, develop__plasticity="frozen")
    rep = ablate_genome(exp, load_genome(path), lifetimes=3, knockouts=["frozen", "no_plastic_weights"])
    assert [c.applicable for c in rep.conditions] == [True, False, False]
    assert "frozen already" in rep.conditions[1].reason and "frozen family" in rep.conditions[2].reason


def test_ablate_command_writes_table_json_and_picture(tmp_path, capsys) -> None:
    _, path = _genome_file(tmp_path)
    assert main(["ablate", str(path), "--lifetimes", "3", "--only", "frozen", "no_spontaneous"]) == 0
    out = capsys.readouterr().out
    assert "frozen" in out and "no_spontaneous" in out and "interval" in out
    json_path, png_path = ablation_paths(path)
    assert json_path.name == "g.ablation.json" and png_path.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(json_path.read_text())
    assert [c["name"] for c in data["conditions"]] == ["intact", "frozen", "no_spontaneous"]
    assert main(["ablate", str(path), "--lifetimes", "1"]) == 2
    assert "--lifetimes must be >= 2" in capsys.readouterr().err


def test_report_json_has_no_nan() -> None:
    from devo.evolve.ablate import AblationReport, Condition

    c = Condition("frozen", "x", True, fitness={"mean": math.nan, "std": math.nan},
                  diff={"mean": 1.0, "low": -math.inf, "high": math.inf})
    data = json.loads(AblationReport("g", "e", 2, 1, 0, 0.95, [c]).to_json())
    assert data["conditions"][0]["fitness"]["mean"] is None and data["conditions"][0]["diff"]["low"] is None


def test_damage_split_pools_episodes_around_each_lifetimes_own_damage_episode() -> None:
    from devo.evolve.evaluate import damage_split, format_damage

    recs = [
        {"returns": [100.0, 10.0, 90.0, 80.0]},  # damage at 1: before 100, first 10, later 90 80
        {"returns": [120.0, 110.0, 5.0, 15.0]},  # damage at 2
        {"returns": [1.0, 1.0, 1.0, 1.0], "nan": True},  # a failed lifetime counts nowhere
        {"returns": [7.0, 8.0, 9.0, 10.0]},  # damage at 0: no episode before it
    ]
    s = damage_split(recs, [1, 2, 0, 0])
    assert s["before"]["n"] == 3 and s["before"]["mean"] == pytest.approx(110.0)
    assert s["first"]["n"] == 3 and s["first"]["mean"] == pytest.approx((10 + 5 + 7) / 3)
    assert s["later"]["n"] == 6 and s["later"]["mean"] == pytest.approx((90 + 80 + 15 + 8 + 9 + 10) / 6)
    assert s["recovery"] == pytest.approx(s["later"]["mean"] / 110.0)
    assert "first damaged episode" in format_damage(s) and "later / before" in format_damage(s)
    assert damage_split(recs, [None] * 4) is None
    only_first = damage_split([{"returns": [3.0, 4.0]}], [1])
    assert only_first["later"]["n"] == 0 and only_first["recovery"] is None


def test_eval_and_ablate_split_returns_at_the_damage(tmp_path, capsys) -> None:
    """`devo eval` and `devo ablate` of a genome on a damaged task report the split, equal to the
    one made by hand from the lifetimes' returns and the task's own draws."""
    from devo.evolve.evaluate import damage_split, evaluate_genome, run_lifetimes
    from devo.lifetime import Evaluator

    exp, path = _genome_file(
        tmp_path, task__damage="permute_actions", task__kwargs={"damage_episodes": [0, 2]}, lifetime__n_episodes=3
    )
    gf = load_genome(path)
    rep = evaluate_genome(exp, gf, lifetimes=6)
    ev = Evaluator(exp)
    seeds = [eval_seed(0, i) for i in range(6)]
    firsts = [ev.damage_episode(s) for s in seeds]
    by_hand = damage_split(run_lifetimes(exp, gf.genome, seeds), firsts)
    assert rep.damage["what"] == "permute_actions from a random episode in 0..2"
    parts = ("before", "first", "later")
    assert {k: rep.damage[k] for k in parts} == {k: by_hand[k] for k in parts}
    assert rep.damage["first"]["n"] == 6 and rep.damage["before"]["n"] == sum(firsts)
    assert "each lifetime split at its own damage episode" in rep.format_text()
    assert main(["ablate", str(path), "--lifetimes", "6", "--only", "frozen"]) == 0
    out = capsys.readouterr().out
    assert "mid-life damage" in out and "later damaged" in out
    data = json.loads(ablation_paths(path)[0].read_text())
    assert data["conditions"][0]["damage"]["before"] == by_hand["before"]
    # without damage there is no split
    (tmp_path / "b").mkdir()
    exp2, path2 = _genome_file(tmp_path / "b")
    assert evaluate_genome(exp2, load_genome(path2), lifetimes=2).damage is None


def test_no_shaping_knockout_lives_as_the_genome_without_shaping(tmp_path) -> None:
    """Knocking out the modulator's shaping (its potential set to 0) gives, lifetime for lifetime,
    the genome without the potential block under the config without shaping."""
    from dataclasses import replace

    from devo.evolve.evaluate import evaluate_genome
    from devo.genome_io import GenomeFile

    exp, path = _genome_file(tmp_path, develop__shaping=True, lifetime__n_episodes=2)
    gf = load_genome(path)
    ev = Evaluator(exp)
    a, b = ev.spec.offsets["mod.potential"]
    assert b == gf.genome.size  # the last block
    gf.genome[a:b] = np.random.default_rng(1).normal(0, 2, b - a)
    rep = ablate_genome(exp, gf, lifetimes=4, knockouts=["no_shaping"])
    rows = {c.name: c for c in rep.conditions}
    assert rows["no_shaping"].applicable
    plain = replace(exp, develop=replace(exp.develop, shaping=False))
    short = GenomeFile(gf.genome[:a].copy(), {**gf.meta, "lifetime_hash": lifetime_hash(plain)})
    without = evaluate_genome(plain, short, lifetimes=4)
    assert rows["no_shaping"].fitness["mean"] == pytest.approx(without.fitness["mean"], abs=1e-9)
    per_episode = [e["mean"] for e in without.per_episode]
    assert [e["mean"] for e in rows["no_shaping"].per_episode] == pytest.approx(per_episode)
    (tmp_path / "b").mkdir()
    exp2, path2 = _genome_file(tmp_path / "b")
    rep2 = ablate_genome(exp2, load_genome(path2), lifetimes=2, knockouts=["no_shaping"])
    assert not rep2.conditions[1].applicable and "no shaping" in rep2.conditions[1].reason
