"""``devo bench envs``: environment steps per second of every task, the compiled loop beside the
Python ``env.step`` loop, measured in the same run.

- native: the compiled random-action loop (:func:`devo.environments.check.random_native_steps`): draw a random
  action with devo's rng, step, observe, reset when the episode ends -- what a compiled lifetime
  pays per step besides its network;
- gymnasium: ``env.step(a)`` on the environment as ``gymnasium.make`` (or the task's factory)
  builds it, with pre-drawn random actions and ``env.reset()`` when an episode ends;
- adapter: the same through devo's Python-path adapter (``task.make_env()``), what a lifetime
  pays per step for an environment without a compiled twin.

Each figure is the median of ``--reps`` blocks of about ``--seconds`` each.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from devo.bench.timing import median_per_unit
from devo.environments.check import random_action, random_native_steps
from devo.environments.registry import make_task
from devo.environments.task import Task
from devo.rng import PyRng, rng_from_seed

TITLE = "environment steps/s: compiled tasks vs the Gymnasium step loop"
COLUMNS = [
    ("task", "task", ""),
    ("native_ns", "native ns/step", ".1f"),
    ("gym_ns", "gymnasium ns/step", ".0f"),
    ("adapter_ns", "devo adapter ns/step", ".0f"),
    ("native_steps_per_s", "native steps/s", ",.0f"),
    ("gym_steps_per_s", "gymnasium steps/s", ",.0f"),
    ("ratio", "native / gymnasium", ".0f"),
]
DAMAGED = ("CartPole-v1", {"damage": "permute_actions"})


def tasks() -> list[tuple[str, dict]]:
    """Every declared task with a compiled kernel (devo's shelf and any installed plug-in), then
    CartPole-v1 with damage."""
    from devo.environments.registry import entry, registered_names

    rows: list[tuple[str, dict]] = []
    for name in registered_names():
        try:
            e = entry(name)
        except Exception:  # noqa: BLE001 - a broken plug-in is check-env's to report, not the bench's
            continue
        if e is not None and e.kernel:
            rows.append((name, {}))
    if any(name == DAMAGED[0] for name, _ in rows):
        rows.append(DAMAGED)
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tasks", default="", help="comma-separated row names, e.g. CartPole-v1 (default: all)")
    parser.add_argument("--seconds", type=float, default=0.2, help="target length of one timed block")
    parser.add_argument("--reps", type=int, default=3, help="timed blocks per figure (median)")


def _label(name: str, kwargs: dict) -> str:
    return name + "".join(f" +{v}" for v in kwargs.values())


def native_ns(task: Task, seconds: float, reps: int) -> float:
    rng = rng_from_seed(1)

    def run(n: int) -> None:
        random_native_steps(task, n, rng)

    run(10)  # compile or load from the cache
    return median_per_unit(run, 10_000, seconds, reps) * 1e9


def _actions(task: Task, n: int) -> list:
    rng = PyRng(rng_from_seed(2))
    return [random_action(task.spec, rng) for _ in range(n)]


def gym_ns(task: Task, seconds: float, reps: int) -> float:
    env = task.make_gym_env()
    pool = _actions(task, 4096)
    if task.spec.action_kind == "box":
        pool = [a.astype(env.action_space.dtype) for a in pool]
    env.reset(seed=0)

    def run(n: int) -> None:
        step, reset = env.step, env.reset
        for i in range(n):
            _, _, terminated, truncated, _ = step(pool[i & 4095])
            if terminated or truncated:
                reset()

    try:
        return median_per_unit(run, 1000, seconds, reps) * 1e9
    finally:
        env.close()


def adapter_ns(task: Task, seconds: float, reps: int) -> float:
    env = task.make_env()
    pool = _actions(task, 4096)
    env.begin_lifetime(0)
    env.reset(0)
    seed = [0]

    def run(n: int) -> None:
        for i in range(n):
            _, _, terminated, truncated = env.step(pool[i & 4095])
            if terminated or truncated:
                seed[0] += 1
                env.reset(seed[0])

    try:
        return median_per_unit(run, 1000, seconds, reps) * 1e9
    finally:
        env.close()


def run(args: argparse.Namespace) -> Iterator[dict]:
    wanted = {t.strip() for t in args.tasks.split(",") if t.strip()}
    for name, kwargs in tasks():
        label = _label(name, kwargs)
        if wanted and label not in wanted:
            continue
        task = make_task(name, **kwargs)
        if not task.spec.has_native:
            continue
        nat = native_ns(task, args.seconds, args.reps)
        g = gym_ns(task, args.seconds, args.reps)
        a = adapter_ns(task, args.seconds, args.reps)
        yield {
            "task": label,
            "native_ns": nat,
            "gym_ns": g,
            "adapter_ns": a,
            "native_steps_per_s": 1e9 / nat,
            "gym_steps_per_s": 1e9 / g,
            "ratio": g / nat,
        }


def notes(rows: list[dict]) -> str:
    ratios = ", ".join(f"{r['task']} {r['ratio']:.0f}x" for r in rows)
    cart = [r for r in rows if r["task"] == "CartPole-v1"]
    verdict = ""
    if cart:
        ok = cart[0]["ratio"] >= 100
        verdict = (
            f"\nCartPole-v1 native/gymnasium = {cart[0]['ratio']:.0f}x: target >= 100x {'met' if ok else 'NOT met'}."
        )
    return (
        "native = compiled loop (random action from devo's rng, step, observe, reset on episode end); "
        "gymnasium = env.step on the gymnasium.make environment (Foraging/Bandit: devo's Python twins); "
        "adapter = devo's Python-path adapter around it. Damaged CartPole's gymnasium column is the "
        f"undamaged env.\nRatios: {ratios}.{verdict}"
    )
