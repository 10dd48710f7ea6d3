"""`Agent`: everything of one lifetime besides the network and the rules -- packed configuration,
random state, counters, the observation/action interface, and scratch space for the kernels.

All arrays are allocated once per lifetime (:func:`make_agent`), so the kernels never allocate.
Configuration is packed into ``ci`` (int64) and ``cf`` (float64) with the ``C_*``/``F_*`` indices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from devo.develop.blocks import Array
from devo.develop.dims import E_DIM, H_DIM, MLP_DIM, MSG_DIM, NODE_IN
from devo.genome import Block

# ci: packed integer configuration
C_TICKS = 0  # LIF ticks per env step
C_ENC = 1  # encoder kind (devo.snn.encoders)
C_DEC = 2  # decoder kind (devo.snn.decoders)
C_ACT_KIND = 3  # action kind code (devo.environments.spec.ACTION_CODES)
C_FAMILY = 4  # plasticity family (F_LEARNED, ...)
C_STRUCTURAL = 5  # structural plasticity on
C_NEUROGENESIS = 6  # neurogenesis on
C_SPONTANEOUS = 7  # spontaneous activity on
C_STRUCT_EVERY = 8
C_NODE_EVERY = 9
C_CANDIDATES = 10
C_GROWTH_BUDGET = 11
C_GROWTH_LIFE = 12  # divisions allowed after development
C_INHERIT = 13  # 0 none, 1 connect, 2 copy
C_DEV_STEPS = 14
C_SA_STEPS = 15
C_HORIZON = 16  # max steps per episode
C_EPISODES = 17
C_RECORD = 18  # record every step (0/1)
C_SNAP_EVERY = 19  # snapshot every k steps (0 = none)
C_SEED_HIDDEN = 20  # hidden seed cells at birth
C_NEIGHBOURS = 21  # size of each neuron's neighbourhood list
C_PLASTIC = 22  # plastic weight component on in the lifetime (learned family)
C_STRUCT_LIFE = 23  # structural plasticity also after development
C_RESET = 24  # activity reset (RESET_*)
C_TIES = 25  # 1: exact ties between discrete outputs go to a uniform draw (network.ties = "random")
C_N_CI = 26

# cf: packed float configuration
F_WMAX = 0
F_CHILD_DIST = 1
F_CLIP_SD = 2
F_DEC_GAIN = 3
F_INIT_DENSITY = 4  # fraction of allowed synapses present at birth
F_N_CF = 5

# plasticity families
LEARNED = 0
RSTDP = 1
HEBBIAN = 2
FROZEN = 3
FAMILIES = {"learned": LEARNED, "rstdp": RSTDP, "hebbian": HEBBIAN, "frozen": FROZEN}
INHERITANCE = {"none": 0, "connect": 1, "copy": 2}

# activity reset (lifetime.activity_reset): when membrane potentials, adaptation and traces restart
RESET_NEVER = 0
RESET_EPISODE = 1
RESET_TRIAL = 2
RESET_STEP = 3
RESETS = {"never": RESET_NEVER, "episode": RESET_EPISODE, "trial": RESET_TRIAL, "step": RESET_STEP}

# counters: int64 statistics of the lifetime
K_ADDED = 0
K_PRUNED = 1
K_DIVISIONS = 2
K_REFUSED = 3  # structural edits refused because a buffer was full
K_SPIKES = 4
K_ENV_STEPS = 5
K_NAN = 6  # 1 once a non-finite value was seen
K_STEP = 7  # lifetime step counter (development + SA + env steps)
K_LIFE_STEP = 8  # env steps since the first episode began (plasticity clocks)
K_BAD_OBS = 9  # non-finite or wrong observations seen
K_PHASE = 10  # current phase (PHASE_*)
K_EPISODE = 11  # current episode (-1 before the first)
K_EP_STEP = 12  # step within the current phase or episode
K_NEW_TRIAL = 13  # 1 when the task began a new trial at its last step (activity_reset = "trial")
N_COUNTERS = 14

# phases of a life (kernels read the phase from the counters rather than from an argument, so
# each kernel compiles once instead of once per literal flag value)
PHASE_DEVELOP = 0
PHASE_SPONTANEOUS = 1
PHASE_EPISODE = 2
PHASE_NAMES = ("development", "spontaneous", "episode")


@njit(cache=True, error_model="numpy", inline="always", _nrt=False)
def developing(ag) -> bool:
    """True during development and spontaneous activity."""
    return ag.counters[K_PHASE] != PHASE_EPISODE

# modulator state (float64)
MS_BASELINE = 0
MS_M = 1
MS_REWARD = 2
MS_VAR = 3  # running variance of the reward-prediction error
MS_PHI = 4  # shaping potential of the next observation, as the last step computed it
N_MS = 5


# genome blocks of no rule: the lifetime copies them into ``kind_params`` and ``enc_params``
NEURON_BLOCKS = (Block("neuron.bias", (3,), "values", help="bias current per kind", values=(0.0, 0.05, 0.05)),)
ENCODER_BLOCKS = (Block("enc", (2,), "values", help="encoder gain and offset", values=(0.4, 0.1)),)
ARRAYS = (
    Array("neuron_bias", ("neuron.bias",)),  # (3,)  bias current per kind
    Array("enc", ("enc",)),  # (2,)  encoder gain and offset
)


class Agent(NamedTuple):
    ci: np.ndarray  # int64[C_N_CI]
    cf: np.ndarray  # float64[F_N_CF]
    rng: np.ndarray  # uint64[4]
    counters: np.ndarray  # int64[N_COUNTERS]
    ms: np.ndarray  # float64[N_MS] modulator state
    kind_params: np.ndarray  # float32[3, N_NP] neuron parameters per kind (bias from the genome)
    inputs: np.ndarray  # int32[n_in] input neurons, encoder order
    outputs: np.ndarray  # int32[n_out] output neurons, decoder order
    in_xy: np.ndarray  # float32[n_in, 2] where each input neuron is born
    out_xy: np.ndarray  # float32[n_out, 2] where each output neuron is born
    kind_centre: np.ndarray  # float32[3, 2] mean birth position of the seed cells of each kind
    enc_params: np.ndarray  # float32[N_EP]
    obs: np.ndarray  # float64[d] current observation
    obs_low: np.ndarray  # float64[d]
    obs_high: np.ndarray  # float64[d]
    norm_mode: np.ndarray  # int8[d]
    norm_stats: np.ndarray  # float64[3, d]
    xn: np.ndarray  # float32[d] normalised observation
    xnext: np.ndarray  # float32[d] the next observation normalised (potential-based shaping, devo.develop.modulator)
    drive: np.ndarray  # float32[n_in]
    ou: np.ndarray  # float64[d] spontaneous-activity state
    act_low: np.ndarray  # float64[a]
    act_high: np.ndarray  # float64[a]
    action: np.ndarray  # float64[a] (discrete: action[0] is the index)
    bits: np.ndarray  # int8[a] (multibinary)
    mu: np.ndarray  # float32[N, M] messages (one row per neuron: one load per synapse)
    xin: np.ndarray  # float32[N, X] node-rule inputs (one row per neuron)
    gates: np.ndarray  # float32[4H] GRU scratch of one neuron: z, r and n pre-activations, U_n h
    pre: np.ndarray  # float32[N, 2E] edge rule, presynaptic side: a_i, then the bilinear factor a'_i
    post: np.ndarray  # float32[N, 2E] edge rule, postsynaptic side: b_j, then b'_j
    qa: np.ndarray  # float32[N, P] presynaptic projection (pruning / synaptogenesis)
    qb: np.ndarray  # float32[N, P] postsynaptic projection
    qext: np.ndarray  # float32[2, P] per unit: largest postsynaptic projection, largest magnitude (pruning bounds)
    bound: np.ndarray  # float64[N] per presynaptic neuron: a draw at or above it settles "no" (structural)
    bound_size: np.ndarray  # float64[N] per presynaptic neuron: the magnitudes its bound's margin scales with
    idx: np.ndarray  # int32[N] scratch list of neuron indices
    e_tmp: np.ndarray  # float32[E] scratch synapse state
    nbr: np.ndarray  # int32[N, KN] each neuron's nearest allowed partners, nearest first
    nbr_d: np.ndarray  # float32[N, KN] their squared distances
    nbr_n: np.ndarray  # int32[N] entries in each list
    post_act: np.ndarray  # float32[N] postsynaptic activity of the plastic rule (devo.develop.edge)
    plastic_t: np.ndarray  # float32[9, 4] per synapse type, this step: eta_m m + eta_0, beta_m m + beta_0, g, alpha


def make_agent(
    ci: np.ndarray,
    cf: np.ndarray,
    seed_state: np.ndarray,
    kind_params: np.ndarray,
    in_xy: np.ndarray,
    out_xy: np.ndarray,
    enc_params: np.ndarray,
    obs_low: np.ndarray,
    obs_high: np.ndarray,
    norm_mode: np.ndarray,
    act_low: np.ndarray,
    act_high: np.ndarray,
    max_neurons: int,
) -> Agent:
    d = len(obs_low)
    a = len(act_low)
    n = max_neurons
    f32 = np.float32
    return Agent(
        ci=np.asarray(ci, np.int64),
        cf=np.asarray(cf, np.float64),
        rng=np.asarray(seed_state, np.uint64).copy(),
        counters=np.zeros(N_COUNTERS, np.int64),
        ms=np.zeros(N_MS, np.float64),
        kind_params=np.asarray(kind_params, f32),
        inputs=np.full(len(in_xy), -1, np.int32),
        outputs=np.full(len(out_xy), -1, np.int32),
        in_xy=np.asarray(in_xy, f32),
        out_xy=np.asarray(out_xy, f32),
        kind_centre=np.array([np.mean(in_xy, 0), [0.0, 0.0], np.mean(out_xy, 0)], f32),
        enc_params=np.asarray(enc_params, f32),
        obs=np.zeros(d, np.float64),
        obs_low=np.asarray(obs_low, np.float64),
        obs_high=np.asarray(obs_high, np.float64),
        norm_mode=np.asarray(norm_mode, np.int8),
        norm_stats=np.zeros((3, d), np.float64),
        xn=np.zeros(d, f32),
        xnext=np.zeros(d, f32),
        drive=np.zeros(len(in_xy), f32),
        ou=np.zeros(d, np.float64),
        act_low=np.asarray(act_low, np.float64),
        act_high=np.asarray(act_high, np.float64),
        action=np.zeros(max(a, 1), np.float64),
        bits=np.zeros(max(a, 1), np.int8),
        mu=np.zeros((n, MSG_DIM), f32),
        xin=np.zeros((n, NODE_IN), f32),
        gates=np.zeros(4 * H_DIM, f32),
        pre=np.zeros((n, 2 * E_DIM), f32),
        post=np.zeros((n, 2 * E_DIM), f32),
        qa=np.zeros((n, MLP_DIM), f32),
        qb=np.zeros((n, MLP_DIM), f32),
        qext=np.zeros((2, MLP_DIM), f32),
        bound=np.zeros(n, np.float64),
        bound_size=np.zeros(n, np.float64),
        idx=np.zeros(n, np.int32),
        e_tmp=np.zeros(E_DIM, f32),
        nbr=np.zeros((n, max(int(ci[C_NEIGHBOURS]), 1)), np.int32),
        nbr_d=np.zeros((n, max(int(ci[C_NEIGHBOURS]), 1)), f32),
        nbr_n=np.zeros(n, np.int32),
        post_act=np.zeros(n, f32),
        plastic_t=np.zeros((9, 4), f32),
    )
