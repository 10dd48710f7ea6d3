"""Benchmark of the spiking substrate: compiled ticks beside the numpy reference, same run.

For each size N and density (fraction of allowed synapses present), two workloads:

- ``lif``: LIF step + event-driven transmission;
- ``lif+stdp``: the same plus pre/post traces, rate estimate and eligibility on every synapse.

Networks have N/16 inputs, N/16 outputs and the rest hidden; weights uniform on
+-1/sqrt(fan-in); a bias current keeps neurons firing a few percent of ticks. Each figure is the
median over repeated blocks; the numpy reference runs in the same process, interleaved, so the
ratio ``speed-up`` is what to compare across machines. Single-threaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import numpy as np

from devo.bench.timing import median_per_unit

TITLE = "spiking substrate: ns per tick, compiled vs numpy reference"
COLUMNS = [
    ("n", "N", ""),
    ("density", "density", ".1f"),
    ("synapses", "synapses", ",d"),
    ("workload", "workload", ""),
    ("rate", "firing rate", ".3f"),
    ("ns_per_tick", "ns/tick", ",.0f"),
    ("ns_per_synapse", "ns/synapse", ".3f"),
    ("updates_per_s", "synapse updates/s", ".3g"),
    ("ref_ns_per_tick", "numpy ns/tick", ",.0f"),
    ("speedup", "speed-up vs numpy", ".1f"),
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 128, 512, 2048], help="neuron counts")
    p.add_argument("--densities", type=float, nargs="+", default=[0.1, 0.5])
    p.add_argument("--reps", type=int, default=5, help="timed blocks per figure (median)")
    p.add_argument("--block-s", type=float, default=0.1, help="target seconds per timed block")


def build(n: int, density: float, seed: int = 0):
    """The benchmark network for size ``n`` and ``density``."""
    from devo.snn import Network, NeuronParams

    n_io = max(2, n // 16)
    net = Network.layered(
        n_io, n - 2 * n_io, n_io, density=density, seed=seed,
        params=NeuronParams(tau_m=10.0, threshold=1.0, refractory=2, bias=0.12),
    )
    st = net.state
    fan_in = np.maximum(st.in_n[st.dst[: net.n_synapses]], 1)
    rng = np.random.default_rng(seed + 1)
    st.w[: net.n_synapses] = (rng.uniform(-1, 1, net.n_synapses) / np.sqrt(fan_in)).astype(np.float32)
    st.v[:] = rng.uniform(0, 1, n).astype(np.float32)
    return net


def run(args: argparse.Namespace) -> Iterator[dict]:
    from devo.snn import state as S
    from devo.snn.dynamics import run_ticks
    from devo.snn.reference import run_ticks_reference

    for n in args.sizes:
        for density in args.densities:
            base = build(n, density)
            n_syn = base.n_synapses
            for workload, traces in (("lif", False), ("lif+stdp", True)):
                kern = base.state.copy()
                ref = base.state.copy()
                run_ticks(kern, 10, traces)  # compile / warm up
                t0 = kern.meta[S.M_TICK]
                counts0 = int(kern.count.sum())
                t_k = median_per_unit(
                    lambda k, s=kern, tr=traces: run_ticks(s, k, tr), 1, args.block_s, args.reps, max_n=1 << 22
                )
                ticks = kern.meta[S.M_TICK] - t0
                rate = (int(kern.count.sum()) - counts0) / max(ticks, 1) / n
                t_r = median_per_unit(
                    lambda k, s=ref, tr=traces: run_ticks_reference(s, k, tr),
                    1, args.block_s, max(1, args.reps // 2), max_n=1 << 22,
                )
                yield {
                    "n": n,
                    "density": density,
                    "synapses": n_syn,
                    "workload": workload,
                    "rate": rate,
                    "ns_per_tick": t_k * 1e9,
                    "ns_per_synapse": t_k * 1e9 / max(n_syn, 1),
                    "updates_per_s": n_syn / t_k,
                    "ref_ns_per_tick": t_r * 1e9,
                    "speedup": t_r / t_k,
                }


def notes(rows: list[dict]) -> str:
    return (
        "ns/synapse = ns per tick / alive synapses. speed-up = numpy reference time / compiled "
        "time, same process, same network. Single-threaded; firing rate = spikes per neuron per tick."
    )
