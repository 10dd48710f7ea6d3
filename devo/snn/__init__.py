"""The spiking substrate: capacity-bounded sparse networks of (adaptive) LIF neurons.

Knows nothing of genomes. Kernels (numba) operate on a :class:`NetState`; :class:`Network` is the
checked Python face; :mod:`devo.snn.reference` holds plain-numpy twins used only by tests and
benchmarks.
"""

from devo.snn.network import ForbiddenEdgeError, Network, check_invariants
from devo.snn.params import NeuronParams, TraceParams
from devo.snn.snapshot import NetworkSnapshot
from devo.snn.state import HIDDEN, INPUT, OUTPUT, NetState, allocate

__all__ = [
    "HIDDEN",
    "INPUT",
    "OUTPUT",
    "ForbiddenEdgeError",
    "NetState",
    "Network",
    "NetworkSnapshot",
    "NeuronParams",
    "TraceParams",
    "allocate",
    "check_invariants",
]
