"""Neuron and trace parameters as frozen dataclasses, and their packed float32 vectors.

The kernels read parameters as packed vectors (``P_*`` and ``T_*`` in :mod:`devo.snn.state`), so
a genome can later write them directly; these dataclasses are the readable, validated way in.
Time constants are in ticks; a decay per tick is ``exp(-1 / tau)`` (``tau = 0`` gives decay 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from devo.snn import state as S


def decay(tau: float) -> float:
    """Per-tick decay factor ``exp(-1/tau)`` of a time constant in ticks; 0 for ``tau == 0``."""
    if tau < 0 or not math.isfinite(tau):
        raise ValueError(f"a time constant must be finite and >= 0 ticks, got {tau}")
    return 0.0 if tau == 0 else math.exp(-1.0 / tau)


@dataclass(frozen=True)
class NeuronParams:
    """Leaky integrate-and-fire parameters of one neuron; ``adapt_increment > 0`` makes it adaptive.

    Attributes:
        tau_m: membrane time constant (ticks); leak factor beta = exp(-1/tau_m).
        threshold: base firing threshold theta.
        v_reset: membrane potential after a spike.
        refractory: ticks after a spike during which the neuron holds v_reset and cannot fire.
        tau_adapt: time constant of the threshold adaptation (ticks).
        adapt_increment: jump alpha of the adaptation per spike (0 = plain LIF).
        bias: constant input current.
    """

    tau_m: float = 10.0
    threshold: float = 1.0
    v_reset: float = 0.0
    refractory: int = 1
    tau_adapt: float = 50.0
    adapt_increment: float = 0.0
    bias: float = 0.0

    def __post_init__(self) -> None:
        if not self.threshold > 0:
            raise ValueError(f"threshold must be > 0, got {self.threshold}")
        if self.refractory < 0 or int(self.refractory) != self.refractory:
            raise ValueError(f"refractory must be an integer >= 0 ticks, got {self.refractory}")
        if self.adapt_increment < 0:
            raise ValueError(f"adapt_increment must be >= 0, got {self.adapt_increment}")
        decay(self.tau_m)
        decay(self.tau_adapt)

    def vector(self) -> np.ndarray:
        """The packed float32 vector (order ``P_*``) that kernels read."""
        p = np.zeros(S.N_NP, np.float32)
        p[S.P_BETA] = decay(self.tau_m)
        p[S.P_THR] = self.threshold
        p[S.P_VRESET] = self.v_reset
        p[S.P_TREF] = self.refractory
        p[S.P_RHO] = decay(self.tau_adapt)
        p[S.P_AINC] = self.adapt_increment
        p[S.P_BIAS] = self.bias
        return p

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TraceParams:
    """Network-wide constants of spike traces and pair-based STDP eligibility.

    Attributes:
        tau_pre: presynaptic trace time constant (ticks).
        tau_post: postsynaptic trace time constant (ticks).
        tau_rate: time constant of the slow firing-rate estimate (ticks).
        tau_elig: eligibility-trace time constant (ticks).
        a_plus: eligibility added at a post spike, times the presynaptic trace.
        a_minus: eligibility removed at a pre spike, times the postsynaptic trace.
        tau_syn: synaptic current time constant (ticks); 0 = delta synapses.
    """

    tau_pre: float = 5.0
    tau_post: float = 5.0
    tau_rate: float = 100.0
    tau_elig: float = 20.0
    a_plus: float = 1.0
    a_minus: float = 1.0
    tau_syn: float = 0.0

    def __post_init__(self) -> None:
        for name in ("tau_pre", "tau_post", "tau_rate", "tau_elig", "tau_syn"):
            decay(getattr(self, name))
        for name in ("a_plus", "a_minus"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)}")

    def vector(self) -> np.ndarray:
        """The packed float32 vector (order ``T_*``) that kernels read."""
        t = np.zeros(S.N_TP, np.float32)
        t[S.T_D_PRE] = decay(self.tau_pre)
        t[S.T_D_POST] = decay(self.tau_post)
        t[S.T_D_RATE] = decay(self.tau_rate)
        t[S.T_D_ELIG] = decay(self.tau_elig)
        t[S.T_A_PLUS] = self.a_plus
        t[S.T_A_MINUS] = self.a_minus
        t[S.T_D_SYN] = decay(self.tau_syn)
        return t

    def to_dict(self) -> dict:
        return asdict(self)
