"""`NetworkSnapshot`: a plain, picklable record of the alive part of a network.

Neurons keep their slot index (``neuron_id``) so synapses refer to them by id; a snapshot holds
copies, never views, so later ticks do not change it. ``to_dict``/``from_dict`` give a JSON-ready
form (lists and numbers only).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from devo.snn import state as S


@dataclass
class NetworkSnapshot:
    """The alive neurons and synapses of a network at one moment.

    Neuron arrays are aligned with ``neuron_id``; synapse arrays with ``synapse_id``.
    ``src``/``dst`` hold neuron ids (slot indices), not positions in the neuron arrays.
    """

    tick: int
    neuron_id: np.ndarray  # int32[n]
    kind: np.ndarray  # int8[n]
    pos: np.ndarray  # float32[n, 2]
    v: np.ndarray  # float32[n]
    threshold: np.ndarray  # float32[n] base threshold
    adapt: np.ndarray  # float32[n] current threshold adaptation
    rate: np.ndarray  # float32[n] firing-rate estimate
    h: np.ndarray  # float32[n, h_dim] developmental state
    synapse_id: np.ndarray  # int32[m]
    src: np.ndarray  # int32[m]
    dst: np.ndarray  # int32[m]
    weight: np.ndarray  # float32[m]
    elig: np.ndarray  # float32[m]
    e: np.ndarray  # float32[m, e_dim] synapse state

    @property
    def n_neurons(self) -> int:
        return int(len(self.neuron_id))

    @property
    def n_synapses(self) -> int:
        return int(len(self.synapse_id))

    def count(self, kind: int) -> int:
        return int((self.kind == kind).sum())

    def to_dict(self) -> dict:
        """JSON-ready dict (lists and numbers)."""
        out: dict = {}
        for f in fields(self):
            val = getattr(self, f.name)
            out[f.name] = val.tolist() if isinstance(val, np.ndarray) else val
        return out

    @classmethod
    def from_dict(cls, d: dict) -> NetworkSnapshot:
        dtypes = {
            "neuron_id": np.int32, "kind": np.int8, "synapse_id": np.int32,
            "src": np.int32, "dst": np.int32,
        }
        kw = {}
        for f in fields(cls):
            if f.name == "tick":
                kw[f.name] = int(d[f.name])
            else:
                kw[f.name] = np.asarray(d[f.name], dtypes.get(f.name, np.float32))
        snap = cls(**kw)
        # empty lists lose their second dimension
        if snap.pos.size == 0:
            snap.pos = snap.pos.reshape(0, 2)
        return snap

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NetworkSnapshot):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
        )


def take_snapshot(st: S.NetState) -> NetworkSnapshot:
    n = np.flatnonzero(st.alive).astype(np.int32)
    s = np.flatnonzero(st.s_alive).astype(np.int32)
    return NetworkSnapshot(
        tick=int(st.meta[S.M_TICK]),
        neuron_id=n,
        kind=st.kind[n].copy(),
        pos=st.pos[n].copy(),
        v=st.v[n].copy(),
        threshold=st.thr[n].copy(),
        adapt=st.adapt[n].copy(),
        rate=st.rate[n].copy(),
        h=np.ascontiguousarray(st.h[:, n].T),
        synapse_id=s,
        src=st.src[s].copy(),
        dst=st.dst[s].copy(),
        weight=st.w[s].copy(),
        elig=st.elig[s].copy(),
        e=st.e[s].copy(),
    )
