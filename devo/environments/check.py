"""``devo check-env SPEC``: can devo use this environment, and if not, exactly why.

Checks, in order, stopping at the first failure: the spec resolves and the environment builds;
its spaces map to neurons; the task pickles (Ray workers get it that way) and rebuilds from the
pickle; a few random episodes run with finite, well-shaped observations and finite rewards; two
fresh copies with the same seeds and actions give the same observations (a warning if not: runs
would not reproduce); the compiled fast path, if any, runs. :func:`preflight` is the short version
a run performs before it starts.
"""

from __future__ import annotations

import math
import pickle
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from devo.environments.adapter import EnvAdapter, EpisodeError
from devo.environments.registry import make_task
from devo.environments.resolve import FROM_CWD
from devo.environments.spec import ACTION_CODES, TaskSpec
from devo.environments.task import Task
from devo.errors import EnvironmentSpecError
from devo.rng import PyRng, derive_seed, rng_from_seed

MAX_CHECK_STEPS = 20_000  # over all random episodes
DETERMINISM_STEPS = 200
LARGE_OBS = 1024


class _Fail(Exception):
    pass


@dataclass
class CheckReport:
    spec: str
    ok: bool = True
    reason: str = ""
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    task: Task | None = None

    def verdict(self) -> str:
        if not self.ok:
            return f"devo cannot use {self.spec}: {self.reason}"
        extra = f" ({len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''})" if self.warnings else ""
        return f"devo can use {self.spec}{extra}"

    def text(self) -> str:
        out = list(self.lines)
        out += [f"warning: {w}" for w in self.warnings]
        out.append(self.verdict())
        return "\n".join(out)


def random_action(spec: TaskSpec, rng: PyRng) -> Any:
    """A uniformly random action in devo's encoding, drawn from ``rng``."""
    if spec.action_kind == "discrete":
        return rng.integers(spec.n_actions)
    if spec.action_kind == "multibinary":
        return np.array([rng.integers(2) for _ in range(spec.n_actions)], dtype=np.int8)
    lo, hi = spec.act_bounds()
    return np.array([lo[k] + (hi[k] - lo[k]) * rng.uniform() for k in range(spec.n_actions)])


def random_rollout(task: Task, seed: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Observations (steps + 1 rows) and rewards of one seeded random episode, cut at ``steps``.

    Fully determined by ``(task, seed)``: the same in any process (used to test that a task
    rebuilds identically in a fresh process)."""
    env = task.make_env()
    rng = PyRng(rng_from_seed(derive_seed(seed, 0)))
    try:
        env.begin_lifetime(derive_seed(seed, 1))
        obs = [env.reset(derive_seed(seed, 2))]
        rewards = []
        for _ in range(steps):
            o, r, terminated, truncated = env.step(random_action(task.spec, rng))
            obs.append(o)
            rewards.append(r)
            if terminated or truncated:
                break
    finally:
        env.close()
    return np.array(obs), np.array(rewards)


def _describe(task: Task) -> list[str]:
    s = task.spec
    bounded = [k for k in range(s.obs_dim) if math.isfinite(s.obs_low[k]) and math.isfinite(s.obs_high[k])]
    unbounded = s.obs_dim - len(bounded)
    norm = (
        "all normalised from their bounds"
        if not unbounded
        else f"{len(bounded)} normalised from bounds, {unbounded} from running statistics"
    )
    lines = [
        f"environment: {s.name} ({task.env_ref.origin or task.env_ref.kind})",
        f"observation: {s.obs_space} -> {s.describe_obs()}; {norm}",
        f"action:      {s.action_space} -> {s.describe_action()}",
        f"horizon:     {s.max_episode_steps} steps per episode",
        f"native:      {'yes (compiled kernel ' + s.kernel + ')' if s.has_native else 'no (Python path)'}",
    ]
    if s.damage:
        lines.append(f"damage:      {s.damage}")
    target = task.env_ref.target
    if isinstance(target, str) and target.partition(":")[0] in FROM_CWD:
        lines.append(
            f"note:        {target.partition(':')[0]!r} was found in the working directory, which devo added to "
            f"sys.path and PYTHONPATH; on other machines install the package or set PYTHONPATH"
        )
    return lines


def _check_pickle(task: Task) -> Task:
    target = task.env_ref.target
    if isinstance(target, str) and target.split(":")[0] == "__main__":
        raise _Fail(
            f"its module is __main__ ({target}); Ray workers cannot import that. Move the class or "
            f"factory into a module and give 'module:attr'"
        )
    try:
        return pickle.loads(pickle.dumps(task))
    except Exception as exc:
        raise _Fail(
            f"the task cannot be pickled for Ray workers ({type(exc).__name__}: {exc}); use a "
            f"'module:attr' spec and picklable keyword arguments"
        ) from exc


def _episodes(task: Task, env: EnvAdapter, episodes: int, seed: int, max_steps: int, report: CheckReport) -> None:
    s = task.spec
    rng = PyRng(rng_from_seed(derive_seed(seed, 10)))
    env.begin_lifetime(derive_seed(seed, 11))
    lo, hi = s.obs_bounds()
    seen_lo = np.full(s.obs_dim, np.inf)
    seen_hi = np.full(s.obs_dim, -np.inf)
    returns, lengths, ends = [], [], {"terminated": 0, "truncated": 0, "cut": 0}
    budget = MAX_CHECK_STEPS
    t0 = time.perf_counter()
    n_steps = 0
    for ep in range(episodes):
        where = f"random episode {ep}, reset"
        try:
            obs = env.reset(derive_seed(seed, 12, ep))
            _finite(obs, where)
            seen_lo, seen_hi = np.minimum(seen_lo, obs), np.maximum(seen_hi, obs)
            total, t = 0.0, 0
            while True:
                where = f"random episode {ep}, step {t + 1}"
                obs, r, terminated, truncated = env.step(random_action(s, rng))
                t += 1
                n_steps += 1
                _finite(obs, where)
                if not math.isfinite(r):
                    raise _Fail(f"{where}: the reward is {r}")
                seen_lo, seen_hi = np.minimum(seen_lo, obs), np.maximum(seen_hi, obs)
                total += r
                if terminated or truncated:
                    ends["terminated" if terminated else "truncated"] += 1
                    break
                if t >= min(max_steps, budget):
                    ends["cut"] += 1
                    break
            budget -= t
        except EpisodeError as exc:
            raise _Fail(f"{where}: {exc}") from exc
        returns.append(total)
        lengths.append(t)
        if budget <= 0:
            break
    dt = time.perf_counter() - t0
    report.lines.append(
        f"random play: {len(returns)} episodes, return mean {np.mean(returns):.4g} "
        f"[{min(returns):.4g}, {max(returns):.4g}], length mean {np.mean(lengths):.1f}; "
        f"{ends['terminated']} terminated, {ends['truncated']} truncated"
        + (f", {ends['cut']} cut short by the check" if ends["cut"] else "")
        + f"; {n_steps / dt if dt > 0 else 0:,.0f} steps/s (Python path)"
    )
    out = [k for k in range(s.obs_dim) if seen_lo[k] < lo[k] - 1e-6 or seen_hi[k] > hi[k] + 1e-6]
    if out:
        k = out[0]
        report.warnings.append(
            f"observation {k} left its declared bounds [{lo[k]:.4g}, {hi[k]:.4g}] (seen "
            f"[{seen_lo[k]:.4g}, {seen_hi[k]:.4g}]"
            + (f"; {len(out) - 1} more dims too" if len(out) > 1 else "")
            + "); normalisation from bounds clips such values"
        )


def _finite(obs: np.ndarray, where: str) -> None:
    if not np.isfinite(obs).all():
        bad = np.flatnonzero(~np.isfinite(obs))
        raise _Fail(
            f"{where}: the observation is not finite at index {bad[:8].tolist()} "
            f"(values {obs[bad[:8]].tolist()}); during a run such an episode gets the worst fitness"
        )


def _determinism(task: Task, seed: int, report: CheckReport) -> None:
    steps = min(task.spec.max_episode_steps, DETERMINISM_STEPS)
    a_obs, a_rew = random_rollout(task, seed, steps)
    b_obs, b_rew = random_rollout(task, seed, steps)
    if a_obs.shape != b_obs.shape or not (np.array_equal(a_obs, b_obs) and np.array_equal(a_rew, b_rew)):
        n = min(len(a_obs), len(b_obs))
        diff = [k for k in range(n) if not np.array_equal(a_obs[k], b_obs[k])]
        at = diff[0] if diff else n
        report.warnings.append(
            f"not deterministic under a seed: two runs with the same seeds and actions differ from "
            f"step {at}; results will not reproduce exactly (seed every random draw from reset(seed=...))"
        )
    else:
        report.lines.append(f"determinism: same seeds and actions give the same {len(a_obs)} observations")


def random_native_steps(task: Task, n: int, rng: np.ndarray) -> tuple[float, int, int]:
    """``n`` steps of ``task``'s compiled fast path with uniformly random actions drawn from
    ``rng`` (devo's ``uint64[4]`` state; a new lifetime first, a reset whenever an episode ends):
    total reward, finished episodes, steps whose observation was not finite. check-env's native
    check, and what ``devo bench envs`` times (the loop of :mod:`.native.loop`, specialised for the
    task)."""
    from devo.environments.compiled import for_task

    s = task.spec
    loop = for_task("devo.environments.native.loop", s)
    params, state = task.native_buffers()
    lo, hi = s.act_bounds()
    return loop.random_steps(
        params, state, np.zeros(s.obs_dim), np.zeros(s.action_size), lo, hi, ACTION_CODES[s.action_kind],
        s.n_actions, s.max_episode_steps, n, rng,
    )  # fmt: skip


def _native(task: Task, seed: int, report: CheckReport) -> None:
    """The compiled functions called as a lifetime calls them (as Python first: numpy checks every
    index), then 10,000 compiled random steps, then, if the kernel can read the Python twin's state
    (``state_from_env``), both stepped in lockstep with the same actions."""
    from devo.environments.compiled import load_kernel

    s = task.spec
    check_compiled(task)
    n = 10_000
    total, episodes, bad = random_native_steps(task, n, rng_from_seed(derive_seed(seed, 20)))
    if bad:
        report.warnings.append(f"compiled fast path produced {bad} non-finite observations in {n} random steps")
    else:
        report.lines.append(f"native: {n} random compiled steps, {episodes} episodes, all observations finite")
    mod, _ = load_kernel(s.kernel, s.name)
    if hasattr(mod, "state_from_env") and not s.damage:
        _twin(task, mod, seed, report)


def check_compiled(task: Task) -> None:
    """:func:`devo.environments.compiled.check_kernel` with the arrays a lifetime of ``task`` gives:
    raises :class:`EnvironmentSpecError` naming the function and what was expected. Run it before
    anything runs the task compiled (compiled code does not check indices)."""
    from devo.environments.compiled import check_kernel

    s = task.spec
    first = np.zeros(s.action_size) if s.action_kind != "box" else np.array(s.act_low, np.float64)
    params = s.native_params if not s.damage else _inner_params(task)
    check_kernel(s.kernel, s.name, params, _inner_state(task), s.obs_dim, s.action_size, first)


def _inner_params(task: Task) -> tuple[float, ...]:
    from devo.environments.native.damage import inner_offsets

    p0, p1, _ = inner_offsets(task.spec.native_params)
    return tuple(task.spec.native_params[p0:p1])


def _inner_state(task: Task) -> int:
    from devo.environments.native.damage import inner_offsets

    if not task.spec.damage:
        return task.spec.native_state_size
    return task.spec.native_state_size - inner_offsets(task.spec.native_params)[2]


def _twin(task: Task, mod: Any, seed: int, report: CheckReport, steps: int = 200) -> None:
    """The compiled kernel and the Python environment from the same state, stepped with the same
    random actions: observations (to 1e-5), rewards and terminations must agree."""
    s = task.spec
    env = task.make_gym_env()
    try:
        obs_py, _ = env.reset(seed=seed)
        params = np.array(s.native_params, np.float64)
        state = np.array(mod.state_from_env(env), np.float64)
        obs = np.zeros(s.obs_dim)
        rng = rng_from_seed(derive_seed(seed, 21))
        act_rng = np.random.default_rng(seed)
        mod.observe(params, state, obs)
        for t in range(steps + 1):
            if not np.allclose(obs, np.asarray(obs_py, np.float64).ravel(), atol=1e-5, rtol=0):
                raise _Fail(
                    f"compiled kernel {s.kernel} and the Python environment disagree at step {t}: observation "
                    f"{obs.tolist()} vs {np.asarray(obs_py).ravel().tolist()} (state_from_env, observe and step "
                    f"must follow the Python environment's rules)"
                )
            if t == steps:
                break
            a = act_rng.integers(s.n_actions) if s.action_kind == "discrete" else act_rng.uniform(
                np.array(s.act_low), np.array(s.act_high)) if s.action_kind == "box" else act_rng.integers(
                0, 2, s.n_actions)  # fmt: skip
            act = np.array(a, np.float64).reshape(s.action_size)
            obs_py, r_py, term_py, trunc_py, _ = env.step(a)
            r, term = mod.step(params, state, act, rng)
            mod.observe(params, state, obs)
            if abs(float(r) - float(r_py)) > 1e-6 * max(1.0, abs(float(r_py))) or bool(term) != bool(term_py):
                raise _Fail(
                    f"compiled kernel {s.kernel} and the Python environment disagree at step {t + 1}: reward "
                    f"{float(r)} vs {float(r_py)}, terminated {bool(term)} vs {bool(term_py)}"
                )
            if term_py or trunc_py:
                break
        report.lines.append(f"twin: compiled kernel and Python environment agree for {t} steps (state_from_env)")
    finally:
        env.close()


def check_task(
    task: Task, *, episodes: int = 3, seed: int = 0, max_steps: int | None = None, thorough: bool = True,
    report: CheckReport | None = None,
) -> CheckReport:  # fmt: skip
    """Run the checks on a made task (``thorough=False``: no determinism and native checks)."""
    report = report or CheckReport(task.spec.name, task=task)
    report.task = task
    try:
        if not report.lines:
            report.lines += _describe(task)
        if task.spec.obs_dim > LARGE_OBS:
            report.warnings.append(f"{task.spec.obs_dim} observation values means as many input neurons")
        rebuilt = _check_pickle(task)
        env = rebuilt.make_env()
        try:
            _episodes(rebuilt, env, episodes, seed, max_steps or task.spec.max_episode_steps, report)
        finally:
            env.close()
        if thorough:
            _determinism(rebuilt, seed, report)
            if task.spec.has_native:
                _native(task, seed, report)
        elif task.spec.has_native:
            check_compiled(task)
    except _Fail as exc:
        report.ok, report.reason = False, str(exc)
    except EnvironmentSpecError as exc:
        report.ok, report.reason = False, str(exc)
    return report


def check_env(
    spec: str,
    *,
    episodes: int = 3,
    seed: int = 0,
    max_steps: int | None = None,
    env_kwargs: dict[str, Any] | None = None,
    **kwargs: Any,
) -> CheckReport:
    """Build ``spec`` (with ``env_kwargs`` and ``kwargs``, as :func:`make_task`; ``env_kwargs`` may hold
    names such as ``seed`` or ``max_steps`` that are this function's own) and check it; never raises
    for the environment's faults: the report says what went wrong."""
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be >= 1, got {max_steps}")
    report = CheckReport(spec)
    try:
        task = make_task(spec, **{**(env_kwargs or {}), **kwargs})
    except EnvironmentSpecError as exc:
        report.ok, report.reason = False, str(exc)
        return report
    report.lines += _describe(task)
    return check_task(task, episodes=episodes, seed=seed, max_steps=max_steps, report=report)


def preflight(task: Task, seed: int = 0) -> None:
    """One short random episode through a pickled copy; raises :class:`EnvironmentSpecError` with
    the reason if devo cannot use the task. A run calls this before it starts."""
    report = check_task(task, episodes=1, seed=seed, max_steps=50, thorough=False)
    if not report.ok:
        raise EnvironmentSpecError(report.verdict())
