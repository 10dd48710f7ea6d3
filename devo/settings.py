"""Config sections of one lifetime: the task, the network's capacity and neurons, the
developmental program, and how episodes make a fitness.

Each section is a frozen dataclass; :mod:`devo.config` loads them from TOML with errors that
name the key. Every field carries ``help`` (shown by ``devo run --help-config``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from devo.config import option as _f
from devo.errors import DevoError


@dataclass(frozen=True)
class TaskConfig:
    """Which environment a lifetime lives in."""

    env: str = _f("CartPole-v1", "registry name, Gymnasium id, 'module:Class' or 'module:factory'")
    kwargs: dict = _f({}, "keyword arguments passed to the environment factory")
    native: bool = _f(True, "use the compiled fast path when the task has one")
    damage: str = _f("", "mid-life damage: '', 'permute_actions' or 'flip_obs'")
    max_episode_steps: int = _f(0, "episode horizon; 0 = the task's own", min=0)

    def make_kwargs(self) -> dict:
        """The keyword arguments of ``make_task(env, **...)`` this section asks for: ``kwargs``
        plus ``damage``, ``max_episode_steps`` and ``native`` where set."""
        kw = dict(self.kwargs)
        if self.damage:
            kw["damage"] = self.damage
        if self.max_episode_steps:
            kw["max_episode_steps"] = self.max_episode_steps
        kw["native"] = self.native
        return kw


@dataclass(frozen=True)
class NetworkConfig:
    """Capacity, neurons, and the observation/action interface of the grown network."""

    max_neurons: int = _f(64, "neuron capacity, inputs and outputs included", min=2)
    max_synapses: int = _f(2048, "synapse capacity", min=1)
    max_degree: int = _f(0, "bound on synapses into / out of one neuron; 0 = max_neurons", min=0)
    seed_hidden: int = _f(4, "hidden seed cells at birth", min=0)
    init_density: float = _f(0.1, "fraction of allowed synapses present at birth", min=0.0, max=1.0)
    allow_input_output: bool = _f(False, "allow input -> output synapses")
    ticks_per_step: int = _f(4, "LIF ticks per env step (K)", min=1)
    weight_max: float = _f(2.0, "largest synaptic weight magnitude", min=0.0)
    tau_m: float = _f(8.0, "membrane time constant (ticks)", min=0.0)
    threshold: float = _f(1.0, "firing threshold", min=1e-6)
    refractory: int = _f(1, "refractory period (ticks)", min=0)
    tau_adapt: float = _f(50.0, "threshold-adaptation time constant (ticks)", min=0.0)
    adapt_increment: float = _f(0.0, "threshold jump per spike; 0 = plain LIF", min=0.0)
    tau_pre: float = _f(4.0, "presynaptic trace time constant (ticks)", min=0.0)
    tau_post: float = _f(4.0, "postsynaptic trace time constant (ticks)", min=0.0)
    tau_elig: float = _f(20.0, "eligibility time constant (ticks)", min=0.0)
    tau_rate: float = _f(40.0, "firing-rate estimate time constant (ticks)", min=0.0)
    encoder: Literal["current", "poisson", "latency", "population"] = _f("current", "observation encoder")
    population: int = _f(5, "neurons per observation value (population encoder)", min=2)
    decoder: Literal["auto", "count", "first_spike", "count_diff", "membrane", "binary"] = _f(
        "auto", "action decoder; auto = count (discrete), count_diff (box), binary (multibinary)"
    )
    ties: Literal["first", "random"] = _f(
        "first", "discrete actions: exact ties between outputs (none fired and none got input) go to the first "
        "output (action 0) or to a uniform draw"
    )
    normalization: Literal["auto", "bounds", "running", "raw"] = _f(
        "auto", "observation normalisation; auto = bounds where finite, running statistics elsewhere"
    )
    running_centre: bool = _f(
        True, "running statistics subtract the running mean; false scales by the running root mean square "
        "only, so a value that settles away from zero (a steady drift) stays visible",
        hash_default=True,
    )


@dataclass(frozen=True)
class DevelopConfig:
    """The developmental program: which rules run, on which clocks, with which ablations."""

    plasticity: Literal["learned", "rstdp", "hebbian", "frozen"] = _f(
        "learned", "lifetime plasticity family (development always uses the learned rules)"
    )
    dev_steps: int = _f(24, "developmental steps before spontaneous activity (T_dev)", min=0)
    sa_steps: int = _f(48, "spontaneous-activity steps before the first episode (T_sa)", min=0)
    structural: bool = _f(True, "structural plasticity (synapse addition and pruning)")
    structural_during: Literal["lifetime", "development"] = _f(
        "lifetime", "structural plasticity all life, or only during development and spontaneous activity"
    )
    plastic_weights: bool = _f(
        True, "learned family: the plastic weight component H during episodes (false keeps H = 0)"
    )
    shaping: bool = _f(
        False,
        "modulator: the reward plus an evolved potential-based shaping term phi(x') - phi(x), phi quadratic in "
        "the normalised observation (genome block mod.potential; learned and rstdp families)",
        hash_default=True,
    )
    freeze_after_development: bool = _f(
        False, "no rule runs during episodes, whatever the family (the network as development left it)"
    )
    spontaneous: bool = _f(True, "spontaneous activity before the first episode")
    neurogenesis: bool = _f(True, "neuron division")
    structural_every: int = _f(8, "env steps between structural-plasticity steps in the lifetime", min=1)
    node_every: int = _f(2, "env steps between node-rule updates in the lifetime", min=1)
    candidates: int = _f(2, "candidate partners each neuron proposes per structural step", min=0)
    neighbourhood: int = _f(8, "a neuron proposes partners among its this many nearest allowed neurons", min=1)
    growth_budget: int = _f(48, "most divisions in one lifetime", min=0)
    growth_during: Literal["development", "lifetime"] = _f(
        "development", "divisions only during development, or all life"
    )
    inheritance: Literal["none", "connect", "copy"] = _f(
        "connect", "child's synapses: none, one from the parent, or copies of the parent's"
    )
    child_distance: float = _f(0.1, "distance of a child from its parent", min=0.0)

    def __post_init__(self) -> None:
        if self.shaping and self.plasticity not in ("learned", "rstdp"):
            raise ValueError(
                f"develop.shaping feeds the modulator, which the {self.plasticity} family does not read; "
                "set develop.shaping = false, or plasticity = 'learned' or 'rstdp'"
            )


@dataclass(frozen=True)
class LifetimeConfig:
    """How many episodes one lifetime lasts and how their returns make a fitness."""

    n_episodes: int = _f(3, "episodes per lifetime, without resetting the network", min=1)
    fitness: Literal["mean", "last", "weighted"] = _f("mean", "aggregate of episode returns")
    activity_reset: Literal["never", "episode", "trial", "step"] = _f(
        "never",
        "restart membrane potentials, adaptation and traces (never synapses) at each episode, each trial "
        "of a task with trials (compiled Foraging-v0; else each episode) or each env step (LNDP's protocol)",
    )
    last_k: int = _f(1, "episodes averaged by fitness = 'last'", min=1)
    weights: list[float] = _f([], "per-episode weights for fitness = 'weighted' (normalised)")

    def __post_init__(self) -> None:
        if self.fitness == "weighted" and len(self.weights) != self.n_episodes:
            raise ValueError(
                f"fitness = 'weighted' needs one weight per episode: {self.n_episodes} episodes, "
                f"{len(self.weights)} weights"
            )
        if self.last_k > self.n_episodes:
            raise ValueError(f"last_k ({self.last_k}) exceeds n_episodes ({self.n_episodes})")


def with_episodes(setup: Any, episodes: int) -> Any:
    """A copy of ``setup`` (an ``Experiment`` or any setup with a ``lifetime`` section) whose
    lifetimes have ``episodes`` episodes; a fitness tied to the old count (``weighted``, ``last_k``)
    becomes the mean. ``devo eval --episodes``, ``devo inspect --episodes``, ``grow(episodes=...)``."""
    if episodes < 1:
        raise DevoError(f"--episodes must be >= 1, got {episodes}")
    lt = setup.lifetime
    if lt.n_episodes == episodes:
        return setup
    try:
        lt = replace(lt, n_episodes=episodes)
    except ValueError:  # weighted fitness or last_k tied to the old episode count: irrelevant here
        lt = replace(lt, n_episodes=episodes, fitness="mean", last_k=1, weights=[])
    return replace(setup, lifetime=lt)
