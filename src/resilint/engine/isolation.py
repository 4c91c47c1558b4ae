"""Run a per-file function in worker processes so that one file costs at most itself.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers
dies (a segfault in libcst's native parser, ``os._exit``, the OOM killer) the
whole executor becomes ``BrokenProcessPool`` and every pending future fails,
so one bad file loses every other file's result and the culprit is unknown.
It also has no per-task time limit: a runaway parse cannot be stopped, only
waited for.

This supervisor keeps one duplex pipe per worker and knows, at every moment,
which item each worker is running: workers stream one result message per
item, so the item in progress is the first of its batch without a result.
That makes attribution exact even with batching, and lets us

* kill a worker whose current item has run past ``time_budget`` and report
  only that item as ``timeout``;
* report a worker that died as ``crash`` for exactly the item it was running
  (confirmed by one retry in a fresh worker, so a crash caused by state left
  over from an earlier item is not pinned on an innocent file), re-queue the
  rest of its batch and start a replacement;
* cap each worker's address space with ``RLIMIT_AS`` so a memory blow-up is a
  ``MemoryError`` (or a kill) for one item, reported as ``memory``.

Start method: ``fork`` when the calling process has a single thread (the CLI:
workers inherit the imported engine and the built ruleset, so a pool starts in
milliseconds); otherwise ``forkserver`` where available (POSIX), else
``spawn``.  Plain ``fork`` is unsafe once the caller has threads (a language
server does; forking a process with threads can deadlock the child on a lock
held by another thread).  ``forkserver`` forks workers from a single-threaded
server that has imported the ``preload`` modules once, so replacing a crashed
worker costs milliseconds instead of a fresh interpreter plus the libcst
import (~0.3 s) that ``spawn`` pays.  All require ``fn`` and items to be
picklable, and ``fn`` to be importable by reference (a module-level function).
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

__all__ = ["Failure", "Outcome", "WorkerStartError", "run_isolated", "run_one_isolated", "IsolatedRunner", "DEFAULT_TIME_BUDGET", "DEFAULT_MEMORY_LIMIT"]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIME_BUDGET = 10.0  # seconds per item
DEFAULT_MEMORY_LIMIT = 4 * 1024**3  # bytes of address space per worker (RLIMIT_AS)
_MAX_START_FAILURES = 3  # a worker that cannot even start is a setup error, not a file's fault


class WorkerStartError(RuntimeError):
    """Workers die before they are ready (a broken installation or initializer):
    no item's fault, so it is raised rather than pinned on an item."""


@dataclass(frozen=True)
class Failure:
    """Why an item has no result.  ``kind`` is "timeout", "crash", "memory", or
    "error" (``fn`` raised; ``detail`` is the exception's last line) -- an
    exception in one item must not abort the run either."""

    kind: Literal["timeout", "crash", "memory", "error"]
    detail: str


Outcome = Any  # the result of fn(item), or a Failure


def _context(preload: Sequence[str] = (), allow_fork: bool = True) -> Any:
    methods = multiprocessing.get_all_start_methods()
    if allow_fork and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        if preload:
            ctx.set_forkserver_preload(["__main__", *preload])
        return ctx
    return multiprocessing.get_context("spawn")


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def _death_failure(exitcode: int | None, memory_limit: int | None) -> Failure:
    """Turn a dead worker's exit code into the failure of the item it was running."""
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        if sig == signal.SIGKILL:  # not sent by us: the kernel's OOM killer, in practice
            return Failure("memory", "ran out of memory (the worker was killed by SIGKILL)")
        return Failure("crash", f"the parser crashed (signal {sig}: {_signal_name(sig)})")
    return Failure("crash", f"the worker exited unexpectedly (exit status {exitcode})")


def _worker_main(conn: multiprocessing.connection.Connection, fn: Callable[[Any], Any], memory_limit: int | None,
                 initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """Worker loop: set limits, announce readiness, then stream one message per item."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    import faulthandler

    faulthandler.disable()  # inherited through fork (pytest, PYTHONFAULTHANDLER): a crash is reported as a Failure, not a dump
    if memory_limit:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard))
    if initializer is not None:
        initializer(*initargs)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for idx, item in batch:
            try:
                msg = (idx, True, fn(item))
            except MemoryError:
                msg = (idx, False, Failure("memory", "ran out of memory (MemoryError)"))
            except BaseException as exc:  # noqa: BLE001 - one item's exception is that item's failure
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                msg = (idx, False, Failure("error", last))
            try:
                conn.send(msg)
            except MemoryError:
                conn.send((idx, False, Failure("memory", "ran out of memory sending the result")))
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
                conn.send((idx, False, Failure("error", f"the result could not be sent back: {exc}")))
            if not msg[1] and msg[2].kind == "memory":
                return  # the heap may be in a bad state; the supervisor starts a fresh worker


class _Worker:
    """One worker process, its pipe, and the items it has been given, in order."""

    def __init__(self, ctx: Any, fn: Callable[[Any], Any], memory_limit: int | None,
                 initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, memory_limit, initializer, initargs), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.assigned: deque[int] = deque()  # item indices sent and not yet answered; [0] is running
        self.started = 0.0  # when assigned[0] started running

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def run_isolated(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int = 1,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    chunksize: int = 1,
    ordered: bool = True,
    retry_crashes: bool = True,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    preload: Sequence[str] = (),
    parent_setup: Callable[[], None] | None = None,
) -> Iterator[tuple[T, R | Failure]]:
    """Yield ``(item, fn(item) or Failure)`` for every item, in input order when
    ``ordered`` (the default: deterministic output), else as each completes.

    ``jobs`` workers are reused across items; an idle worker is sent
    ``chunksize`` items at a time (items of one batch run one after another,
    so keep it 1 unless items are tiny).  ``time_budget`` is per item, measured from when
    the item starts running in its worker (worker start-up is not charged).
    ``memory_limit`` is RLIMIT_AS bytes per worker (None: no limit).  A crash
    is retried once alone in a fresh worker when ``retry_crashes``; only a
    second crash is reported.  Closing the generator early kills the workers.
    ``parent_setup``: with the ``fork`` start method, called here once before the
    first worker starts, so that what it loads (a package, compiled tables) is
    inherited by every worker instead of being loaded again by each (the
    initializer still runs in each worker, and must then find it done).
    """
    todo = list(items)
    if not todo:
        return
    ctx = _context(preload)
    if parent_setup is not None and ctx.get_start_method() == "fork":
        parent_setup()
    jobs = max(1, min(jobs, len(todo)))
    pending: deque[int] = deque(range(len(todo)))
    outcomes: dict[int, Any] = {}
    crashed_once: set[int] = set()
    workers: list[_Worker] = []
    start_failures = 0
    next_out = 0

    def new_worker() -> _Worker:
        return _Worker(ctx, fn, memory_limit, initializer, initargs)

    def feed(w: _Worker) -> None:
        # Only idle workers get work: an item queued behind a slow one could
        # not be taken by another worker and would wait up to the budget.
        if not w.ready or w.assigned or not pending:
            return
        batch: list[int] = []
        while pending and len(batch) < chunksize:
            i = pending.popleft()
            if i in crashed_once:  # a suspect runs alone, so its second crash is its own
                if batch or w.assigned:
                    pending.appendleft(i)
                    break
                batch.append(i)
                break
            batch.append(i)
        if not batch:
            return
        w.started = time.monotonic()
        w.assigned.extend(batch)
        try:
            w.conn.send([(i, todo[i]) for i in batch])
        except OSError:
            pass  # it just died; its sentinel settles the batch (a crash is retried before it is blamed)

    def retire(w: _Worker, failure: Failure | None) -> None:
        """The worker is dead or being killed: settle its running item with
        ``failure`` (None: blame nothing) and re-queue the rest of its batch."""
        nonlocal start_failures
        w.kill()
        workers.remove(w)
        if not w.ready:
            start_failures += 1
            if start_failures >= _MAX_START_FAILURES:
                raise WorkerStartError(f"worker processes die during start-up (exit code {w.proc.exitcode})")
        if w.assigned and failure is not None:
            head = w.assigned.popleft()
            if failure.kind == "crash" and retry_crashes and head not in crashed_once:
                crashed_once.add(head)
                pending.appendleft(head)
            else:
                outcomes[head] = failure
        pending.extendleft(reversed(w.assigned))

    try:
        workers.extend(new_worker() for _ in range(jobs))
        while next_out < len(todo):
            # Yield what can be yielded.
            if ordered:
                while next_out in outcomes:
                    i = next_out
                    next_out += 1
                    yield todo[i], outcomes.pop(i)
                if next_out >= len(todo):
                    break
            else:
                for i in list(outcomes):
                    next_out += 1
                    yield todo[i], outcomes.pop(i)
                if next_out >= len(todo):
                    break
            while len(workers) < jobs and pending:
                workers.append(new_worker())
            for w in workers:
                feed(w)
            now = time.monotonic()
            timeout = None
            if time_budget is not None:
                deadlines = [w.started + time_budget for w in workers if w.assigned]
                if deadlines:
                    timeout = max(0.0, min(deadlines) - now)
            waitables: list[Any] = [w.conn for w in workers] + [w.proc.sentinel for w in workers]
            ready = set(multiprocessing.connection.wait(waitables, timeout))
            for w in list(workers):
                if w.conn in ready:
                    out_of_memory = False
                    try:
                        while not out_of_memory and w.conn.poll():
                            msg = w.conn.recv()
                            if msg[0] == "ready":
                                w.ready = True
                                start_failures = 0
                                continue
                            idx, ok, payload = msg
                            w.assigned.popleft()
                            outcomes[idx] = payload
                            w.started = time.monotonic()
                            out_of_memory = not ok and payload.kind == "memory"
                    except (EOFError, OSError):
                        pass  # died mid-message: the sentinel (below) settles it
                    else:
                        if out_of_memory:
                            retire(w, None)  # the worker exits after it; nothing else of its batch ran
                            continue
                        if w.proc.sentinel not in ready:
                            continue
                if w.proc.sentinel in ready or not w.proc.is_alive():
                    w.proc.join()
                    retire(w, _death_failure(w.proc.exitcode, memory_limit))
            if time_budget is not None:
                now = time.monotonic()
                for w in list(workers):
                    if w.assigned and now - w.started >= time_budget:
                        retire(w, Failure("timeout", f"timed out after {time_budget:g} s"))
    finally:
        for w in workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in workers:
            w.proc.join(timeout=1)
            w.kill()


class IsolatedRunner:
    """One long-lived worker for single-item calls (a language server).

    Every call first makes sure there is a live, idle worker: if the previous
    worker died, timed out, or a previous call was abandoned half-way (the
    calling thread got an exception, the request was cancelled), that worker
    is discarded and a fresh one started -- so recovery never depends on the
    call that saw the failure completing.  Calls are serialised by a lock;
    ``cancel()`` (from another thread) kills the worker running a call, which
    then returns ``Failure("timeout", "cancelled")``.
    """

    def __init__(self, fn: Callable[[Any], Any], *, time_budget: float | None = DEFAULT_TIME_BUDGET,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = (), preload: Sequence[str] = (), allow_fork: bool = False) -> None:
        self._fn, self._time_budget, self._memory_limit = fn, time_budget, memory_limit
        self._init = (initializer, initargs)
        # a long-lived runner may restart workers after its host has started threads
        # (a language server): fork only when the caller says it stays single-threaded
        self._ctx = _context(preload, allow_fork)
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._ids = itertools.count()
        self.restarts = 0  # workers discarded because they died, hung or were abandoned

    def _fresh(self) -> _Worker:
        if self._worker is not None:
            self._worker.kill()
            self.restarts += 1
        self._worker = _Worker(self._ctx, self._fn, self._memory_limit, *self._init)
        return self._worker

    def start(self) -> None:
        """Start the worker now (it imports and initialises while nothing waits)."""
        with self._lock:
            if self._worker is None or not self._worker.proc.is_alive():
                self._fresh()

    @property
    def busy(self) -> bool:
        """A call is in progress (it holds the lock)."""
        return self._lock.locked()

    def run(self, item: Any, *, time_budget: float | None = None) -> Any:
        """Return fn(item) or a Failure.  Never raises for anything the item does."""
        budget = self._time_budget if time_budget is None else time_budget
        with self._lock:
            self._cancelled = False
            w = self._worker
            if w is None or not w.proc.is_alive() or w.assigned:
                w = self._fresh()
            try:
                return self._run(w, item, budget)
            except BaseException:
                self._worker_dirty()
                raise

    def _worker_dirty(self) -> None:
        if self._worker is not None:
            self._worker.assigned.append(-1)  # forces a fresh worker on the next call

    def _run(self, w: _Worker, item: Any, budget: float | None) -> Any:
        idx = next(self._ids)
        startup_deadline = time.monotonic() + 60.0
        while not w.ready:  # do not charge start-up to the item
            ready = multiprocessing.connection.wait([w.conn, w.proc.sentinel], max(0.0, startup_deadline - time.monotonic()))
            if w.conn in ready:
                try:
                    if w.conn.recv()[0] == "ready":
                        w.ready = True
                        continue
                except (EOFError, OSError):
                    pass
            if not ready or w.proc.sentinel in ready:
                w.assigned.append(-1)
                raise WorkerStartError("the worker process could not start")
        w.assigned.append(idx)
        w.conn.send([(idx, item)])
        deadline = None if budget is None else time.monotonic() + budget
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = multiprocessing.connection.wait([w.conn, w.proc.sentinel], timeout)
            if w.conn in ready:
                try:
                    got, ok, payload = w.conn.recv()
                except (EOFError, OSError):
                    got = None
                if got == idx:
                    w.assigned.clear()
                    if not ok and payload.kind == "memory":
                        w.assigned.append(-1)  # it exits; start afresh next time
                    return payload
                if got is not None:
                    continue  # a stale answer; cannot happen with the lock, but harmless
            if w.proc.sentinel in ready or not w.proc.is_alive():
                w.proc.join()
                if self._cancelled:
                    return Failure("timeout", "cancelled")
                return _death_failure(w.proc.exitcode, self._memory_limit)
            if not ready:
                w.kill()
                return Failure("timeout", f"timed out after {budget:g} s")

    def cancel(self) -> None:
        """Abort the call in progress, if any (safe from any thread)."""
        w = self._worker
        if w is not None and w.assigned and w.proc.is_alive():
            self._cancelled = True
            w.proc.kill()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None


_runners: dict[tuple[Any, ...], IsolatedRunner] = {}
_runners_lock = threading.Lock()


def run_one_isolated(fn: Callable[[T], R], item: T, *, time_budget: float | None = DEFAULT_TIME_BUDGET,
                     memory_limit: int | None = DEFAULT_MEMORY_LIMIT) -> R | Failure:
    """``fn(item)`` in a long-lived worker shared by calls with the same fn and
    memory limit (see IsolatedRunner); restarted transparently after it dies."""
    key = (fn, memory_limit)
    with _runners_lock:
        runner = _runners.get(key)
        if runner is None:
            runner = _runners[key] = IsolatedRunner(fn, time_budget=time_budget, memory_limit=memory_limit)
    return runner.run(item, time_budget=time_budget)
