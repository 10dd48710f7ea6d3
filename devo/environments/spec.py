"""TaskSpec: everything the rest of devo needs to know about a task, as plain picklable data."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ACTION_KINDS = ("discrete", "box", "multibinary")
# each kind's code in compiled code (a lifetime's act step, the native random-action loop): its
# index; compiled code tests ACT_DISCRETE and ACT_BOX, and treats any other code as multibinary
ACTION_CODES = {kind: code for code, kind in enumerate(ACTION_KINDS)}
ACT_DISCRETE = ACTION_CODES["discrete"]
ACT_BOX = ACTION_CODES["box"]
ACT_MULTIBINARY = ACTION_CODES["multibinary"]


@dataclass(frozen=True)
class TaskSpec:
    """The shape of a task: observation and action sizes and bounds, horizon, native fast path.

    ``obs_low``/``obs_high`` may hold -inf/inf. ``n_actions`` is the number of actions
    (discrete), of action dimensions (box) or of bits (multibinary); ``act_low``/``act_high`` are
    set for box actions only. ``kernel`` is the module of the task's compiled functions
    (:mod:`devo.environments.compiled`), "" when it has no compiled fast path; ``native_params`` and
    ``native_state_size`` size the arrays they take. ``damage`` describes mid-life damage
    (:mod:`devo.environments.damage`); a damaged compiled task runs its kernel inside the damage
    wrapper.
    """

    name: str
    obs_dim: int
    obs_low: tuple[float, ...]
    obs_high: tuple[float, ...]
    action_kind: str
    n_actions: int
    act_low: tuple[float, ...] | None = None
    act_high: tuple[float, ...] | None = None
    max_episode_steps: int = 1000
    kernel: str = ""
    native_params: tuple[float, ...] = ()
    native_state_size: int = 0
    reward_range: tuple[float, float] | None = None
    reward_threshold: float | None = None
    obs_space: str = ""
    action_space: str = ""
    damage: str = ""

    def __post_init__(self) -> None:
        if self.action_kind not in ACTION_KINDS:
            raise ValueError(f"{self.name}: action_kind must be one of {ACTION_KINDS}, got {self.action_kind!r}")
        if self.obs_dim < 1 or len(self.obs_low) != self.obs_dim or len(self.obs_high) != self.obs_dim:
            raise ValueError(f"{self.name}: obs_dim {self.obs_dim} does not match the bounds' lengths")
        if self.n_actions < 1:
            raise ValueError(f"{self.name}: n_actions must be >= 1, got {self.n_actions}")
        if self.action_kind == "box":
            if self.act_low is None or self.act_high is None:
                raise ValueError(f"{self.name}: box actions need act_low and act_high")
            if len(self.act_low) != self.n_actions or len(self.act_high) != self.n_actions:
                raise ValueError(f"{self.name}: act_low/act_high lengths differ from n_actions")
        if self.max_episode_steps < 1:
            raise ValueError(f"{self.name}: max_episode_steps must be >= 1, got {self.max_episode_steps}")

    @property
    def has_native(self) -> bool:
        return bool(self.kernel)

    @property
    def action_size(self) -> int:
        """Length of the float64 action array the native kernels take (1 for discrete)."""
        return 1 if self.action_kind == "discrete" else self.n_actions

    def obs_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.obs_low, np.float64), np.array(self.obs_high, np.float64)

    def act_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Box bounds; zeros for other kinds (so compiled code always gets arrays)."""
        if self.action_kind != "box":
            return np.zeros(self.n_actions), np.zeros(self.n_actions)
        return np.array(self.act_low, np.float64), np.array(self.act_high, np.float64)

    def describe_obs(self) -> str:
        """``"4 floats: x in [-4.8, 4.8], unbounded, ..."`` -- a short summary of the bounds."""
        return f"{self.obs_dim} float{'s' if self.obs_dim > 1 else ''}, {summarize_bounds(self.obs_low, self.obs_high)}"

    def describe_action(self) -> str:
        if self.action_kind == "discrete":
            return f"discrete, {self.n_actions} actions"
        if self.action_kind == "multibinary":
            return f"{self.n_actions} bits"
        assert self.act_low is not None and self.act_high is not None
        dims = f"{self.n_actions} dim{'s' if self.n_actions > 1 else ''}"
        return f"box, {dims} {summarize_bounds(self.act_low, self.act_high)}"


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.3g}"


def summarize_bounds(low: tuple[float, ...], high: tuple[float, ...], max_dims: int = 6) -> str:
    """Per dimension (up to ``max_dims``): ``±h`` when symmetric, ``[l, h]`` otherwise; beyond that,
    counts of bounded and unbounded dimensions."""
    if len(low) > max_dims:
        bounded = sum(1 for lo, hi in zip(low, high, strict=True) if math.isfinite(lo) and math.isfinite(hi))
        return f"{bounded} bounded, {len(low) - bounded} unbounded"
    parts = []
    for lo, hi in zip(low, high, strict=True):
        parts.append(f"±{_fmt(hi)}" if lo == -hi else f"[{_fmt(lo)}, {_fmt(hi)}]")
    return "(" + ", ".join(parts) + ")"
