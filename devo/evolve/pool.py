"""devo's evaluation layer: lifetimes of many genomes, in-process or over Ray, with the same numbers.

A *job* is one genome row with the seeds of its trials: ``(row, (seed_0, seed_1, ...))``; its
result is one record (a :class:`~devo.lifetime.LifetimeResult` dict plus ``raised``: the
message of an exception the lifetime raised, else None) per trial.
:func:`run_jobs` is the only code that runs lifetimes; both pools call it, so workers 0, 1 and N
agree bit for bit (a lifetime depends only on its genome and seed).

- :class:`LocalPool` (``workers = 0``): no Ray; for debugging and small runs.
- :class:`RayPool`: persistent actors, one CPU each. Each actor builds the
  :class:`~devo.lifetime.Evaluator` once (compiled code, environment) and keeps it, keyed by the
  lifetime config, for every genome of every generation; the config is ``ray.put`` once per run.
  One lifetime runs in the driver before the actors start (numba compiles once per machine and
  the actors load its on-disk cache), and one in each actor when it is created, so compiling
  never happens inside a generation.
  Jobs are split into single lifetimes, which go out in chunks, two chunks in flight per actor
  (the second waits in the actor's queue, so the actor never idles while its result travels back
  and the driver sends the next one), the next chunk to whichever actor has a free slot (dynamic
  balancing through ``ray.wait``). Chunks shrink as the batch drains (a third of what is left per
  worker): a lifetime that balances a pole costs a hundred times one that drops it, so equal
  chunks, or a genome's trials kept together, left one worker idle at the end of every batch (2
  workers were 1.4x one process on late CartPole generations). A chunk whose worker died (killed,
  OOM, segfault, lost node) is sent again, to a restarted or replaced actor, so the generation
  completes with the same numbers. A chunk that kills its worker ``max_retries + 1`` times is
  split into single lifetimes; a lifetime that still kills its worker gets the worst fitness and
  an error flag.

An exception raised by a lifetime (not a worker death) never stops a run: that trial gets
:data:`~devo.lifetime.WORST_FITNESS` and its message in ``raised``, counted in the metrics.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import numpy as np

from devo.errors import DevoError
from devo.lifetime import WORST_FITNESS, Evaluator, LifetimeResult

__all__ = [
    "Job",
    "LocalPool",
    "Pool",
    "PoolStats",
    "RayPool",
    "build_evaluator",
    "init_ray",
    "open_pool",
    "run_jobs",
]

Job = tuple[int, tuple[int, ...]]  # (genome row, seeds of its trials)
TrialRecord = dict[str, Any]

log = logging.getLogger(__name__)
PING_S = 0.25  # how often a restarting actor is asked whether it is back
IN_FLIGHT = 2  # chunks sent to an actor before its first comes back: one runs, one waits in its queue


def build_evaluator(setup: Any) -> Evaluator:
    """Build the lifetime evaluator for ``setup``; a failure, or a lifetime too large for this
    machine's memory, becomes a :class:`DevoError`."""
    from devo.lifetime.capacity import check_capacity

    try:
        ev = Evaluator(setup)
    except DevoError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here is the config's, say so plainly
        raise DevoError(f"cannot build a lifetime for this config ({type(exc).__name__}: {exc})") from exc
    check_capacity(ev)  # one lifetime must fit in this machine's memory
    return ev


def _failed_trial(message: str) -> TrialRecord:
    rec = LifetimeResult(fitness=WORST_FITNESS).to_dict()
    rec["raised"] = message
    return rec


def run_jobs(evaluator: Any, genomes: np.ndarray, jobs: Sequence[Job]) -> list[list[TrialRecord]]:
    """Run every trial of every job with ``evaluator``; one list of trial records per job.

    A trial that raises gets the worst fitness and ``raised = "Type: message"``; NaN handling is
    the evaluator's (``nan = True``).
    """
    out: list[list[TrialRecord]] = []
    for row, seeds in jobs:
        # A writable, contiguous float32 copy: arrays that come out of Ray's object store are
        # read-only, and numba compiles a whole new specialisation (minutes) for read-only arrays.
        genome = np.array(genomes[row], dtype=np.float32, copy=True, order="C")
        trials = []
        for seed in seeds:
            try:
                rec = evaluator(genome, int(seed)).to_dict()
                rec["raised"] = None
            except Exception as exc:  # noqa: BLE001 - a bad lifetime must not end the run
                rec = _failed_trial(f"{type(exc).__name__}: {exc}")
            trials.append(rec)
        out.append(trials)
    return out


@dataclass
class PoolStats:
    """What the pool had to do beyond plain evaluation (for logs, not for metrics)."""

    chunks: int = 0
    worker_deaths: int = 0
    retries: int = 0
    actors_replaced: int = 0
    gave_up: int = 0  # genomes that killed their worker every time: worst fitness


class Pool:
    """Evaluates jobs; ``with open_pool(...) as pool:`` closes it. ``warm_errors``: what the warm-up
    lifetimes (driver and workers) caught, for the caller to report."""

    workers: int = 0
    stats: PoolStats
    warm_errors: list[str] = []  # noqa: RUF012 - replaced per instance by open_pool / RayPool

    def evaluate(
        self, genomes: np.ndarray, jobs: Sequence[Job], on_dispatch: Callable[[], None] | None = None
    ) -> list[list[TrialRecord]]:
        raise NotImplementedError

    def worker_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        return None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalPool(Pool):
    """In-process evaluation (``workers = 0``): no Ray, one evaluator."""

    def __init__(self, setup: Any, evaluator: Any | None = None) -> None:
        self.workers = 0
        self.stats = PoolStats()
        self.evaluator = evaluator if evaluator is not None else build_evaluator(setup)

    def evaluate(
        self, genomes: np.ndarray, jobs: Sequence[Job], on_dispatch: Callable[[], None] | None = None
    ) -> list[list[TrialRecord]]:
        if on_dispatch is not None:
            on_dispatch()
        self.stats.chunks += 1
        return run_jobs(self.evaluator, genomes, jobs)

    def worker_pids(self) -> list[int]:
        return [os.getpid()]


def _warm(evaluator: Any) -> str | None:
    """Live one lifetime now, so compiled code is compiled (or loaded from numba's on-disk cache)
    before generation 0 rather than inside it. Returns what went wrong (an exception, or a lifetime
    that blew up) as a message for the caller to report, else None; the run goes on either way
    (real genomes may fare differently; generation 0 shows it)."""
    try:
        result = evaluator(np.array(evaluator.initial_genome(0), dtype=np.float32), 0)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"{type(exc).__name__}: {exc}"
    if getattr(result, "nan", False):
        return f"the lifetime blew up ({getattr(result, 'error', '') or 'non-finite values'})"
    return None


def identity_error(driver: dict[str, str], worker: dict[str, str], where: str = "a Ray worker") -> DevoError:
    """The refusal of a worker whose devo (version, source hash) is not the driver's."""
    return DevoError(
        f"{where} runs devo {worker.get('version')} (source {worker.get('source')}) from {worker.get('path')}, "
        f"but this driver runs devo {driver.get('version')} (source {driver.get('source')}) from "
        f"{driver.get('path')}: its lifetimes would differ. Install the same devo on every node; Ray puts the "
        "driver's working directory first on each worker's path, so do not start devo in a folder that holds "
        "another devo/ checkout"
    )


class EvalWorker:
    """The Ray actor: keeps built evaluators (by lifetime-config key) for the life of the process."""

    def __init__(self) -> None:
        self._evaluators: dict[str, Any] = {}
        self._builds = 0

    def _evaluator(self, setup: Any, key: str) -> Any:
        ev = self._evaluators.get(key)
        if ev is None:
            if len(self._evaluators) >= 2:  # a run uses one; `devo eval` may add a second
                self._evaluators.pop(next(iter(self._evaluators)))
            ev = self._evaluators[key] = build_evaluator(setup)
            self._builds += 1
        return ev

    def prepare(self, setup: Any, key: str) -> dict[str, Any]:
        ev = self._evaluator(setup, key)
        return {"pid": os.getpid(), "genome_size": int(ev.genome_size), "warm_error": _warm(ev)}

    def evaluate(self, setup: Any, key: str, genomes: np.ndarray, jobs: list[Job]) -> list[list[TrialRecord]]:
        return run_jobs(self._evaluator(setup, key), genomes, jobs)

    def pid(self) -> int:
        return os.getpid()

    def info(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "builds": self._builds, "keys": list(self._evaluators)}


@contextmanager
def _auth_warnings_silenced() -> Iterator[None]:
    """Ray 2.60 logs "token authentication is enabled by default" on every start; devo means it."""
    logger = logging.getLogger("ray._private.authentication.authentication_token_setup")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(old)


def _enable_token_auth_if_available() -> None:
    """Joining with an explicit address, Ray 2.60 uses a token only if RAY_AUTH_MODE=token is set;
    devo switches it on when the variable is unset and a token exists (~/.ray/auth_token,
    RAY_AUTH_TOKEN_PATH or RAY_AUTH_TOKEN). Setting the variable alone is not enough once Ray is
    imported (its config is cached), hence Ray's own helper."""
    if "RAY_AUTH_MODE" in os.environ:
        return
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # pragma: no cover - another Ray version: the user sets RAY_AUTH_MODE
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def _quiet_ray_console() -> None:
    """Ray's driver prints cluster errors ("A worker died...", colour-coded) straight to stdout,
    past ``--quiet`` and the live display; devo reports worker deaths itself (the pool retries and
    counts them), so those prints are switched off."""
    with suppress(ImportError, AttributeError):
        import ray._private.worker as ray_worker

        ray_worker._worker_logs_enabled = False


def init_ray(num_cpus: int | None = None, address: str = "") -> None:
    """Start embedded Ray (``address == ""``) or join the cluster at ``address``.

    Embedded: a fresh local instance (never an unrelated ``ray start`` cluster on this machine),
    no dashboard, ``num_cpus`` CPUs, Ray's default token authentication left on, its warning
    silenced. Ray 2.60 resolves even ``127.0.0.1`` to the machine's routable address, so the
    embedded instance is reachable from the network: auth must stay on (the token is
    ``~/.ray/auth_token``, created on first use). A user who sets ``RAY_AUTH_MODE`` keeps their
    choice. Joining: see :func:`_enable_token_auth_if_available` and docs/ray.md.
    """
    import ray

    from devo.evolve.raynet import check_address, secure_auth_token

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address:
        check_address(address)  # seconds, not Ray's ~14 minutes of retries
    secure_auth_token(create=not address)
    with _auth_warnings_silenced():
        if address:
            _enable_token_auth_if_available()
            try:
                ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
            except Exception as exc:  # noqa: BLE001 - Ray raises several types; all mean "cannot join"
                first = (str(exc).strip().splitlines() or [""])[0]
                raise DevoError(
                    f"cannot join the Ray cluster at {address!r} ({type(exc).__name__}: {first}). "
                    "Is `ray start --head` running there, and does this machine have the cluster's auth "
                    "token (~/.ray/auth_token or RAY_AUTH_TOKEN)? See docs/ray.md."
                ) from None
        else:
            ray.init(
                address="local",
                num_cpus=num_cpus,
                include_dashboard=False,
                logging_level=logging.WARNING,
                log_to_driver=False,
            )
    secure_auth_token(create=False)  # a token Ray made meanwhile
    _quiet_ray_console()


def _worker_died_errors() -> tuple[type[BaseException], ...]:
    from ray import exceptions as rex

    return (
        rex.RayActorError,
        rex.WorkerCrashedError,
        rex.NodeDiedError,
        rex.ObjectLostError,
        rex.OwnerDiedError,
        rex.OutOfMemoryError,
        rex.LocalRayletDiedError,
    )


@dataclass
class _Chunk:
    trials: list[tuple[int, int, int, int]]  # (job position, trial position, genome row, seed)
    attempts: int = 0


class RayPool(Pool):
    """Persistent Ray actors with chunked dynamic dispatch and retries on worker death."""

    def __init__(
        self,
        setup: Any,
        workers: int = -1,
        address: str = "",
        chunk_size: int = 0,
        max_retries: int = 3,
        key: str | None = None,
    ) -> None:
        import ray

        from devo.experiment import lifetime_hash

        self.stats = PoolStats()
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self._owns_ray = False
        if not ray.is_initialized():
            init_ray(None if workers < 0 else max(workers, 1), address)
            self._owns_ray = True
        n = workers if workers > 0 else max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.workers = n
        self._key = key or lifetime_hash(setup)
        self._setup_ref = ray.put(setup)  # shared once; every call passes the reference
        self._actor_cls = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(EvalWorker)
        self._actors = [self._actor_cls.remote() for _ in range(n)]
        self._lives = [0] * n  # per actor slot: deaths noted so far (a chunk sent before one is lost)
        self._info: list[dict[str, Any]] = []
        self.warm_errors: list[str] = []
        self._prepare_all()

    def _prepare_all(self) -> None:
        """Check every actor runs this devo and build its evaluator now, in parallel (not inside
        the first generation)."""
        import ray

        self._check_identity()
        try:
            self._info = ray.get([a.prepare.remote(self._setup_ref, self._key) for a in self._actors])
        except ray.exceptions.RayTaskError as exc:
            self.close()
            raise DevoError(f"a Ray worker cannot build the lifetime: {_cause(exc)}") from None
        self.warm_errors = sorted({str(i["warm_error"]) for i in self._info if i.get("warm_error")})

    def _check_identity(self) -> None:
        """Refuse to start if an actor imports another devo than this driver (the probe runs the
        driver's code in the worker: :mod:`devo.evolve.identity`)."""
        import ray

        from devo.evolve.identity import probe_code, same_devo, worker_identity

        me, probe = worker_identity(), probe_code()
        try:
            theirs = ray.get([a.__ray_call__.remote(probe) for a in self._actors])
        except ray.exceptions.RayTaskError as exc:
            self.close()
            raise DevoError(f"a Ray worker cannot import devo: {_cause(exc)}") from None
        for k, other in enumerate(theirs):
            if not same_devo(me, other):
                self.close()
                raise identity_error(me, other, f"Ray worker {k}")

    def worker_pids(self, wait_s: float = 120.0) -> list[int]:
        """The actors' process ids (waiting for restarting actors to come back)."""
        import ray

        died = _worker_died_errors()
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return [int(p) for p in ray.get([a.pid.remote() for a in self._actors])]
            except died:
                if time.monotonic() > deadline:
                    raise
                time.sleep(PING_S)

    def _next_chunk(self, pending: deque[tuple[int, int, int, int]]) -> _Chunk:
        """The next chunk of single lifetimes: ``chunk_size`` of them, or by default a third of
        what is left per worker (guided self-scheduling: large chunks first, single lifetimes at
        the end, so no worker idles while another finishes a long chunk)."""
        size = self.chunk_size or max(1, -(-len(pending) // (3 * self.workers)))
        return _Chunk([pending.popleft() for _ in range(min(size, len(pending)))])

    def evaluate(
        self, genomes: np.ndarray, jobs: Sequence[Job], on_dispatch: Callable[[], None] | None = None
    ) -> list[list[TrialRecord]]:
        import ray

        died = _worker_died_errors()
        # Every trial is dispatched on its own (a genome's trials may run on different workers)
        # and put back in its place, so the records do not depend on how the work was split.
        results: list[list[TrialRecord | None]] = [[None] * len(seeds) for _, seeds in jobs]
        pending = deque((p, t, row, seed) for p, (row, seeds) in enumerate(jobs) for t, seed in enumerate(seeds))
        queue: deque[_Chunk] = deque()  # chunks sent back by a worker's death
        # free slots: each actor IN_FLIGHT times, interleaved so the first chunks spread over actors
        idle = deque(a for _ in range(IN_FLIGHT) for a in range(len(self._actors)))
        inflight: dict[Any, tuple[int, _Chunk, int]] = {}  # ref -> (actor, chunk, actor's life when sent)
        # An actor whose worker died is restarting: Ray refuses its calls until it is back. It gets
        # no work until it answers a ping (re-pinged every PING_S), so no retry is wasted on it.
        pings: dict[Any, int] = {}
        later: list[tuple[float, int]] = []
        dispatched = False
        try:
            while queue or pending or inflight:
                while (queue or pending) and idle:
                    a = idle.popleft()
                    chunk = queue.popleft() if queue else self._next_chunk(pending)
                    rows = sorted({row for _, _, row, _ in chunk.trials})
                    local = {r: i for i, r in enumerate(rows)}
                    sub = np.ascontiguousarray(genomes[rows])
                    local_jobs = [(local[row], (seed,)) for _, _, row, seed in chunk.trials]
                    ref = self._actors[a].evaluate.remote(self._setup_ref, self._key, sub, local_jobs)
                    inflight[ref] = (a, chunk, self._lives[a])
                    self.stats.chunks += 1
                if on_dispatch is not None and not dispatched:
                    dispatched = True
                    on_dispatch()
                now = time.monotonic()
                for item in [x for x in later if x[0] <= now]:
                    later.remove(item)
                    pings[self._actors[item[1]].pid.remote()] = item[1]
                timeout = max(0.0, min(t for t, _ in later) - now) if later else None
                waitable = list(inflight) + list(pings)
                if not waitable:
                    time.sleep(timeout or PING_S)
                    continue
                ready, _ = ray.wait(waitable, num_returns=1, timeout=timeout)
                for ref in ready:
                    if ref in pings:
                        a = pings.pop(ref)
                        try:
                            ray.get(ref)
                        except died as exc:
                            self._replace_if_dead(a, exc)
                            later.append((time.monotonic() + PING_S, a))
                        else:
                            idle.append(a)
                        continue
                    a, chunk, life = inflight.pop(ref)
                    try:
                        out = ray.get(ref)
                    except ray.exceptions.RayTaskError as exc:
                        raise DevoError(f"evaluation failed in a Ray worker: {_cause(exc)}") from None
                    except died as exc:
                        # every chunk the dead worker held is re-sent and its slot pinged; the death
                        # is counted (and the actor replaced) once, by the first chunk to report it
                        new_death = life == self._lives[a]
                        if new_death:
                            self._lives[a] += 1
                        self._worker_died(a, chunk, exc, queue, results, new_death)
                        pings[self._actors[a].pid.remote()] = a
                    else:
                        for (pos, t, _, _), recs in zip(chunk.trials, out, strict=True):
                            results[pos][t] = recs[0]
                        idle.append(a)
        finally:
            for ref in inflight:  # only after an error or an interrupt
                with suppress(Exception):  # best effort
                    ray.cancel(ref)
        assert all(r is not None for recs in results for r in recs)
        return results  # type: ignore[return-value]

    def _replace_if_dead(self, a: int, exc: BaseException) -> None:
        import ray

        if isinstance(exc, ray.exceptions.ActorDiedError):
            # Permanently dead (or so Ray says): a fresh actor takes its place.
            self._actors[a] = self._actor_cls.remote()
            self.stats.actors_replaced += 1

    def _worker_died(
        self, a: int, chunk: _Chunk, exc: BaseException, queue: deque[_Chunk], results: list, new_death: bool = True
    ) -> None:
        """Re-send a chunk whose worker died (``new_death``: the first of that worker's chunks to
        report it, so the death is counted and a dead actor replaced)."""
        log.warning("a worker died (%s); re-sending its %d lifetime(s)", type(exc).__name__, len(chunk.trials))
        if new_death:
            self.stats.worker_deaths += 1
            self._replace_if_dead(a, exc)
        if chunk.attempts < self.max_retries:
            chunk.attempts += 1
            self.stats.retries += 1
            queue.appendleft(chunk)
        elif len(chunk.trials) > 1:
            # Isolate the lifetime that kills its worker; the others then complete as usual.
            queue.extendleft(_Chunk([item]) for item in reversed(chunk.trials))
        else:
            pos, t, _, _ = chunk.trials[0]
            self.stats.gave_up += 1
            results[pos][t] = _failed_trial(f"WorkerDied: the worker died {chunk.attempts + 1} times in this lifetime")

    def close(self) -> None:
        import ray

        if not ray.is_initialized():
            return
        for actor in getattr(self, "_actors", []):
            with suppress(Exception):  # already gone is fine
                ray.kill(actor, no_restart=True)
        self._actors = []
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False


def _cause(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}"
    return str(exc).strip().splitlines()[-1]


def open_pool(
    setup: Any,
    workers: int,
    address: str = "",
    *,
    chunk_size: int = 0,
    max_retries: int = 3,
    evaluator: Any | None = None,
) -> Pool:
    """``workers == 0``: :class:`LocalPool` (no Ray, reusing ``evaluator`` if given); else :class:`RayPool`
    with ``workers`` actors (-1: one per CPU of the embedded instance or of the joined cluster)."""
    caught = None
    if evaluator is not None:
        # Compile once, here, before generation 0: Ray workers then load numba's on-disk cache.
        caught = _warm(evaluator)
    pool: Pool
    if workers == 0:
        pool = LocalPool(setup, evaluator)
        pool.warm_errors = []
    else:
        pool = RayPool(setup, workers, address, chunk_size=chunk_size, max_retries=max_retries)
    if caught is not None and caught not in pool.warm_errors:
        pool.warm_errors = [caught, *pool.warm_errors]
    return pool
