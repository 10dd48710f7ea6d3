"""The experiment config: validation that names the key, TOML round trip, lifetime hash."""

from __future__ import annotations

import pytest

from devo.config import ConfigError
from devo.evolve.searchers import SEARCHERS
from devo.experiment import (
    Experiment,
    experiment_from_dict,
    experiment_to_toml,
    lifetime_hash,
    load_experiment,
)


def test_defaults_are_valid_and_round_trip_through_toml(tmp_path) -> None:
    exp = Experiment()
    p = tmp_path / "c.toml"
    p.write_text(experiment_to_toml(exp))
    assert load_experiment(p) == exp


def test_resolved_config_shows_every_searcher_parameter() -> None:
    exp = experiment_from_dict({"search": {"algorithm": "pgpe", "params": {"center_learning_rate": 0.2}}})
    assert exp.search.params["center_learning_rate"] == 0.2
    assert exp.search.params["optimizer"] == "clipup"  # default filled in
    assert exp.search.hyper().center_learning_rate == 0.2


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"search": {"popsiz": 8}}, "unknown key 'search.popsiz'"),
        ({"search": {"algorithm": "adam"}}, "search.algorithm"),
        ({"search": {"popsize": 1}}, "search.popsize: must be >= 2"),
        ({"search": {"stdev_init": 0.0}}, "search.stdev_init"),
        ({"search": {"algorithm": "pgpe", "popsize": 7}}, "even popsize"),
        ({"search": {"algorithm": "cmaes", "params": {"c_mm": 1.0}}}, "unknown key 'search.params.c_mm'"),
        ({"search": {"algorithm": "ga", "params": {"crossover": "three_point"}}}, "search.params.crossover"),
        ({"run": {"generations": -3}}, "run.generations: must be >= 1"),
        ({"run": {"trials": 0}}, "run.trials"),
        ({"run": {"workers": -2}}, "run.workers"),
        ({"run": {"checkpoint_every": 0}}, "run.checkpoint_every"),
        ({"seed": -1}, "seed: must be >= 0"),
        ({"name": "a/b"}, "name"),
        ({"nme": "x"}, "Did you mean 'name'"),
    ],
)
def test_bad_values_name_the_key(data, needle) -> None:
    with pytest.raises(ConfigError) as err:
        experiment_from_dict(data)
    assert needle in str(err.value)


def test_unknown_searcher_lists_the_table() -> None:
    with pytest.raises(ConfigError) as err:
        experiment_from_dict({"search": {"algorithm": "nsga2"}})
    for name in SEARCHERS:
        assert repr(name) in str(err.value)


def test_cli_shortcuts_and_overrides(tmp_path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('name = "x"\n[search]\npopsize = 10\n')
    exp = load_experiment(p, ["search.popsize=12", "run.trials=3"], seed=5, generations=9, workers=0, out="o")
    assert (exp.search.popsize, exp.run.trials, exp.seed, exp.run.generations, exp.run.workers, exp.run.out) == (
        12, 3, 5, 9, 0, "o",
    )  # fmt: skip


def test_malformed_toml_names_the_file(tmp_path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[search\npopsize = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_experiment(p)


def test_lifetime_hash_ignores_search_and_run_but_not_the_task() -> None:
    a = Experiment()
    b = experiment_from_dict({"search": {"popsize": 64}, "run": {"trials": 5}, "seed": 3, "name": "other"})
    c = experiment_from_dict({"task": {"env": "Acrobot-v1"}})
    assert lifetime_hash(a) == lifetime_hash(b)
    assert lifetime_hash(a) != lifetime_hash(c)


def test_a_field_added_later_hashes_only_when_set_away_from_its_default() -> None:
    """`network.running_centre` came after genomes and campaign records were committed: left at its
    default it changes neither hash (their files stay valid); set, it changes both."""
    import hashlib
    import json

    from devo.campaign.spec import config_hash
    from devo.config import to_dict

    a = Experiment()
    b = experiment_from_dict({"network": {"running_centre": True}})
    c = experiment_from_dict({"network": {"running_centre": False}})
    assert lifetime_hash(a) == lifetime_hash(b) != lifetime_hash(c)
    assert config_hash(a) == config_hash(b) != config_hash(c)
    # the hash of a config written before the fields added later existed (running_centre, shaping)
    import dataclasses

    before = {k: to_dict(getattr(a, k)) for k in ("task", "network", "develop", "lifetime")}
    later = {(k, f.name) for k in before for f in dataclasses.fields(getattr(a, k)) if f.metadata.get("hash_default")}
    assert {("network", "running_centre"), ("develop", "shaping")} <= later
    for k, name in later:
        del before[k][name]
    blob = json.dumps(before, sort_keys=True, default=str).encode()
    assert lifetime_hash(a) == hashlib.sha256(blob).hexdigest()[:16]
    assert "running_centre" in to_dict(a)["network"]  # the resolved config still shows it
    s = experiment_from_dict({"develop": {"shaping": True}})
    assert lifetime_hash(s) != lifetime_hash(a) and config_hash(s) != config_hash(a)


def test_running_centre_picks_the_normalisation_of_unbounded_values() -> None:
    from devo.lifetime.evaluator import Evaluator
    from devo.snn import normalize as NZ

    # CartPole-v1: position and angle bounded, both velocities unbounded
    centred = Evaluator(experiment_from_dict({"task": {"env": "CartPole-v1"}}))
    scaled = Evaluator(experiment_from_dict({"task": {"env": "CartPole-v1"}, "network": {"running_centre": False}}))
    assert centred.norm_mode.tolist() == [NZ.BOUNDS, NZ.RUNNING, NZ.BOUNDS, NZ.RUNNING]
    assert scaled.norm_mode.tolist() == [NZ.BOUNDS, NZ.SCALE, NZ.BOUNDS, NZ.SCALE]
    forced = Evaluator(experiment_from_dict(
        {"task": {"env": "CartPole-v1"}, "network": {"running_centre": False, "normalization": "running"}}
    ))
    assert forced.norm_mode.tolist() == [NZ.SCALE] * 4


def test_search_init_round_trips_with_dotted_block_names(tmp_path) -> None:
    """`syn.gain` is one genome block: written quoted, read back whole; TOML's nested reading of an
    unquoted `syn.gain = [...]` means the same."""
    import tomllib

    from devo.experiment import experiment_from_dict, experiment_to_toml

    exp = experiment_from_dict({"search": {"init": {"syn.gain": [1.0, 0.3, 1.0, 1.0], "edge.bias": 0.5}}})
    text = experiment_to_toml(exp)
    assert '"syn.gain" = [1.0, 0.3, 1.0, 1.0]' in text
    assert experiment_from_dict(tomllib.loads(text)).search.init == exp.search.init
    nested = tomllib.loads("[search.init]\nsyn.gain = [1.0, 0.3, 1.0, 1.0]\nedge.bias = 0.5\n")
    assert experiment_from_dict(nested).search.init == exp.search.init
