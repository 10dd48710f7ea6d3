"""Build a small spiking network, drive it with observations for a few hundred env steps, and
report what it did (spikes, rates, actions, speed). A smoke test of the whole substrate."""

from __future__ import annotations

import argparse
import time


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", type=int, default=500, help="env steps to simulate")
    p.add_argument("--ticks", type=int, default=4, help="LIF ticks per env step")
    p.add_argument("--hidden", type=int, default=26, help="hidden neurons")
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from devo.rng import rng_from_seed
    from devo.snn import HIDDEN, INPUT, OUTPUT, Network, NeuronParams
    from devo.snn import decoders as D
    from devo.snn import encoders as E
    from devo.snn import normalize as NZ
    from devo.snn.dynamics import clear_window

    net = Network.layered(
        4, args.hidden, 2, density=0.3, weight_scale=0.6, seed=args.seed,
        params=NeuronParams(tau_m=8.0, threshold=1.0, refractory=1, bias=0.05),
    )
    st = net.state
    low = np.array([-4.8, -np.inf, -0.42, -np.inf])
    high = -low
    modes = NZ.modes_for_bounds(low, high)
    stats = NZ.new_stats(4)
    enc = E.EncoderSpec(kind="current", gain=1.2, offset=0.3)
    ep = enc.pack()
    inputs, outputs = net.inputs, net.outputs
    xn = np.empty(4, np.float32)
    drive = np.empty(enc.n_neurons(4), np.float32)
    rng = rng_from_seed(args.seed)
    obs_rng = np.random.default_rng(args.seed)
    actions = np.zeros(2, int)
    spikes = 0

    def env_step(obs):
        nonlocal spikes
        NZ.normalize(obs, modes, low, high, stats, True, 3.0, xn)
        E.encode(xn, enc.code, ep, drive)
        clear_window(st)
        for t in range(args.ticks):
            E.apply_drive(st.i_ext, st.force, inputs, drive, enc.code, ep, t, args.ticks, rng)
            spikes += net.tick(1)
        return D.decode_discrete(st, outputs, D.COUNT)

    env_step(np.zeros(4))  # compile
    print(f"devo demo: {net}")
    t0 = time.perf_counter()
    for _ in range(args.steps):
        obs = obs_rng.normal(0, [1.0, 1.0, 0.2, 1.0])
        actions[env_step(obs)] += 1
    dt = time.perf_counter() - t0
    ticks = args.steps * args.ticks
    kinds = st.kind[: net.max_neurons]
    rates = {
        name: float(st.rate[net.neurons(k)].mean()) if len(net.neurons(k)) else 0.0
        for name, k in (("input", INPUT), ("hidden", HIDDEN), ("output", OUTPUT))
    }
    print(f"simulated {args.steps} env steps x {args.ticks} ticks = {ticks} ticks, {spikes} spikes")
    print("firing rate (spikes/tick): " + ", ".join(f"{k} {v:.3f}" for k, v in rates.items()))
    print(f"actions chosen: 0 -> {actions[0]}, 1 -> {actions[1]}")
    print(f"mean |eligibility| {float(np.abs(st.elig[net.synapses()]).mean()):.4f} over {net.n_synapses} synapses")
    print(f"speed: {dt / args.steps * 1e6:.1f} us per env step from Python ({len(kinds)} neurons)")
    return 0
