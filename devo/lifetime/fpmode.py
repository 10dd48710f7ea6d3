r"""Subnormal floats flush to zero inside a lifetime (x86: the FTZ and DAZ bits of MXCSR).

A float32 below :math:`2^{-126} \approx 1.2 \times 10^{-38}` is *subnormal*; x86 CPUs compute
with subnormal operands or results in microcode, ~100x slower than with normal floats. A silent
neuron's pre/post traces decay by :math:`e^{-1/\tau}` per tick and pass through the subnormal
range for ~60 ticks before they reach zero (a synapse's eligibility for ~300), and a network
whose neurons fire rarely keeps some traces there all the time: the default genome's network in
``devo bench lifetime`` (N = 32) spent over a third of its env-step time in those assists.

Every compiled entry point of a lifetime (:func:`devo.lifetime.task_life.run_native`,
``run_native_batch``, :func:`devo.lifetime.session.box_step`) therefore runs with

- **FTZ** (flush to zero, MXCSR bit 15): a result that would be subnormal is 0, and
- **DAZ** (denormals are zero, bit 6): a subnormal operand reads as 0,

and puts the caller's mode back before it returns, so Python, numpy and a Python environment's
code between env steps compute as before. A compiled call that raises (a user's compiled task can)
returns without that; the Evaluator calls them inside :func:`keep_callers_mode`, which puts the
mode back then. This is what XLA (and so JAX, LNDP's reference) does on
CPU. It is a change to the arithmetic, not a speed-only change: a value that would have been
subnormal is 0. A comparison with zero can in principle tell the two apart; none that was measured
did: every committed genome's lifetimes, the initial genomes of every experiment and a whole
CartPole run give the same numbers with and without it (docs/design.md).

On CPUs other than x86 the mode is left as it is (:data:`AVAILABLE` is False): subnormals are then
computed exactly, which can differ from x86 in the last bits of values below :math:`2^{-126}`.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator
from contextlib import contextmanager

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

AVAILABLE = platform.machine().lower() in ("x86_64", "amd64")
FTZ = 1 << 15  # MXCSR: flush subnormal results to zero
DAZ = 1 << 6  # MXCSR: read subnormal operands as zero

_I32 = ir.IntType(32)
_I8P = ir.IntType(8).as_pointer()
_CSR_FN = ir.FunctionType(ir.VoidType(), [_I8P])


@intrinsic
def _read_csr(typingctx):  # noqa: ARG001 -- numba's intrinsic signature
    """MXCSR (x86 ``stmxcsr``); 0 off x86."""

    def codegen(context, builder, signature, args):  # noqa: ARG001
        if not AVAILABLE:
            return ir.Constant(_I32, 0)
        slot = builder.alloca(_I32)
        fn = builder.module.declare_intrinsic("llvm.x86.sse.stmxcsr", fnty=_CSR_FN)
        builder.call(fn, [builder.bitcast(slot, _I8P)])
        return builder.load(slot)

    return types.uint32(), codegen


@intrinsic
def _write_csr(typingctx, value):  # noqa: ARG001
    """Set MXCSR to ``value`` (x86 ``ldmxcsr``); nothing off x86."""

    def codegen(context, builder, signature, args):  # noqa: ARG001
        if not AVAILABLE:
            return context.get_dummy_value()
        slot = builder.alloca(_I32)
        v = args[0]
        if v.type.width != 32:
            v = builder.trunc(v, _I32) if v.type.width > 32 else builder.zext(v, _I32)
        builder.store(v, slot)
        fn = builder.module.declare_intrinsic("llvm.x86.sse.ldmxcsr", fnty=_CSR_FN)
        builder.call(fn, [builder.bitcast(slot, _I8P)])
        return context.get_dummy_value()

    if not isinstance(value, types.Integer):
        return None
    return types.none(value), codegen


@njit(cache=True, inline="always", _nrt=False)
def flush_subnormals() -> int:
    """Turn FTZ and DAZ on; returns the previous mode, for :func:`restore_mode` (0 off x86)."""
    old = _read_csr()
    _write_csr(old | (FTZ | DAZ))
    return old


@njit(cache=True, inline="always", _nrt=False)
def restore_mode(old: int) -> None:
    """Put back the mode :func:`flush_subnormals` returned."""
    _write_csr(old)


@njit(cache=True, _nrt=False)
def current_mode() -> int:
    """The calling thread's MXCSR (0 off x86; for tests)."""
    return _read_csr()


@contextmanager
def keep_callers_mode() -> Iterator[None]:
    """Around Python's calls of compiled lifetimes: if one raises, put back the mode it found."""
    mode = current_mode()
    try:
        yield
    except BaseException:
        restore_mode(mode)
        raise
