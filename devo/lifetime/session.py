"""A lifetime's state in one box, so the Python-environment path pays one cheap call per step.

Calling a compiled function from Python costs time per argument: numba types each array of the
network, agent, rules and recorder on every call (about 140 arrays, tens of microseconds). A
:class:`LifeBox` (a numba StructRef) holds all of them; it is built once per lifetime and each env
step passes only the box (about 2 us per call).
"""

from __future__ import annotations

from numba import njit, types
from numba.experimental import structref

from devo.lifetime.fpmode import flush_subnormals, restore_mode
from devo.lifetime.step import py_step


@structref.register
class LifeBoxType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class LifeBox(structref.StructRefProxy):
    """The network, agent, rules and recorder of one lifetime."""


structref.define_proxy(LifeBox, LifeBoxType, ["net", "ag", "R", "rec"])


@njit(cache=True, error_model="numpy")
def make_box(net, ag, R, rec) -> LifeBox:
    return LifeBox(net, ag, R, rec)


@njit(cache=True, error_model="numpy")
def box_step(box: LifeBox, mode: int, reward: float, terminated: bool, episode: int, t: int, spikes: int) -> int:
    """:func:`devo.lifetime.step.py_step` on the boxed state, with subnormal floats flushed to zero
    (:mod:`devo.lifetime.fpmode`; the environment's code between steps keeps the caller's mode)."""
    fp = flush_subnormals()
    out = py_step(box.net, box.ag, box.R, box.rec, mode, reward, terminated, episode, t, spikes)
    restore_mode(fp)
    return out
