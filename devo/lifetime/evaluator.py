"""One lifetime: develop -> spontaneous activity -> episodes; returns fitness and statistics.

``Evaluator(setup)`` builds, once per process, everything that does not depend on the genome: the
task, the genome layout, the packed configuration. Then ``evaluator(genome, seed)`` lives one
life (DESIGN.md §4):

1. birth: seed cells (all inputs, all outputs, a few hidden) and an initial reservoir;
2. development for ``dev_steps`` steps, then spontaneous activity for ``sa_steps`` steps;
3. ``n_episodes`` episodes without resetting the network; each env step is sense -> K ticks ->
   act -> learn (:mod:`devo.lifetime.step`).

For native tasks the whole lifetime runs in one compiled call; a Python environment gets one
compiled call per env step. The fitness aggregates the episode returns (mean, last-k, or
weighted). A NaN or inf genome, a non-finite observation or reward, a misbehaving environment, or
a non-finite network state gives :data:`WORST_FITNESS` and ``nan=True``, never an exception.
Every random draw derives from ``seed``: the same genome and seed give the same lifetime, bit for
bit, in any process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from devo.develop import agent as A
from devo.develop.dims import E_DIM, H_DIM
from devo.develop.rules import RulesBuffer, fill_rules, genome_spec, rules_buffer, rules_from_genome
from devo.environments.damage import first_damaged_episode
from devo.environments.spec import ACTION_CODES
from devo.errors import ConfigError
from devo.genome import GenomeSpec
from devo.lifetime import batch as B
from devo.lifetime import record as REC
from devo.lifetime.fpmode import keep_callers_mode
from devo.lifetime.session import box_step, make_box
from devo.lifetime.step import (
    PY_ACT,
    PY_BIRTH,
    PY_LEARN,
    PY_LEARN_ACT,
)
from devo.rng import derive_seed, rng_from_seed, seed_states
from devo.settings import DevelopConfig, LifetimeConfig, NetworkConfig, TaskConfig
from devo.snn import decoders as D
from devo.snn import encoders as E
from devo.snn import normalize as NZ
from devo.snn import state as S
from devo.snn.params import NeuronParams, TraceParams
from devo.snn.snapshot import NetworkSnapshot

WORST_FITNESS = -1e9
# the random streams of lifetime ``seed``: derive_seed(seed, AGENT_STREAM) seeds the agent's random
# state (development, structural draws), derive_seed(seed, TASK_STREAM) the task's (see _task_seed)
AGENT_STREAM = 1
TASK_STREAM = 2


class LifetimeSetup(Protocol):
    """Anything with the four lifetime sections (an ``Experiment`` is one)."""

    task: TaskConfig
    network: NetworkConfig
    develop: DevelopConfig
    lifetime: LifetimeConfig


@dataclass
class LifetimeResult:
    """What one lifetime produced. ``nan`` flags a blow-up or a misbehaving environment (then
    ``fitness`` is :data:`WORST_FITNESS` and ``error`` says why)."""

    fitness: float
    returns: list[float] = field(default_factory=list)  # one per episode
    lengths: list[int] = field(default_factory=list)  # steps per episode
    env_steps: int = 0
    spikes: int = 0
    neurons: int = 0
    synapses: int = 0
    added: int = 0
    pruned: int = 0
    divisions: int = 0
    refused: int = 0
    nan: bool = False
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)  # fields in order (dataclasses.asdict, without its deep copy of scalars)
        d["returns"] = list(self.returns)
        d["lengths"] = list(self.lengths)
        return d


@dataclass
class Recording:
    """What a recorded lifetime saw, for inspection (:mod:`devo.inspect`)."""

    result: LifetimeResult
    columns: tuple[str, ...]  # names of the columns of ``steps``
    steps: np.ndarray  # float64[T, len(columns)] one row per step (phase, episode, counts, ...)
    counts: np.ndarray  # uint8[T, N] spikes per neuron per step
    inputs: np.ndarray  # float32[T, d] normalised input per step
    raster: np.ndarray  # uint8[T * K, N] spikes per tick
    ticks_per_step: int
    snapshots: list[tuple[int, NetworkSnapshot]]  # (step, snapshot) from birth to the end of life
    stages: dict[str, NetworkSnapshot]  # "development", "spontaneous", "final"

    def column(self, name: str) -> np.ndarray:
        return self.steps[:, self.columns.index(name)]


def aggregate(returns: list[float], cfg: LifetimeConfig) -> float:
    """The fitness of a lifetime from its episode returns."""
    r = np.asarray(returns, np.float64)
    if cfg.fitness == "mean":
        return float(r.mean())
    if cfg.fitness == "last":
        return float(r[-cfg.last_k :].mean())
    w = np.asarray(cfg.weights, np.float64)
    return float((w * r).sum() / w.sum())


def io_layout(encoder: E.EncoderSpec, obs_dim: int, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """Birth positions of the input and output neurons, so a position says what a neuron means.

    Input neuron for observation value ``k`` (of ``d``): y = -1 + 2 (k + 1/2) / d; x = -1, or for a
    population code with ``M`` fields, x = -1 + 0.5 m / (M - 1) for field ``m`` (centre
    -1 + 2 m / (M - 1)). Output ``j`` (of ``n``): x = +1, y = -1 + 2 (j + 1/2) / n. The developmental
    rules see positions (seed states and the node rule), so they can treat inputs and outputs
    differently by what they carry.
    """
    per = encoder.population if encoder.kind == "population" else 1
    in_xy = np.zeros((obs_dim * per, 2), np.float32)
    for k in range(obs_dim):
        for m in range(per):
            in_xy[k * per + m, 0] = -1.0 + (0.5 * m / (per - 1) if per > 1 else 0.0)
            in_xy[k * per + m, 1] = -1.0 + 2.0 * (k + 0.5) / obs_dim
    out_xy = np.zeros((n_outputs, 2), np.float32)
    out_xy[:, 0] = 1.0
    out_xy[:, 1] = -1.0 + 2.0 * (np.arange(n_outputs) + 0.5) / n_outputs
    return in_xy, out_xy


_DECODER_AUTO = {"discrete": "count", "box": "count_diff", "multibinary": "binary"}
_DECODER_FITS = {
    "discrete": ("count", "first_spike"),
    "box": ("count_diff", "membrane"),
    "multibinary": ("binary",),
}


class Evaluator:
    """Everything a lifetime needs that does not depend on the genome; then ``ev(genome, seed)``."""

    def __init__(self, setup: LifetimeSetup, task: Any = None) -> None:
        from devo.environments import make_task

        self.setup = setup
        net, dev, tc = setup.network, setup.develop, setup.task
        if task is None:
            task = make_task(tc.env, **tc.make_kwargs())
        self.task = task
        spec = task.spec
        self.native = bool(tc.native and spec.has_native)
        self._env = None
        self.obs_dim = spec.obs_dim
        self.encoder = E.EncoderSpec(kind=net.encoder, population=net.population)
        dec_name = _DECODER_AUTO[spec.action_kind] if net.decoder == "auto" else net.decoder
        if dec_name not in _DECODER_FITS[spec.action_kind]:
            raise ConfigError(
                f"network.decoder = {dec_name!r} cannot drive {spec.action_kind} actions of {spec.name}; "
                f"choose one of {', '.join(_DECODER_FITS[spec.action_kind])} or 'auto'"
            )
        self.decoder = D.KIND_NAMES[dec_name]
        self.n_inputs = self.encoder.n_neurons(self.obs_dim)
        self.n_outputs = D.n_output_neurons(self.decoder, spec.n_actions)
        self.in_xy, self.out_xy = io_layout(self.encoder, self.obs_dim, self.n_outputs)
        need = self.n_inputs + self.n_outputs + net.seed_hidden
        if need > net.max_neurons:
            raise ConfigError(
                f"network.max_neurons = {net.max_neurons} is too small for {spec.name}: it needs "
                f"{self.n_inputs} input + {self.n_outputs} output + {net.seed_hidden} seed hidden = {need} neurons"
            )
        self.spec: GenomeSpec = genome_spec(net, dev, self.obs_dim)
        self.horizon = int(spec.max_episode_steps)
        self.max_steps = dev.dev_steps + dev.sa_steps + setup.lifetime.n_episodes * self.horizon
        low, high = spec.obs_bounds()
        self.obs_low, self.obs_high = low, high
        unbounded = NZ.RUNNING if net.running_centre else NZ.SCALE
        if net.normalization == "auto":
            self.norm_mode = NZ.modes_for_bounds(low, high, unbounded)
        else:
            mode = NZ.MODE_NAMES[net.normalization]
            mode = unbounded if mode == NZ.RUNNING else mode
            if mode == NZ.BOUNDS and NZ.modes_for_bounds(low, high).any():
                raise ConfigError(
                    f"network.normalization = 'bounds' needs finite observation bounds, but {spec.name} "
                    f"has unbounded values; use 'auto' or 'running'"
                )
            self.norm_mode = np.full(self.obs_dim, mode, np.int8)
        self.act_low, self.act_high = spec.act_bounds()
        p = NeuronParams(
            tau_m=net.tau_m, threshold=net.threshold, refractory=net.refractory,
            tau_adapt=net.tau_adapt, adapt_increment=net.adapt_increment,
        ).vector()
        self.kind_params = np.stack([p, p, p]).astype(np.float32)
        self.trace_vec = TraceParams(
            tau_pre=net.tau_pre, tau_post=net.tau_post, tau_rate=net.tau_rate, tau_elig=net.tau_elig,
        ).vector()
        ci = np.zeros(A.C_N_CI, np.int64)
        ci[A.C_TICKS] = net.ticks_per_step
        ci[A.C_ENC] = self.encoder.code
        ci[A.C_DEC] = self.decoder
        ci[A.C_ACT_KIND] = ACTION_CODES[spec.action_kind]
        ci[A.C_FAMILY] = A.FROZEN if dev.freeze_after_development else A.FAMILIES[dev.plasticity]
        ci[A.C_STRUCTURAL] = int(dev.structural)
        ci[A.C_STRUCT_LIFE] = int(dev.structural_during == "lifetime")
        ci[A.C_PLASTIC] = int(dev.plastic_weights and dev.plasticity == "learned")
        ci[A.C_RESET] = A.RESETS[setup.lifetime.activity_reset]
        ci[A.C_TIES] = int(net.ties == "random")
        ci[A.C_NEUROGENESIS] = int(dev.neurogenesis)
        ci[A.C_SPONTANEOUS] = int(dev.spontaneous)
        ci[A.C_STRUCT_EVERY] = dev.structural_every
        ci[A.C_NODE_EVERY] = dev.node_every
        ci[A.C_CANDIDATES] = dev.candidates
        ci[A.C_GROWTH_BUDGET] = dev.growth_budget
        ci[A.C_GROWTH_LIFE] = int(dev.growth_during == "lifetime")
        ci[A.C_INHERIT] = A.INHERITANCE[dev.inheritance]
        ci[A.C_DEV_STEPS] = dev.dev_steps
        ci[A.C_SA_STEPS] = dev.sa_steps if dev.spontaneous else 0
        ci[A.C_HORIZON] = self.horizon
        ci[A.C_EPISODES] = setup.lifetime.n_episodes
        ci[A.C_SEED_HIDDEN] = net.seed_hidden
        ci[A.C_NEIGHBOURS] = dev.neighbourhood
        self.ci = ci
        cf = np.zeros(A.F_N_CF, np.float64)
        cf[A.F_WMAX] = net.weight_max
        cf[A.F_CHILD_DIST] = dev.child_distance
        cf[A.F_CLIP_SD] = 3.0
        cf[A.F_DEC_GAIN] = 1.0
        cf[A.F_INIT_DENSITY] = net.init_density
        self.cf = cf
        self._live: _Live | None = None  # state reused by every lifetime (allocated on first use)

    def _kernels(self) -> Any:
        """The compiled lifetime specialised for this task (:mod:`devo.lifetime.task_life`), looked up
        once per evaluator."""
        kernels = self.__dict__.get("_life")
        if kernels is None:
            from devo.lifetime.task_life import life_kernels

            kernels = self.__dict__["_life"] = life_kernels(self.task.spec)
        return kernels

    # ------------------------------------------------------------------ genome
    @property
    def genome_size(self) -> int:
        return self.spec.size

    def initial_genome(self, seed: int = 0) -> np.ndarray:
        """The initial search centre (see :meth:`devo.genome.GenomeSpec.initial`)."""
        return self.spec.initial(seed)

    # ------------------------------------------------------------------ lifetime
    def __call__(self, genome: np.ndarray, seed: int) -> LifetimeResult:
        return self.run(genome, seed)[0]

    def run(
        self, genome: np.ndarray, seed: int, record: bool = False, snap_every: int = 0
    ) -> tuple[LifetimeResult, Recording | None]:
        """Live one lifetime. With ``record``, also return a :class:`Recording` (snapshots every
        ``snap_every`` steps, 0 = only at birth and at the phase boundaries)."""
        if not record:
            return self.run_many(genome, [seed])[0], None
        g = self.spec.check(genome)  # wrong length: ValueError naming both lengths
        if not np.isfinite(g).all():
            return _non_finite_genome(), None
        net, ag, R, rec = self.prepare(g, seed, record, snap_every)
        n_ep = self.setup.lifetime.n_episodes
        returns = np.zeros((1, n_ep), np.float64)
        lengths = np.zeros((1, n_ep), np.int64)
        stats = np.zeros((1, B.N_STATS), np.int64)
        error = ""
        with keep_callers_mode():
            if self.native:
                tparams, tstate = self.task.native_buffers()
                env_rng = rng_from_seed(self._task_seed(seed))
                self._kernels().run_native(net, ag, R, rec, tparams, tstate, env_rng, returns[0], lengths[0])
            else:
                box = make_box(net, ag, R, rec)
                error = self._run_python(box, ag, seed, returns[0], lengths[0])
        B.lifetime_stats(net, ag, stats[0])
        self.last_state = net
        result = self._result(returns[0], lengths[0], stats[0], error)
        return result, _recording(result, rec, self.setup.network.ticks_per_step)

    def run_many(self, genome: np.ndarray, seeds: Sequence[int]) -> list[LifetimeResult]:
        """One lifetime of ``genome`` per seed, each as :meth:`run` without recording gives it.

        The state is allocated once per evaluator and reset in place between lifetimes
        (:mod:`devo.lifetime.batch`), the rules are shaped once per genome, and on a native task
        the whole list is one compiled call."""
        g = self.spec.check(genome)  # wrong length: ValueError naming both lengths
        if not np.isfinite(g).all():
            return [_non_finite_genome() for _ in seeds]
        live = self._live_state(g)
        k = len(seeds)
        n_ep = self.setup.lifetime.n_episodes
        returns = np.zeros((k, n_ep), np.float64)
        lengths = np.zeros((k, n_ep), np.int64)
        stats = np.zeros((k, B.N_STATS), np.int64)
        agent_rngs = seed_states(seeds, AGENT_STREAM)
        errors = [""] * k
        with keep_callers_mode():  # the compiled calls flush subnormals (fpmode); if one raises
            if self.native:
                env_rngs = seed_states(seeds, TASK_STREAM)  # rng_from_seed(self._task_seed(seed)) per seed
                self._kernels().run_native_batch(
                    live.box, live.params, live.tparams, live.tstate, agent_rngs, env_rngs,
                    returns, lengths, stats,
                )  # fmt: skip
            else:
                for q, seed in enumerate(seeds):
                    B.reset_box(live.box, agent_rngs[q])
                    errors[q] = self._run_python(live.box, live.ag, int(seed), returns[q], lengths[q])
                    B.box_stats(live.box, stats[q])
        self.last_state = live.net
        return [self._result(returns[q], lengths[q], stats[q], errors[q]) for q in range(k)]

    def _task_seed(self, seed: int) -> int:
        """The seed of lifetime ``seed``'s task: the compiled task's random state is seeded from
        ``derive_seed(seed, TASK_STREAM)``, a Python environment's ``begin_lifetime`` gets it
        modulo 2^32."""
        s = derive_seed(seed, TASK_STREAM)
        return s if self.native else s % (2**32)

    def damage_episode(self, seed: int) -> int | None:
        """The first damaged episode of lifetime ``seed`` as its task draws it (None without
        ``task.damage``), from the same task seed the lifetime uses."""
        d = self.task.damage
        if d is None:
            return None
        return first_damaged_episode(d, self._task_seed(seed))

    def _result(self, returns: np.ndarray, lengths: np.ndarray, stats: np.ndarray, error: str) -> LifetimeResult:
        """The :class:`LifetimeResult` of a lifetime from its returns, lengths and statistics."""
        bad = bool(stats[B.S_NAN]) or bool(error) or not stats[B.S_FINITE]
        ret = returns.tolist()
        fitness = WORST_FITNESS if bad else aggregate(ret, self.setup.lifetime)
        if bad and not error:
            error = "non-finite observation or reward" if stats[B.S_NAN] else "network state became non-finite"
        return LifetimeResult(
            fitness=fitness,
            returns=ret,
            lengths=lengths.tolist(),
            env_steps=int(stats[B.S_ENV_STEPS]),
            spikes=int(stats[B.S_SPIKES]),
            neurons=int(stats[B.S_NEURONS]),
            synapses=int(stats[B.S_SYNAPSES]),
            added=int(stats[B.S_ADDED]),
            pruned=int(stats[B.S_PRUNED]),
            divisions=int(stats[B.S_DIVISIONS]),
            refused=int(stats[B.S_REFUSED]),
            nan=bad,
            error=error,
        )

    def _live_state(self, g: np.ndarray) -> _Live:
        """The evaluator's reusable lifetime state (allocated on first use) with the rules of the
        checked genome ``g`` (shaped only when ``g`` differs from the last genome)."""
        live = self._live
        if live is None:
            net, ag, _, rec = self.prepare(self.initial_genome(), 0)
            buf = rules_buffer(self.spec)
            params, state = self.task.native_buffers() if self.native else (np.zeros(0), np.zeros(0))
            live = _Live(net, ag, rec, buf, make_box(net, ag, buf.rules, rec), params, params.copy(), state)
            self._live = live
        key = g.tobytes()
        if key != live.genome:
            R = fill_rules(live.rules, g)
            live.ag.kind_params[:, S.P_BIAS] = R.neuron_bias
            live.ag.enc_params[E.E_GAIN] = R.enc[0]
            live.ag.enc_params[E.E_OFFSET] = R.enc[1]
            live.genome = key
        return live

    def prepare(
        self, genome: np.ndarray, seed: int, record: bool = False, snap_every: int = 0
    ) -> tuple[S.NetState, A.Agent, Any, REC.Recorder]:
        """Allocate one lifetime's state for a checked genome: network, agent, rules,
        recorder (nothing is born yet). Used by :meth:`run` and by tests and benchmarks."""
        g = self.spec.check(genome)
        net_cfg = self.setup.network
        R = rules_from_genome(self.spec, g)
        net = S.allocate(
            net_cfg.max_neurons, net_cfg.max_synapses, net_cfg.max_degree or None,
            H_DIM, E_DIM, net_cfg.allow_input_output,
        )
        net.tp[:] = self.trace_vec
        kind_params = self.kind_params.copy()
        kind_params[:, S.P_BIAS] = R.neuron_bias
        enc = self.encoder.pack()
        enc[E.E_GAIN] = R.enc[0]
        enc[E.E_OFFSET] = R.enc[1]
        ci = self.ci.copy()
        ci[A.C_RECORD] = int(record)
        ci[A.C_SNAP_EVERY] = int(snap_every)
        ag = A.make_agent(
            ci, self.cf, rng_from_seed(derive_seed(seed, AGENT_STREAM)), kind_params, self.in_xy, self.out_xy,
            enc, self.obs_low, self.obs_high, self.norm_mode, self.act_low, self.act_high,
            net_cfg.max_neurons,
        )
        n_snap = 4 + (self.max_steps // snap_every + 1 if snap_every > 0 else 0)
        rec = REC.make_recorder(
            record, self.max_steps, net_cfg.ticks_per_step, net_cfg.max_neurons, net_cfg.max_synapses,
            H_DIM, E_DIM, self.obs_dim, n_snap,
        )
        return net, ag, R, rec

    def _run_python(self, box: Any, ag: A.Agent, seed: int, returns: np.ndarray, lengths: np.ndarray) -> str:
        """Episodes on a Python environment: one compiled call per env step on the boxed state
        (network, agent ``ag``, rules, recorder). Returns an error message ('' if none); the
        lifetime's development runs first, compiled."""
        from devo.environments import EpisodeError

        if self._env is None:
            self._env = self.task.make_env()
        env = self._env
        box_step(box, PY_BIRTH, 0.0, False, 0, 0, 0)
        kind = self.task.spec.action_kind
        try:
            env.begin_lifetime(self._task_seed(seed))
            for ep in range(len(returns)):
                obs = env.reset(derive_seed(seed, 3, ep) % (2**32))
                ag.obs[:] = obs
                spikes = box_step(box, PY_ACT, 0.0, False, ep, 0, 0)
                total, steps = 0.0, 0
                for t in range(self.horizon):
                    if spikes < 0:
                        ag.counters[A.K_NAN] = 1
                        break
                    if kind == "discrete":
                        action: Any = int(ag.action[0])
                    elif kind == "box":
                        action = ag.action.copy()
                    else:
                        action = ag.bits.copy()
                    obs, reward, terminated, truncated = env.step(action)
                    reward = float(reward)
                    if not math.isfinite(reward):
                        ag.counters[A.K_NAN] = 1
                        break
                    total += reward
                    steps += 1
                    if terminated or truncated or t == self.horizon - 1:
                        ag.obs[:] = obs  # the next observation, as in the compiled loop (shaping reads it)
                        box_step(box, PY_LEARN, reward, bool(terminated), ep, t, spikes)
                        break
                    ag.obs[:] = obs
                    spikes = box_step(box, PY_LEARN_ACT, reward, False, ep, t, spikes)
                returns[ep] = total
                lengths[ep] = steps
                if ag.counters[A.K_NAN]:
                    return "non-finite observation or reward"
        except (EpisodeError, ValueError) as exc:
            return f"environment failed: {exc}"
        return ""


def _non_finite_genome() -> LifetimeResult:
    return LifetimeResult(fitness=WORST_FITNESS, nan=True, error="genome holds NaN or inf")


@dataclass
class _Live:
    """An evaluator's reusable lifetime state (:meth:`Evaluator._live_state`)."""

    net: S.NetState
    ag: A.Agent
    rec: REC.Recorder
    rules: RulesBuffer
    box: Any  # LifeBox of net, ag, rules.rules, rec
    params: np.ndarray  # the native task's parameters (copied into tparams every lifetime)
    tparams: np.ndarray
    tstate: np.ndarray
    genome: bytes = b""  # the genome whose rules the buffer holds


def _snapshot_from(rec: REC.Recorder, k: int) -> NetworkSnapshot:
    n = np.flatnonzero(rec.snap_alive[k]).astype(np.int32)
    s = np.flatnonzero(rec.snap_s_alive[k]).astype(np.int32)
    return NetworkSnapshot(
        tick=int(rec.snap_tick[k]),
        neuron_id=n,
        kind=rec.snap_kind[k, n].copy(),
        pos=rec.snap_pos[k, n].copy(),
        v=rec.snap_v[k, n].copy(),
        threshold=rec.snap_thr[k, n].copy(),
        adapt=rec.snap_adapt[k, n].copy(),
        rate=rec.snap_rate[k, n].copy(),
        h=np.ascontiguousarray(rec.snap_h[k][:, n].T),
        synapse_id=s,
        src=rec.snap_src[k, s].copy(),
        dst=rec.snap_dst[k, s].copy(),
        weight=rec.snap_w[k, s].copy(),
        elig=rec.snap_elig[k, s].copy(),
        e=np.ascontiguousarray(rec.snap_e[k][:, s].T),
    )


def _recording(result: LifetimeResult, rec: REC.Recorder, ticks: int) -> Recording:
    rows = int(rec.rows[0])
    snaps = [(int(rec.snap_step[k]), _snapshot_from(rec, k)) for k in range(int(rec.snap_n[0]))]
    steps = rec.steps[:rows].copy()
    phase = steps[:, REC.R_PHASE] if rows else np.zeros(0)
    n_dev = int((phase == REC.PHASE_DEVELOP).sum())
    n_sa = int((phase == REC.PHASE_SPONTANEOUS).sum())
    by_step: dict[int, NetworkSnapshot] = {}
    for step, snap in snaps:
        by_step[step] = snap  # the last snapshot taken at a step wins
    stages = {}
    if n_dev in by_step:
        stages["development"] = by_step[n_dev]
    if n_dev + n_sa in by_step:
        stages["spontaneous"] = by_step[n_dev + n_sa]
    if snaps:
        stages["final"] = snaps[-1][1]
    return Recording(
        result=result,
        columns=REC.COLUMNS,
        steps=steps,
        counts=rec.counts[:rows].copy(),
        inputs=rec.inputs[:rows].copy(),
        raster=rec.raster[: rows * ticks].copy(),
        ticks_per_step=ticks,
        snapshots=snaps,
        stages=stages,
    )
