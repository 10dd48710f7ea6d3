"""GenomeSpec: blocks <-> flat vector, sizes, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devo.develop.rules import genome_spec, rules_from_genome
from devo.genome import Block, GenomeSpec
from devo.settings import DevelopConfig, NetworkConfig


def test_flatten_unflatten_round_trip() -> None:
    spec = genome_spec(NetworkConfig(), DevelopConfig(), 4)
    g = spec.initial(3)
    parts = spec.unflatten(g)
    assert list(parts) == [b.name for b in spec.blocks]
    np.testing.assert_array_equal(spec.flatten(parts), g)
    assert parts["node.wx"].shape == (24, 19)
    assert rules_from_genome(spec, g).gru_wx.shape == (19, 24)  # transposed for the kernel
    parts["mod"][:] = 7.0
    assert (spec.flatten(parts)[slice(*spec.offsets["mod"])] == 7.0).all()
    assert (g[slice(*spec.offsets["mod"])] != 7.0).all()  # unflatten works on a copy


@given(max_neurons=st.integers(8, 512), obs_dim=st.integers(1, 12))
def test_size_independent_of_capacity_and_grows_with_obs_only_through_sa(max_neurons: int, obs_dim: int) -> None:
    base = genome_spec(NetworkConfig(), DevelopConfig(), 1).size
    spec = genome_spec(NetworkConfig(max_neurons=max_neurons), DevelopConfig(), obs_dim)
    sa = 2 * obs_dim + obs_dim * (obs_dim + 1) // 2
    assert spec.size == base - 3 + sa


def test_family_blocks() -> None:
    learned = genome_spec(NetworkConfig(), DevelopConfig(), 4)
    rstdp = genome_spec(NetworkConfig(), DevelopConfig(plasticity="rstdp"), 4)
    hebb = genome_spec(NetworkConfig(), DevelopConfig(plasticity="hebbian"), 4)
    frozen = genome_spec(NetworkConfig(), DevelopConfig(plasticity="frozen"), 4)
    # learned: the plastic weight component (4 x 5 coefficients and a decay logit)
    assert learned.size == frozen.size + 21
    assert rstdp.size == frozen.size + 3 and hebb.size == frozen.size + 20
    assert rules_from_genome(hebb, hebb.initial()).hebb.shape == (4, 5)
    assert rules_from_genome(learned, learned.initial()).rstdp.shape == (0,)
    assert not rules_from_genome(frozen, frozen.initial()).plastic.any()


def test_wrong_length_names_both_lengths() -> None:
    spec = genome_spec(NetworkConfig(), DevelopConfig(), 4)
    with pytest.raises(ValueError, match=f"length 10, but .* length {spec.size}"):
        spec.check(np.zeros(10))
    with pytest.raises(ValueError, match="1-D"):
        spec.check(np.zeros((2, spec.size)))


def test_initial_is_deterministic_and_seed_dependent() -> None:
    spec = genome_spec(NetworkConfig(), DevelopConfig(), 4)
    np.testing.assert_array_equal(spec.initial(1), spec.initial(1))
    assert not np.array_equal(spec.initial(1), spec.initial(2))
    assert spec.initial(0).dtype == np.float32


def test_describe_and_fingerprint() -> None:
    spec = genome_spec(NetworkConfig(), DevelopConfig(), 4)
    text = spec.describe()
    assert "node.wx" in text and "24x19" in text and "total" in text and str(spec.size) in text
    assert spec.fingerprint() == genome_spec(NetworkConfig(max_neurons=99), DevelopConfig(), 4).fingerprint()
    assert spec.fingerprint() != genome_spec(NetworkConfig(), DevelopConfig(plasticity="rstdp"), 4).fingerprint()


def test_block_validation() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        GenomeSpec([Block("a", (2,)), Block("a", (3,))])
    spec = GenomeSpec([Block("a", (2,), "values", values=(1.0, 2.0)), Block("b", (2, 3), "const", 0.5)])
    np.testing.assert_array_equal(spec.initial(), [1, 2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="missing"):
        spec.flatten({"a": np.zeros(2)})
