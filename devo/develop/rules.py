"""The genome's meaning: its blocks, and `Rules`, the same numbers shaped for the kernels.

Every rule is a small network shared by all neurons or all synapses, so the genome's size does not
depend on ``max_neurons`` nor on the task's sizes, except the spontaneous-activity process, which
has one OU unit per observation value (as in LNDP). Sizes: ``H`` = developmental state per neuron,
``E`` = state per synapse, ``M`` = message size, ``P`` = hidden units of the structural MLPs,
``X`` = node-rule input size, ``d`` = observation size. ``H``, ``E``, ``M`` and ``P`` are
compile-time constants, so the kernels' inner loops have fixed trip counts and unroll.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from devo.genome import Block, GenomeSpec
from devo.settings import DevelopConfig, NetworkConfig
from devo.snn.state import HIDDEN, INPUT, OUTPUT

H_DIM = 8  # H, developmental state per neuron
E_DIM = 4  # E, state per synapse (its first component is the weight)
MSG_DIM = 4  # M
MLP_DIM = 8  # P
N_EDGE_IN = 5  # edge-rule scalar inputs: elig*m, elig, x_pre, x_post, m
# initial coefficients of the plastic weight component, per synapse type: eta_m, eta_0, beta_m,
# beta_0, alpha. Only the modulated terms are on: a synapse changes where its eligibility (or its
# pre x post / choice coincidence) meets a reward-prediction error, and nothing drifts while the
# reward is predicted.
PLASTIC_INIT = (0.5, 0.0, 0.5, 0.0, 0.5)

# node-rule input layout (X entries): messages in/out, activity, kind, degree, modulator, position, phase
X_MIN = 0
X_MOUT = MSG_DIM
X_RATE = 2 * MSG_DIM
X_COUNT = X_RATE + 1
X_KIND = X_COUNT + 1  # 3 one-hot entries
X_DEG_IN = X_KIND + 3
X_DEG_OUT = X_DEG_IN + 1
X_MOD = X_DEG_OUT + 1
X_POS = X_MOD + 1  # 2 entries
X_DEV = X_POS + 2
NODE_IN = X_DEV + 1  # X


class Rules(NamedTuple):
    """Genome blocks as float32 arrays, in the shapes the kernels index."""

    msg_w: np.ndarray  # (M, H)   message mu_j = softsign(msg_w h_j + msg_b)
    msg_b: np.ndarray  # (M,)
    gru_wx: np.ndarray  # (X, 3H)  node GRU input weights, transposed: columns z, r, n
    gru_uh: np.ndarray  # (H, 3H)  recurrent weights, transposed
    gru_b: np.ndarray  # (3H,)
    edge_c: np.ndarray  # (E, E)   synapse-state recurrence
    edge_d: np.ndarray  # (E, 5)   weights of elig*m, elig, x_pre, x_post, m
    edge_bias: np.ndarray  # (E,)
    edge_rate: np.ndarray  # (2, E)  lambda = sigmoid(edge_rate[0]) in the lifetime, [1] while developing
    edge_pre_w: np.ndarray  # (H, 2E)  blocks edge.a (projection of the presynaptic state) and edge.a2
    #                           (its factor of the bilinear term), transposed: row k = coefficients of h_k
    edge_post_w: np.ndarray  # (H, 2E)  edge.b and edge.b2 (postsynaptic side), transposed
    prune_we: np.ndarray  # (P, E)
    prune_wpre: np.ndarray  # (H, P)  transposed: row k = coefficients of h_k
    prune_wpost: np.ndarray  # (H, P)
    prune_b: np.ndarray  # (P,)
    prune_v: np.ndarray  # (P,)
    prune_c: np.ndarray  # (2,)  output bias in the lifetime, extra bias while developing
    add_wpre: np.ndarray  # (H, P)  transposed
    add_wpost: np.ndarray  # (H, P)
    add_wd: np.ndarray  # (P,)  weight of the distance
    add_b: np.ndarray  # (P,)
    add_v: np.ndarray  # (P,)
    add_c: np.ndarray  # (2,)
    syn_e0: np.ndarray  # (E,)  new synapse state = softsign(syn_e0)
    div_w: np.ndarray  # (P, H)
    div_b: np.ndarray  # (P,)
    div_v: np.ndarray  # (P,)
    div_c: np.ndarray  # (2,)
    child_d: np.ndarray  # (H, H)  child state h + softsign(child_d h + child_bias)
    child_bias: np.ndarray  # (H,)
    child_dir: np.ndarray  # (2, H)  direction of the child from its parent
    init_h: np.ndarray  # (3, H)  state of a seed cell, per kind
    init_w1: np.ndarray  # (3, P, 2)  seed-state MLP of the position, per kind: first layer
    init_b1: np.ndarray  # (3, P)
    init_w2: np.ndarray  # (3, H, P)  second layer
    syn_ga: np.ndarray  # (E, H)  initial synapse state: presynaptic factor
    syn_gb: np.ndarray  # (E, H)  initial synapse state: postsynaptic factor
    syn_gain: np.ndarray  # (9,)  weight gain by (source kind, target kind), index 3 kind_src + kind_dst
    neuron_bias: np.ndarray  # (3,)  bias current per kind
    mod: np.ndarray  # (3,)  modulator gains: reward-prediction error, termination; baseline rate logit
    enc: np.ndarray  # (2,)  encoder gain and offset
    sa_mu: np.ndarray  # (d,)  OU mean
    sa_theta: np.ndarray  # (d,)  OU reversion rate logit
    sa_l: np.ndarray  # (d, d) OU noise factor (lower triangle used)
    plastic: np.ndarray  # (9, 5)  plastic weight component by (source kind, target kind), index
    #                       3 kind_src + kind_dst: eta_m, eta_0, beta_m, beta_0, alpha (zeros for
    #                       forbidden edges and for families other than learned; devo.develop.edge)
    plastic_decay: np.ndarray  # (1,)  decay logit of the plastic component
    rstdp: np.ndarray  # (3,) or (0,)  eta with modulator, eta without, weight decay
    hebb: np.ndarray  # (4, 5) or (0, 5)  per synapse type: eta, A, B, C, D


def genome_blocks(network: NetworkConfig, develop: DevelopConfig, obs_dim: int) -> list[Block]:
    """The genome layout for a configuration (and the task's observation size, for the OU units)."""
    H, E, M, P, X, d = H_DIM, E_DIM, MSG_DIM, MLP_DIM, NODE_IN, obs_dim
    z_bias = [-1.0] * H + [0.0] * H + [0.0] * H  # update gate starts mostly closed: h changes slowly
    blocks = [
        Block("msg.w", (M, H), help="message each neuron sends, from its state"),
        Block("msg.b", (M,), "const", 0.0, "message bias"),
        Block("node.wx", (3 * H, X), help="node GRU: input weights (update, reset, candidate)"),
        Block("node.uh", (3 * H, H), help="node GRU: recurrent weights"),
        Block("node.b", (3 * H,), "values", help="node GRU: biases", values=tuple(z_bias)),
        Block("edge.a", (E, H), scale=0.5, help="synaptic plasticity: presynaptic projection"),
        Block("edge.b", (E, H), scale=0.5, help="synaptic plasticity: postsynaptic projection"),
        Block("edge.a2", (E, H), scale=1.0, help="synaptic plasticity: presynaptic factor of the pre x post term"),
        Block("edge.b2", (E, H), scale=1.0, help="synaptic plasticity: postsynaptic factor of the pre x post term"),
        Block("edge.c", (E, E), scale=0.3, help="synaptic plasticity: synapse-state recurrence"),
        Block("edge.d", (E, N_EDGE_IN), scale=0.3, help="synaptic plasticity: elig*m, elig, x_pre, x_post, m"),
        Block("edge.bias", (E,), "const", 0.0, "synaptic plasticity: bias"),
        Block("edge.rate", (2, E), "values", values=(-9.0,) * E + (-4.0,) * E,
              help="synaptic plasticity: update-rate logits, lifetime (slow at first) and development"),
        Block("prune.we", (P, E), help="pruning MLP: synapse-state weights"),
        Block("prune.wpre", (P, H), help="pruning MLP: presynaptic-state weights"),
        Block("prune.wpost", (P, H), help="pruning MLP: postsynaptic-state weights"),
        Block("prune.b", (P,), "const", 0.0, "pruning MLP: hidden bias"),
        Block("prune.v", (P,), help="pruning MLP: output weights"),
        Block("prune.c", (2,), "values", help="pruning logit bias: lifetime, extra while developing",
              values=(-7.0, 0.0)),
        Block("add.wpre", (P, H), help="synaptogenesis MLP: presynaptic-state weights"),
        Block("add.wpost", (P, H), help="synaptogenesis MLP: postsynaptic-state weights"),
        Block("add.wd", (P,), help="synaptogenesis MLP: distance weight"),
        Block("add.b", (P,), "const", 0.0, "synaptogenesis MLP: hidden bias"),
        Block("add.v", (P,), help="synaptogenesis MLP: output weights"),
        Block("add.c", (2,), "values", help="synaptogenesis logit bias: lifetime, extra while developing",
              values=(-6.0, 4.0)),
        Block("syn.e0", (E,), "values", help="state of a new synapse (before softsign)",
              values=(0.0,) * E),
        Block("syn.ga", (E, H), scale=2.0, help="new synapse state: presynaptic factor of the pre x post term"),
        Block("syn.gb", (E, H), scale=2.0, help="new synapse state: postsynaptic factor of the pre x post term"),
        Block("syn.gain", (4,), "values", values=(0.5, 0.1, 0.1, 1.0),
              help="weight gain per synapse type: input->hidden, hidden->hidden, hidden->output, input->output"),
        Block("div.w", (P, H), help="division MLP: hidden weights"),
        Block("div.b", (P,), "const", 0.0, "division MLP: hidden bias"),
        Block("div.v", (P,), help="division MLP: output weights"),
        Block("div.c", (2,), "values", help="division logit bias: lifetime, extra while developing",
              values=(-8.0, 6.0)),
        Block("child.d", (H, H), help="asymmetric change of a child's state"),
        Block("child.bias", (H,), "const", 0.0, "child state bias"),
        Block("child.dir", (2, H), help="direction of a child from its parent"),
        Block("init.h", (3, H), "normal", 0.3, "state of a seed cell per kind (input, hidden, output)"),
        Block("init.w1", (3, P, 2), "normal", 2.0, "seed-state MLP of the position: first layer, per kind"),
        Block("init.b1", (3, P), "const", 0.0, "seed-state MLP: first-layer bias"),
        Block("init.w2", (3, H, P), "normal", 1.0, "seed-state MLP: second layer"),
        Block("neuron.bias", (3,), "values", help="bias current per kind", values=(0.0, 0.05, 0.05)),
        Block("mod", (3,), "values", help="modulator: RPE gain, termination gain, baseline rate logit",
              values=(1.0, -1.0, -3.0)),
        Block("enc", (2,), "values", help="encoder gain and offset", values=(0.4, 0.1)),
        Block("sa.mu", (d,), "const", 0.0, "spontaneous activity: OU mean per input"),
        Block("sa.theta", (d,), "const", -2.0, "spontaneous activity: OU reversion-rate logit"),
        Block("sa.l", (d * (d + 1) // 2,), "normal", 0.3, "spontaneous activity: OU noise Cholesky factor"),
    ]
    if develop.plasticity == "learned":
        blocks += [
            Block("plastic", (4, 5), "values", values=PLASTIC_INIT * 4,
                  help="plastic weight component per synapse type (in->hid, hid->hid, hid->out, in->out): "
                       "eta_m (modulated eligibility), eta_0 (eligibility), beta_m (modulated pre x post), "
                       "beta_0 (pre x post), alpha (gain)"),
            Block("plastic.decay", (1,), "values", values=(0.0,),
                  help="plastic weight component: decay-rate logit per env step"),
        ]
    if develop.plasticity == "rstdp":
        blocks.append(Block("rstdp", (3,), "values", help="R-STDP: eta with modulator, eta without, decay",
                            values=(0.05, 0.0, 0.0)))
    if develop.plasticity == "hebbian":
        blocks.append(Block("hebb", (4, 5), "normal", 0.1,
                            help="ABCD rule per synapse type (in->hid, hid->hid, hid->out, in->out): eta,A,B,C,D"))
    return blocks


def genome_spec(network: NetworkConfig, develop: DevelopConfig, obs_dim: int) -> GenomeSpec:
    return GenomeSpec(genome_blocks(network, develop, obs_dim))


def gain_table(gain: np.ndarray) -> np.ndarray:
    """The four synapse-type gains (input->hidden, hidden->hidden, hidden->output, input->output)
    as a table indexed by ``3 kind_src + kind_dst`` (0 for the edges the mask forbids), clipped to
    [-1, 1] so no weight exceeds ``weight_max``."""
    tab = np.zeros(9, np.float32)
    for (a, b), g in zip(((INPUT, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, OUTPUT), (INPUT, OUTPUT)), gain, strict=True):
        tab[3 * a + b] = min(max(float(g), -1.0), 1.0)
    return tab


def plastic_table(plastic: np.ndarray) -> np.ndarray:
    """The plastic component's coefficients per synapse type (rows: input->hidden, hidden->hidden,
    hidden->output, input->output) as a (9, 5) table indexed by ``3 kind_src + kind_dst`` (zero rows
    for the edges the mask forbids); the gain ``alpha`` is clipped to [-1, 1]."""
    tab = np.zeros((9, 5), np.float32)
    pairs = ((INPUT, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, OUTPUT), (INPUT, OUTPUT))
    for (a, b), row in zip(pairs, np.asarray(plastic, np.float64).reshape(4, 5), strict=True):
        tab[3 * a + b] = row
        tab[3 * a + b, 4] = min(max(float(row[4]), -1.0), 1.0)
    return tab


@lru_cache(maxsize=8)
def _tril(d: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(d)``, once per size (it costs ~100 us a call, a sixth of a short lifetime)."""
    return np.tril_indices(d)


def rules_from_genome(spec: GenomeSpec, genome: np.ndarray) -> Rules:
    """Shape a (checked) genome into :class:`Rules` (float32 arrays, contiguous)."""
    p = spec.unflatten(genome)
    c = lambda name: np.ascontiguousarray(p[name], np.float32)  # noqa: E731
    t = lambda *names: np.ascontiguousarray(np.concatenate([p[n] for n in names]).T, np.float32)  # noqa: E731
    d = p["sa.mu"].shape[0]
    sa_l = np.zeros((d, d), np.float32)
    sa_l[_tril(d)] = p["sa.l"]
    return Rules(
        msg_w=c("msg.w"), msg_b=c("msg.b"),
        gru_wx=np.ascontiguousarray(p["node.wx"].T, np.float32),
        gru_uh=np.ascontiguousarray(p["node.uh"].T, np.float32),
        gru_b=c("node.b"),
        edge_c=c("edge.c"), edge_d=c("edge.d"),
        edge_bias=c("edge.bias"), edge_rate=c("edge.rate"),
        edge_pre_w=t("edge.a", "edge.a2"), edge_post_w=t("edge.b", "edge.b2"),
        prune_we=c("prune.we"), prune_wpre=t("prune.wpre"), prune_wpost=t("prune.wpost"),
        prune_b=c("prune.b"), prune_v=c("prune.v"), prune_c=c("prune.c"),
        add_wpre=t("add.wpre"), add_wpost=t("add.wpost"), add_wd=c("add.wd"), add_b=c("add.b"),
        add_v=c("add.v"), add_c=c("add.c"),
        syn_e0=c("syn.e0"),
        div_w=c("div.w"), div_b=c("div.b"), div_v=c("div.v"), div_c=c("div.c"),
        child_d=c("child.d"), child_bias=c("child.bias"), child_dir=c("child.dir"),
        init_h=c("init.h"), init_w1=c("init.w1"), init_b1=c("init.b1"), init_w2=c("init.w2"),
        syn_ga=c("syn.ga"), syn_gb=c("syn.gb"), syn_gain=gain_table(p["syn.gain"]),
        neuron_bias=c("neuron.bias"), mod=c("mod"), enc=c("enc"),
        sa_mu=c("sa.mu"), sa_theta=c("sa.theta"), sa_l=sa_l,
        plastic=plastic_table(p["plastic"]) if "plastic" in spec else np.zeros((9, 5), np.float32),
        plastic_decay=c("plastic.decay") if "plastic.decay" in spec else np.full(1, -np.inf, np.float32),
        rstdp=c("rstdp") if "rstdp" in spec else np.zeros(0, np.float32),
        hebb=c("hebb") if "hebb" in spec else np.zeros((0, 5), np.float32),
    )


class RulesBuffer(NamedTuple):
    """:class:`Rules` as views into one float32 buffer, refilled in place per genome.

    ``index[k]`` says where entry ``k`` of the buffer comes from in the extended genome
    ``[genome, 0, -inf]`` (the constants fill forbidden-edge rows, the OU factor's upper triangle
    and the absent blocks of other families); ``clip`` lists the entries clipped to [-1, 1] (the
    synapse-type gains and the plastic gains ``alpha``). Filling is one gather and one clip, where
    :func:`rules_from_genome` takes ~50 small numpy operations.
    """

    flat: np.ndarray  # float32[total]
    rules: Rules  # views into ``flat``
    index: np.ndarray  # int64[total] source of each entry in the extended genome
    clip: np.ndarray  # int64[c] entries clipped to [-1, 1]


def rules_buffer(spec: GenomeSpec) -> RulesBuffer:
    """Plan the buffer for genomes of ``spec`` (once per evaluator); fill it with :func:`fill_rules`."""
    size = spec.size
    zero, neg_inf = size, size + 1  # the two constants appended to the genome
    p = {b.name: np.arange(a, z, dtype=np.int64).reshape(b.shape)
         for b, (a, z) in ((b, spec.offsets[b.name]) for b in spec.blocks)}  # fmt: skip
    t = lambda *names: np.concatenate([p[n] for n in names]).T  # noqa: E731
    d = p["sa.mu"].shape[0]
    sa_l = np.full((d, d), zero, np.int64)
    sa_l[_tril(d)] = p["sa.l"]
    pairs = ((INPUT, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, OUTPUT), (INPUT, OUTPUT))
    gain = np.full(9, zero, np.int64)
    plastic = np.full((9, 5), zero, np.int64)
    for k, (a, b) in enumerate(pairs):
        gain[3 * a + b] = p["syn.gain"][k]
        if "plastic" in spec:
            plastic[3 * a + b] = p["plastic"].reshape(4, 5)[k]
    fields = dict(
        msg_w=p["msg.w"],
        msg_b=p["msg.b"],
        gru_wx=p["node.wx"].T,
        gru_uh=p["node.uh"].T,
        gru_b=p["node.b"],
        edge_c=p["edge.c"],
        edge_d=p["edge.d"],
        edge_bias=p["edge.bias"],
        edge_rate=p["edge.rate"],
        edge_pre_w=t("edge.a", "edge.a2"),
        edge_post_w=t("edge.b", "edge.b2"),
        prune_we=p["prune.we"],
        prune_wpre=t("prune.wpre"),
        prune_wpost=t("prune.wpost"),
        prune_b=p["prune.b"],
        prune_v=p["prune.v"],
        prune_c=p["prune.c"],
        add_wpre=t("add.wpre"),
        add_wpost=t("add.wpost"),
        add_wd=p["add.wd"],
        add_b=p["add.b"],
        add_v=p["add.v"],
        add_c=p["add.c"],
        syn_e0=p["syn.e0"],
        div_w=p["div.w"],
        div_b=p["div.b"],
        div_v=p["div.v"],
        div_c=p["div.c"],
        child_d=p["child.d"],
        child_bias=p["child.bias"],
        child_dir=p["child.dir"],
        init_h=p["init.h"],
        init_w1=p["init.w1"],
        init_b1=p["init.b1"],
        init_w2=p["init.w2"],
        syn_ga=p["syn.ga"],
        syn_gb=p["syn.gb"],
        syn_gain=gain,
        neuron_bias=p["neuron.bias"],
        mod=p["mod"],
        enc=p["enc"],
        sa_mu=p["sa.mu"],
        sa_theta=p["sa.theta"],
        sa_l=sa_l,
        plastic=plastic,
        plastic_decay=p["plastic.decay"] if "plastic.decay" in spec else np.full(1, neg_inf, np.int64),
        rstdp=p["rstdp"] if "rstdp" in spec else np.zeros(0, np.int64),
        hebb=p["hebb"] if "hebb" in spec else np.zeros((0, 5), np.int64),
    )
    assert tuple(fields) == Rules._fields
    total = sum(int(a.size) for a in fields.values())
    flat = np.zeros(total, np.float32)
    index = np.empty(total, np.int64)
    views = {}
    pos = 0
    clip: list[np.ndarray] = []
    for name, idx in fields.items():
        n = int(idx.size)
        index[pos : pos + n] = idx.ravel()
        views[name] = flat[pos : pos + n].reshape(idx.shape)
        if name == "syn_gain":
            clip.append(np.arange(pos, pos + n))
        elif name == "plastic":
            clip.append(pos + 5 * np.arange(9) + 4)
        pos += n
    return RulesBuffer(flat, Rules(**views), index, np.concatenate(clip).astype(np.int64))


def fill_rules(buf: RulesBuffer, genome: np.ndarray) -> Rules:
    """Shape a (checked, float32) genome into ``buf`` in place; returns ``buf.rules``, equal entry
    for entry to :func:`rules_from_genome` (tests check it)."""
    ext = np.empty(genome.size + 2, np.float32)
    ext[:-2] = genome
    ext[-2] = 0.0
    ext[-1] = -np.inf
    np.take(ext, buf.index, out=buf.flat)
    c = buf.flat[buf.clip]
    np.clip(c, -1.0, 1.0, out=c)
    buf.flat[buf.clip] = c
    return buf.rules
