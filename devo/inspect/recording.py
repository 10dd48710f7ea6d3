"""`grow`: regrow a genome with recording on, and the :class:`GrowthRecording` it returns.

A :class:`GrowthRecording` is a :class:`devo.lifetime.Recording` plus what the exporters and
plots need to read it: the neuron parameters per kind (the genome sets the bias), the encoder,
which neurons are inputs and outputs (in encoder and decoder order), the phases of the life, and
the genome's layout. The same genome, config and seed give the same recording, bit for bit.

``grow(genome, config, seed=S)`` and ``devo inspect --seed S`` record the same lifetime: the first
one ``devo eval --seed S`` runs (lifetime seed ``devo.evolve.evaluate.eval_seed(S, 0)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from devo.errors import DevoError
from devo.lifetime import Evaluator, LifetimeResult, LifetimeSetup, Recording
from devo.settings import with_episodes
from devo.snn.snapshot import NetworkSnapshot

__all__ = ["STAGES", "GrowthRecording", "Phase", "auto_snap_every", "grow", "setup_from"]

STAGES = ("development", "spontaneous", "final")
PHASE_LABELS = ("development", "spontaneous", "episode")
TARGET_FRAMES = 80  # snapshots a lifetime gets by default (plus birth and phase boundaries)


@dataclass(frozen=True)
class Phase:
    """A contiguous part of the life: steps ``[start, stop)`` of the recording."""

    kind: str  # "development", "spontaneous" or "episode"
    episode: int  # -1 outside episodes
    start: int
    stop: int

    @property
    def label(self) -> str:
        return f"episode {self.episode}" if self.kind == "episode" else self.kind


@dataclass
class GrowthRecording:
    """One recorded lifetime of one genome, ready for export and plotting.

    Attributes:
        recording: the lifetime's :class:`~devo.lifetime.Recording` (steps, raster, snapshots).
        setup: the lifetime config (an ``Experiment`` or any object with the four sections).
        genome: the float32 genome that grew.
        seed: the evaluation seed (``devo inspect --seed``, ``devo eval --seed``).
        lifetime_seed: the lifetime's own seed, ``eval_seed(seed, 0)`` (a uint64).
        snap_every: steps between snapshots (0: birth, phase boundaries and the end only).
        env: the task's name.
        obs_dim, n_actions, action_kind: the task's interface.
        input_ids, output_ids: neuron ids of the inputs (encoder order) and outputs (decoder order).
        kind_params: float32[3, N_NP] neuron parameters per kind (``devo.snn.state.P_*``).
        trace_params: float32[N_TP] network-wide trace constants (``devo.snn.state.T_*``).
        encoder: kind, gain, offset, population, sigma of the observation encoder.
        decoder: the decoder's name.
        genome_description: the genome's block table (``GenomeSpec.describe()``).
    """

    recording: Recording
    setup: Any
    genome: np.ndarray
    seed: int
    lifetime_seed: int
    snap_every: int
    env: str
    obs_dim: int
    n_actions: int
    action_kind: str
    input_ids: np.ndarray
    output_ids: np.ndarray
    kind_params: np.ndarray
    trace_params: np.ndarray
    encoder: dict[str, Any]
    decoder: str
    genome_description: str

    # -------------------------------------------------------------- notebook display
    def __repr__(self) -> str:
        """One line: task, seeds, fitness and sizes (the arrays stay out of it)."""
        r = self.result
        return (
            f"GrowthRecording(env={self.env!r}, seed={self.seed}, fitness={r.fitness:.6g}, "
            f"returns=[{', '.join(f'{x:.4g}' for x in r.returns)}], steps={self.n_steps}, "
            f"ticks_per_step={self.ticks_per_step}, neurons={r.neurons}, synapses={r.synapses}, "
            f"snapshots={len(self.snapshots)}, stages={list(self.stages)})"
        )

    def _repr_html_(self) -> str:
        """Jupyter's view: the summary table and thumbnails of the network and the raster
        (:func:`devo.inspect.notebook.recording_html`)."""
        from devo.inspect.notebook import recording_html

        return recording_html(self)

    # -------------------------------------------------------------- shortcuts
    @property
    def result(self) -> LifetimeResult:
        """The lifetime's outcome: fitness, returns, counts (:class:`~devo.lifetime.LifetimeResult`)."""
        return self.recording.result

    @property
    def snapshots(self) -> list[tuple[int, NetworkSnapshot]]:
        """``(step, snapshot)`` pairs from birth to the end of life."""
        return self.recording.snapshots

    @property
    def stages(self) -> dict[str, NetworkSnapshot]:
        """The snapshots after development, after spontaneous activity and at the end of life."""
        return self.recording.stages

    @property
    def n_steps(self) -> int:
        """Steps of the whole life (development, spontaneous activity, every env step)."""
        return int(self.recording.steps.shape[0])

    @property
    def ticks_per_step(self) -> int:
        """LIF ticks per step (``network.ticks_per_step``)."""
        return int(self.recording.ticks_per_step)

    @property
    def weight_max(self) -> float:
        """The bound of ``|w|`` (``network.weight_max``)."""
        return float(self.setup.network.weight_max)

    @property
    def columns(self) -> tuple[str, ...]:
        """Names accepted by :meth:`column`."""
        return tuple(self.recording.columns)

    def column(self, name: str) -> np.ndarray:
        """One per-step series of the whole life (length :attr:`n_steps`), by name.

        Names (:attr:`columns`): ``phase`` (0 development, 1 spontaneous activity, 2 episode),
        ``episode`` (-1 outside episodes), ``step`` (within its phase or episode), ``neurons``,
        ``synapses``, the cumulative counters ``added``, ``pruned`` and ``divisions``, ``w_mean``
        and ``w_var`` (of the alive weights), ``spikes`` in the step, ``reward``, ``modulator``
        and ``action``.
        """
        if name not in self.recording.columns:
            raise KeyError(f"no column {name!r}; columns: {', '.join(self.recording.columns)}")
        return self.recording.column(name)

    def stage(self, stage: str | int = "final") -> NetworkSnapshot:
        """A stage's snapshot by name (``development``, ``spontaneous``, ``final``) or the
        ``k``-th recorded snapshot by index."""
        if isinstance(stage, (int, np.integer)):
            return self.snapshots[int(stage)][1]
        if stage not in self.stages:
            have = ", ".join(self.stages) or "none"
            raise KeyError(f"no stage {stage!r} in this recording (it has: {have})")
        return self.stages[stage]

    def stage_step(self, stage: str) -> int:
        """The lifetime step at which a stage's snapshot was taken."""
        snap = self.stage(stage)
        for step, s in self.snapshots:
            if s is snap:
                return step
        return self.n_steps

    def phases(self) -> list[Phase]:
        """The phases of the life in order: development, spontaneous activity, each episode."""
        if self.n_steps == 0:
            return []
        phase = self.column("phase").astype(np.int64)
        episode = self.column("episode").astype(np.int64)
        key = phase * 100_000 + np.where(phase == 2, episode, -1)
        cuts = np.flatnonzero(np.diff(key)) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [self.n_steps]])
        out = []
        for a, b in zip(starts, stops, strict=True):
            p = int(phase[a])
            out.append(Phase(PHASE_LABELS[p], int(episode[a]) if p == 2 else -1, int(a), int(b)))
        return out

    def phase_at(self, step: int) -> str:
        """The label of the phase a snapshot taken at ``step`` closes (``birth`` for step 0)."""
        if step <= 0:
            return "birth"
        for ph in self.phases():
            if ph.start < step <= ph.stop:
                return ph.label
        return "end"

    def neuron_kinds(self) -> dict[int, int]:
        """Neuron id -> kind, over every snapshot of the life."""
        kinds: dict[int, int] = {}
        for _, snap in self.snapshots:
            kinds.update(zip(snap.neuron_id.tolist(), snap.kind.tolist(), strict=True))
        return kinds

    def summary(self) -> dict[str, Any]:
        """Plain-data summary of the recorded lifetime (returns, sizes, structural counts)."""
        r = self.result
        out: dict[str, Any] = {
            "env": self.env,
            "seed": self.seed,
            "lifetime_seed": self.lifetime_seed,
            "fitness": r.fitness,
            "returns": list(r.returns),
            "lengths": list(r.lengths),
            "env_steps": r.env_steps,
            "lifetime_steps": self.n_steps,
            "spikes": r.spikes,
            "neurons": r.neurons,
            "synapses": r.synapses,
            "added": r.added,
            "pruned": r.pruned,
            "divisions": r.divisions,
            "refused": r.refused,
            "nan": r.nan,
            "error": r.error,
            "snapshots": len(self.snapshots),
        }
        out["stages"] = {
            name: {"step": self.stage_step(name), "neurons": s.n_neurons, "synapses": s.n_synapses,
                   "hidden": s.count(1)}
            for name, s in self.stages.items()
        }
        return out

    def to_networkx(self, stage: str | int = "final") -> Any:
        """The network at a stage as a ``networkx.DiGraph`` (see :mod:`devo.inspect.export`)."""
        from devo.inspect.export import to_networkx

        return to_networkx(self, stage)


def setup_from(config: Any) -> Any:
    """A lifetime setup from an ``Experiment`` (or any object with the four sections), a dict
    of the resolved config, or the path of a TOML config."""
    from devo.experiment import experiment_from_dict, load_experiment

    if isinstance(config, (str, Path)):
        return load_experiment(config)
    if isinstance(config, Mapping):
        return experiment_from_dict(config)
    if all(hasattr(config, k) for k in ("task", "network", "develop", "lifetime")):
        return config
    raise TypeError(f"config must be an Experiment, a config dict or a TOML path, got {type(config).__name__}")


def auto_snap_every(evaluator: Evaluator) -> int:
    """Steps between snapshots so a full-length life gets about :data:`TARGET_FRAMES` of them."""
    return max(1, math.ceil(evaluator.max_steps / TARGET_FRAMES))


def grow(
    genome: Any,
    config: Any,
    seed: int = 0,
    snap_every: int | None = None,
    *,
    episodes: int | None = None,
    evaluator: Evaluator | None = None,
) -> GrowthRecording:
    """Grow ``genome`` under ``config`` for one lifetime with seed ``seed``, recording everything.

    Args:
        genome: a 1-D genome vector, a :class:`~devo.genome_io.GenomeFile`, or the path of a
            genome file.
        config: an ``Experiment`` (or any lifetime setup), a resolved-config dict or a TOML path.
        seed: the evaluation seed: the lifetime is the first one ``devo eval --seed seed`` runs,
            the one ``devo inspect --seed seed`` records.
        snap_every: steps between network snapshots; ``None`` picks about 80 per lifetime, 0 takes
            them only at birth, at the phase boundaries and at the end.
        episodes: override the number of episodes of the lifetime.
        evaluator: reuse an evaluator built for exactly this config.
    """
    from devo.develop.rules import rules_from_genome
    from devo.genome_io import GenomeFile, load_genome
    from devo.snn import state as S
    from devo.snn.decoders import KIND_NAMES as DEC_NAMES

    if isinstance(genome, (str, Path)):
        genome = load_genome(genome)
    if isinstance(genome, GenomeFile):
        genome = genome.genome
    setup: LifetimeSetup = setup_from(config)
    if episodes is not None:
        setup = with_episodes(setup, episodes)
        evaluator = None
    ev = evaluator if evaluator is not None else Evaluator(setup)
    try:
        g = ev.spec.check(np.asarray(genome, dtype=np.float32))
    except ValueError as exc:
        raise DevoError(f"this genome does not fit the config: {exc}; it was made for another config") from None
    if not np.isfinite(g).all():
        raise DevoError("the genome holds NaN or inf values; it cannot grow a network")
    k = auto_snap_every(ev) if snap_every is None else int(snap_every)
    if k < 0:
        raise DevoError(f"snap_every must be >= 0, got {k}")
    from devo.evolve.evaluate import eval_seed

    lseed = eval_seed(int(seed), 0)
    result, rec = ev.run(g, lseed, record=True, snap_every=k)
    if rec is None:  # only for a genome the evaluator refuses outright
        raise DevoError(f"the lifetime could not run: {result.error}")
    rules = rules_from_genome(ev.spec, g)
    kind_params = ev.kind_params.copy()
    kind_params[:, S.P_BIAS] = rules.neuron_bias
    net = setup.network
    first = rec.snapshots[0][1] if rec.snapshots else None
    if first is not None:
        ids_in = np.sort(first.neuron_id[first.kind == S.INPUT])
        ids_out = np.sort(first.neuron_id[first.kind == S.OUTPUT])
    else:
        ids_in = np.arange(ev.n_inputs, dtype=np.int32)
        ids_out = np.arange(ev.n_inputs, ev.n_inputs + ev.n_outputs, dtype=np.int32)
    dec_name = {v: k for k, v in DEC_NAMES.items()}[int(ev.decoder)]
    return GrowthRecording(
        recording=rec,
        setup=setup,
        genome=g.copy(),
        seed=int(seed),
        lifetime_seed=int(lseed),
        snap_every=k,
        env=ev.task.spec.name,
        obs_dim=int(ev.obs_dim),
        n_actions=int(ev.task.spec.n_actions),
        action_kind=str(ev.task.spec.action_kind),
        input_ids=ids_in.astype(np.int32),
        output_ids=ids_out.astype(np.int32),
        kind_params=kind_params,
        trace_params=np.asarray(ev.trace_vec, np.float32).copy(),
        encoder={
            "kind": net.encoder,
            "gain": float(rules.enc[0]),
            "offset": float(rules.enc[1]),
            "population": int(net.population) if net.encoder == "population" else 1,
            "sigma": float(ev.encoder.sigma),
        },
        decoder=dec_name,
        genome_description=ev.spec.describe(),
    )
