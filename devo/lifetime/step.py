"""One step of each phase of a life (the whole compiled lifetime on a compiled task:
:mod:`devo.lifetime.task_life`).

Per env step, in this order:

0. **reset** (``lifetime.activity_reset``): membrane potentials, adaptation and traces restart at
   the first step of each episode (``episode``), of each trial (``trial``) or at every step
   (``step``, LNDP's protocol: any memory must then live in synapses); ``never`` keeps them;
1. **sense**: normalise the observation and encode it into input drive;
2. **think**: ``K`` LIF ticks (traces on while anything learns);
3. **act**: decode the output window into an action; the environment steps;
4. **learn**: the reward updates the modulator, then plasticity runs on its clocks -- the node
   rule every ``node_every`` steps, the edge rule every step, structural plasticity and
   neurogenesis every ``structural_every`` steps (structural plasticity only while developing if
   ``develop.structural_during = "development"``). In the ``rstdp`` and ``hebbian`` families the
   lifetime change is that family's weight rule alone; ``frozen`` (and
   ``develop.freeze_after_development``) changes nothing.

Development steps have no input; spontaneous-activity steps take their input from the OU process.
Both run every learned rule with the modulator at zero, with structural steps every step.
"""

from __future__ import annotations

import math

from numba import njit

from devo.develop.agent import (
    C_ACT_KIND,
    C_DEC,
    C_DEV_STEPS,
    C_ENC,
    C_FAMILY,
    C_GROWTH_LIFE,
    C_NEUROGENESIS,
    C_NODE_EVERY,
    C_RECORD,
    C_RESET,
    C_SA_STEPS,
    C_SNAP_EVERY,
    C_SPONTANEOUS,
    C_STRUCT_EVERY,
    C_STRUCT_LIFE,
    C_STRUCTURAL,
    C_TICKS,
    C_TIES,
    F_CLIP_SD,
    F_DEC_GAIN,
    HEBBIAN,
    K_BAD_OBS,
    K_ENV_STEPS,
    K_EP_STEP,
    K_EPISODE,
    K_LIFE_STEP,
    K_NEW_TRIAL,
    K_PHASE,
    K_SPIKES,
    K_STEP,
    LEARNED,
    PHASE_DEVELOP,
    PHASE_EPISODE,
    PHASE_SPONTANEOUS,
    RESET_NEVER,
    RESET_STEP,
    RESET_TRIAL,
    RSTDP,
    Agent,
    developing,
)
from devo.develop.edge import edge_rule, hebbian_rule, rstdp_rule
from devo.develop.growth import birth, neurogenesis
from devo.develop.modulator import silence_modulator, update_modulator
from devo.develop.node import node_rule
from devo.develop.rules import Rules
from devo.develop.spontaneous import ou_start, ou_step
from devo.develop.structural import prune, synaptogenesis
from devo.environments.spec import ACT_BOX, ACT_DISCRETE
from devo.lifetime.record import Recorder, record_step, take_snapshot
from devo.snn.decoders import break_ties, decode_binary, decode_continuous, decode_discrete
from devo.snn.dynamics import reset_activity, run_step
from devo.snn.encoders import encode
from devo.snn.normalize import normalize
from devo.snn.state import NetState


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def plasticity(net: NetState, ag: Agent, R: Rules) -> None:
    """Run the rules due at this step (see module docstring)."""
    family = ag.ci[C_FAMILY]
    dev = developing(ag)
    if not dev and family != LEARNED:
        if family == RSTDP:
            rstdp_rule(net, ag, R)
        elif family == HEBBIAN:
            hebbian_rule(net, ag, R)
        return
    step = ag.counters[K_LIFE_STEP]
    if dev or step % ag.ci[C_NODE_EVERY] == 0:
        node_rule(net, ag, R)
    edge_rule(net, ag, R)
    if dev or step % ag.ci[C_STRUCT_EVERY] == 0:
        if ag.ci[C_STRUCTURAL] != 0 and (dev or ag.ci[C_STRUCT_LIFE] != 0):
            prune(net, ag, R)
            synaptogenesis(net, ag, R)
        if ag.ci[C_NEUROGENESIS] != 0 and (dev or ag.ci[C_GROWTH_LIFE] != 0):
            neurogenesis(net, ag, R)


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def think(net: NetState, ag: Agent, rec: Recorder) -> int:
    """``K`` ticks driven by ``ag.drive``; records the tick raster when recording. Traces run
    while anything will read them (development, and the learned and rstdp families)."""
    family = ag.ci[C_FAMILY]
    traces = developing(ag) or family == LEARNED or family == RSTDP
    k = ag.ci[C_TICKS]
    row = rec.rows[0] * k if ag.ci[C_RECORD] != 0 else -1
    spikes = run_step(net, k, traces, ag.inputs, ag.drive, ag.ci[C_ENC], ag.enc_params, ag.rng, rec.raster, row)
    ag.counters[K_SPIKES] += spikes
    return spikes


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def sense(ag: Agent) -> bool:
    """Normalise ``ag.obs`` and encode it; False (and nothing done) if it is not finite."""
    for k in range(ag.obs.shape[0]):
        if not math.isfinite(ag.obs[k]):
            ag.counters[K_BAD_OBS] += 1
            return False
    normalize(ag.obs, ag.norm_mode, ag.obs_low, ag.obs_high, ag.norm_stats, True, ag.cf[F_CLIP_SD], ag.xn)
    encode(ag.xn, ag.ci[C_ENC], ag.enc_params, ag.drive)
    return True


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def act(net: NetState, ag: Agent) -> float:
    """Decode the output window into ``ag.action`` (and ``ag.bits``); returns a scalar summary."""
    kind = ag.ci[C_ACT_KIND]
    if kind == ACT_DISCRETE:
        a = decode_discrete(net, ag.outputs, ag.ci[C_DEC])
        if ag.ci[C_TIES] != 0:
            a = break_ties(net, ag.outputs, ag.ci[C_DEC], a, ag.rng)
        ag.action[0] = a
        return float(a)
    if kind == ACT_BOX:
        decode_continuous(net, ag.outputs, ag.ci[C_DEC], ag.act_low, ag.act_high, ag.cf[F_DEC_GAIN], ag.action)
        return ag.action[0]
    decode_binary(net, ag.outputs, ag.bits)
    for k in range(ag.bits.shape[0]):
        ag.action[k] = ag.bits[k]
    return ag.action[0]


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _snap_due(ag: Agent) -> bool:
    every = ag.ci[C_SNAP_EVERY]
    return ag.ci[C_RECORD] != 0 and every > 0 and ag.counters[K_STEP] % every == 0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _zero_drive(ag: Agent) -> None:
    for k in range(ag.drive.shape[0]):
        ag.drive[k] = 0.0
    for k in range(ag.xn.shape[0]):
        ag.xn[k] = 0.0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def _develop_step(net: NetState, ag: Agent, R: Rules, rec: Recorder) -> None:
    """One step of development or spontaneous activity on the drive already set: think, every
    rule, records, clock."""
    spikes = think(net, ag, rec)
    plasticity(net, ag, R)
    if ag.ci[C_RECORD] != 0:
        record_step(net, ag, rec, spikes, 0.0, 0.0)
    ag.counters[K_STEP] += 1
    if _snap_due(ag):
        take_snapshot(net, rec, ag.counters[K_STEP])


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def develop(net: NetState, ag: Agent, R: Rules, rec: Recorder) -> None:
    """Development (no input) then spontaneous activity (OU input), all rules on, modulator 0."""
    recording = ag.ci[C_RECORD] != 0
    silence_modulator(ag)
    ag.counters[K_EPISODE] = -1
    ag.counters[K_PHASE] = PHASE_DEVELOP
    if recording:
        take_snapshot(net, rec, ag.counters[K_STEP])
    _zero_drive(ag)
    for t in range(ag.ci[C_DEV_STEPS]):
        ag.counters[K_EP_STEP] = t
        _develop_step(net, ag, R, rec)
    if recording:
        take_snapshot(net, rec, ag.counters[K_STEP])  # after development
    if ag.ci[C_SPONTANEOUS] != 0 and ag.ci[C_SA_STEPS] > 0:
        ag.counters[K_PHASE] = PHASE_SPONTANEOUS
        ou_start(ag, R)
        for t in range(ag.ci[C_SA_STEPS]):
            ag.counters[K_EP_STEP] = t
            ou_step(ag, R)
            encode(ag.xn, ag.ci[C_ENC], ag.enc_params, ag.drive)
            _develop_step(net, ag, R, rec)
        if recording:
            take_snapshot(net, rec, ag.counters[K_STEP])  # after spontaneous activity
    _zero_drive(ag)
    ag.counters[K_PHASE] = PHASE_EPISODE


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def boundary_reset(net: NetState, ag: Agent, first: bool) -> None:
    """``lifetime.activity_reset``: forget activity (never synapses) before this env step if it
    begins an episode (``first``; every mode but never), a trial (``trial``) or any step (``step``)."""
    mode = ag.ci[C_RESET]
    if mode != RESET_NEVER and (first or mode == RESET_STEP or (mode == RESET_TRIAL and ag.counters[K_NEW_TRIAL])):
        reset_activity(net)
    ag.counters[K_NEW_TRIAL] = 0


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def env_act(net: NetState, ag: Agent, rec: Recorder, first: bool) -> int:
    """Reset activity if a boundary is due, sense ``ag.obs``, think, act. ``first``: the first step
    of an episode. Returns the step's spike count, or -1 for a bad observation."""
    boundary_reset(net, ag, first)
    if not sense(ag):
        return -1
    spikes = think(net, ag, rec)
    act(net, ag)
    return spikes


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def env_learn(
    net: NetState, ag: Agent, R: Rules, rec: Recorder, reward: float, terminated: bool,
    episode: int, t: int, spikes: int,
) -> None:
    """The consequence of the last action: modulator, plasticity, records, clocks."""
    ag.counters[K_EPISODE] = episode
    ag.counters[K_EP_STEP] = t
    update_modulator(ag, R, reward, terminated)
    plasticity(net, ag, R)
    if ag.ci[C_RECORD] != 0:
        record_step(net, ag, rec, spikes, reward, ag.action[0])
    ag.counters[K_STEP] += 1
    ag.counters[K_LIFE_STEP] += 1
    ag.counters[K_ENV_STEPS] += 1
    if _snap_due(ag):
        take_snapshot(net, rec, ag.counters[K_STEP])


# Python-path modes of :func:`py_step`
PY_BIRTH = 0  # birth, development and spontaneous activity
PY_ACT = 1  # sense ag.obs, think, act (first step of an episode)
PY_LEARN_ACT = 2  # learn from the last step's reward, then sense, think, act
PY_LEARN = 3  # learn from the last step of an episode


@njit(cache=True, error_model="numpy", _nrt=False)
def py_step(
    net: NetState, ag: Agent, R: Rules, rec: Recorder, mode: int, reward: float,
    terminated: bool, episode: int, t: int, spikes: int,
) -> int:
    """The Python-environment path's one compiled call per env step (``mode``: ``PY_*``).
    Returns the step's spike count, or -1 for a bad observation (0 for ``PY_BIRTH``/``PY_LEARN``)."""
    if mode == PY_BIRTH:
        birth(net, ag, R)
        develop(net, ag, R, rec)
        return 0
    if mode == PY_LEARN or mode == PY_LEARN_ACT:
        env_learn(net, ag, R, rec, reward, terminated, episode, t, spikes)
        if mode == PY_LEARN:
            return 0
    return env_act(net, ag, rec, mode == PY_ACT)
