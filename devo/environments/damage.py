"""Mid-life damage as a task option: ``make_task(name, damage="permute_actions" | "flip_obs",
damage_episodes=(lo, hi), damage_obs_index=-1)``.

Per lifetime, the damage episode is drawn uniformly from ``lo..hi`` (episodes counted from 0;
default 1..3); from that episode on, the actions are permuted (a random non-identity permutation;
one box dimension is mirrored, one bit inverted) or one observation is mirrored about the centre
of its bounds (a sign flip when unbounded or symmetric; the index drawn per lifetime unless
``damage_obs_index`` fixes it). The rules and the compiled version: :mod:`.native.damage`.
:class:`DamageAdapter` is the Python twin; it draws the damage exactly as the compiled code does
from ``rng_from_seed(seed)`` given to ``begin_lifetime``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from devo.environments.adapter import EnvAdapter
from devo.environments.native import damage as nd
from devo.environments.spec import ACTION_CODES, TaskSpec
from devo.errors import EnvironmentSpecError
from devo.rng import PyRng, derive_seed, rng_from_seed

DEFAULT_EPISODES = (1, 3)


@dataclass(frozen=True)
class DamageSpec:
    kind: str
    episodes: tuple[int, int] = DEFAULT_EPISODES
    obs_index: int = -1

    def describe(self) -> str:
        lo, hi = self.episodes
        at = f"episode {lo}" if lo == hi else f"a random episode in {lo}..{hi}"
        what = self.kind if self.obs_index < 0 else f"{self.kind} (observation {self.obs_index})"
        return f"{what} from {at}"


def parse_damage(
    name: str, damage: str | None, episodes: tuple[int, int] | list[int] | None, obs_index: int | None
) -> DamageSpec | None:
    if damage is None or damage == "" or damage == "none":
        if episodes is not None or obs_index is not None:
            raise EnvironmentSpecError(f"{name}: damage_episodes/damage_obs_index given without damage=")
        return None
    if damage not in nd.KINDS:
        raise EnvironmentSpecError(f"{name}: unknown damage {damage!r}; choose one of {sorted(nd.KINDS)}")
    eps = tuple(int(e) for e in (episodes if episodes is not None else DEFAULT_EPISODES))
    if len(eps) != 2 or eps[0] < 0 or eps[1] < eps[0]:
        raise EnvironmentSpecError(f"{name}: damage_episodes must be (lo, hi) with 0 <= lo <= hi, got {episodes}")
    idx = -1 if obs_index is None else int(obs_index)
    if damage != "flip_obs" and idx != -1:
        raise EnvironmentSpecError(f"{name}: damage_obs_index applies to damage='flip_obs' only")
    return DamageSpec(damage, (eps[0], eps[1]), idx)


def _mirror_sums(low: tuple[float, ...], high: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(lo + hi if math.isfinite(lo) and math.isfinite(hi) else 0.0 for lo, hi in zip(low, high, strict=True))


def perm_length(spec: TaskSpec, d: DamageSpec) -> int:
    return spec.n_actions if d.kind == "permute_actions" else spec.obs_dim


def damaged_spec(spec: TaskSpec, d: DamageSpec) -> TaskSpec:
    """``spec`` with the damage applied: its description and, if native, the composed kernel layout."""
    if d.kind == "permute_actions" and spec.action_kind == "discrete" and spec.n_actions < 2:
        raise EnvironmentSpecError(f"{spec.name}: permute_actions needs at least 2 actions")
    if d.kind == "flip_obs" and not -1 <= d.obs_index < spec.obs_dim:
        raise EnvironmentSpecError(
            f"{spec.name}: damage_obs_index {d.obs_index} outside the {spec.obs_dim} observations"
        )
    new = replace(spec, damage=d.describe())
    if not spec.has_native:
        return new
    n = perm_length(spec, d)
    m = spec.action_size
    if d.kind == "permute_actions":
        low, high = spec.act_low or (0.0,) * n, spec.act_high or (0.0,) * n
    else:
        low, high = spec.obs_low, spec.obs_high
    header = (
        float(nd.KINDS[d.kind]), float(d.episodes[0]), float(d.episodes[1]),
        float(ACTION_CODES[spec.action_kind]), float(n), float(d.obs_index),
        float(len(spec.native_params)), float(m),
    )  # fmt: skip
    assert len(header) == nd.P_HEADER
    params = header + tuple(spec.native_params) + _mirror_sums(low, high)
    return replace(
        new,
        native_params=params,
        native_state_size=nd.S_HEADER + n + m + spec.native_state_size,
    )


def first_damaged_episode(d: DamageSpec, seed: int) -> int:
    """The damage episode ``e*`` a lifetime's task draws from ``rng_from_seed(seed)`` (the first
    draw of :func:`draw_damage` and of :func:`.native.damage.begin`): episodes ``e*`` onwards are
    damaged."""
    return draw_damage(d, 1, PyRng(rng_from_seed(seed)))[0]


def draw_damage(d: DamageSpec, n: int, rng: PyRng) -> tuple[int, list[int], int]:
    """(damage episode, permutation, observation index) drawn exactly as :func:`.native.damage.begin`."""
    lo, hi = d.episodes
    episode = lo + rng.integers(hi - lo + 1)
    perm = list(range(n))
    k = -1
    if d.kind == "permute_actions":
        if n >= 2:
            while True:
                perm = list(range(n))
                for i in range(n - 1, 0, -1):
                    j = rng.integers(i + 1)
                    perm[i], perm[j] = perm[j], perm[i]
                if perm != list(range(n)):
                    break
    else:
        k = d.obs_index if d.obs_index >= 0 else rng.integers(n)
    return episode, perm, k


class DamageAdapter:
    """An :class:`EnvAdapter` that damages another from a drawn episode on."""

    def __init__(self, inner: EnvAdapter, spec: TaskSpec, d: DamageSpec) -> None:
        self.inner = inner
        self.spec = spec
        self.d = d
        self.n = perm_length(spec, d)
        if d.kind == "permute_actions":
            self.mirror = np.array(_mirror_sums(spec.act_low or (0.0,), spec.act_high or (0.0,)))
        else:
            self.mirror = np.array(_mirror_sums(spec.obs_low, spec.obs_high))
        self.episode = -1
        self.damage_episode = 0
        self.perm = list(range(self.n))
        self.obs_index = -1
        self._started = False

    def begin_lifetime(self, seed: int) -> None:
        rng = PyRng(rng_from_seed(seed))
        self.damage_episode, self.perm, self.obs_index = draw_damage(self.d, self.n, rng)
        self.episode = -1
        self._started = True
        self.inner.begin_lifetime(derive_seed(seed, 1))

    @property
    def damaged(self) -> bool:
        return self.episode >= self.damage_episode

    def _obs(self, obs: np.ndarray) -> np.ndarray:
        if self.d.kind == "flip_obs" and self.damaged:
            k = self.obs_index
            obs[k] = self.mirror[k] - obs[k]
        return obs

    def _action(self, action):
        if self.d.kind != "permute_actions" or not self.damaged:
            return action
        kind = self.spec.action_kind
        if kind == "discrete":
            return self.perm[int(action)]
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        if self.n == 1:
            return self.mirror[:1] - a if kind == "box" else (a == 0).astype(np.float64)
        return a[self.perm]

    def reset(self, seed: int) -> np.ndarray:
        if not self._started:
            self.begin_lifetime(seed)
        self.episode += 1
        return self._obs(self.inner.reset(seed))

    def step(self, action) -> tuple[np.ndarray, float, bool, bool]:
        obs, reward, terminated, truncated = self.inner.step(self._action(action))
        return self._obs(obs), reward, terminated, truncated

    def close(self) -> None:
        self.inner.close()
