"""Run a linter over many files so that one file costs at most itself.

Two ways, one guarantee: a file that crashes the parser, runs past the per-file
time budget (``file-timeout``) or exhausts memory (``memory-limit``) is one
not-analysed finding (REL003, naming the cause) and every other file's result is
the same as in a run without it.

* ``--jobs 1`` and small runs (up to SERIAL_THRESHOLD files) check in this
  process: starting workers would cost more than the check. libcst is only ever
  given text the parse guard (guard.py) accepted, which rules out the native
  crashes (stack overflows) it is measured against. The guard also estimates the
  parse time; a file estimated above INPROCESS_SHARE of the time budget (a big
  or super-linear file, never an ordinary one) is checked in a long-lived
  isolated worker (isolation.IsolatedRunner) under the budget and memory limit.
* ``--jobs N`` (N > 1) on larger runs: every file in a pool of N supervised
  workers (isolation.run_isolated). A worker that dies (segfault, OOM kill) or
  runs past the budget costs exactly the file it was on; its other files are
  re-queued, a replacement starts, and the results come back in input order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from resilint.api import Linter, linter_for
from resilint.config.settings import Config
from resilint.errors import ResilintError
from resilint.lazy import load
from resilint.model import FileError, FileResult

if TYPE_CHECKING:
    from resilint.engine.revisions import Revisions

SERIAL_THRESHOLD = 10  # files; below this a process pool is not worth starting
_CHUNKS_PER_JOB = 16  # many small batches: uneven file sizes balance out
_MAX_CHUNK = 8  # files per batch sent to a worker (a batch runs one file after another)
#: In process, a file whose estimated parse time exceeds this share of the time
#: budget goes to an isolated worker. The estimate is pessimistic (~4x an ordinary
#: file's real time), so with the default 10 s budget files up to ~290,000
#: characters of ordinary code stay in process.
INPROCESS_SHARE = 0.5

_PRELOAD = ("resilint.engine.core",)  # what a forkserver imports once for all its workers
_worker: Linter | None = None
_worker_changed: Mapping[str, frozenset[int]] | None = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(
    config: Config, cache: bool, noqa: bool, changed: Mapping[str, frozenset[int]] | None, revisions: Revisions | None = None
) -> None:
    global _worker, _worker_changed
    _worker = linter_for(config, cache=cache, noqa=noqa)  # with fork: the parent's, already built
    # Build the ruleset and import libcst (deferred everywhere else: resilint/lazy.py)
    # before the first file's clock starts, so that no file's time budget pays for them.
    _worker.prepare()
    load("libcst")
    _worker.engine.inprocess_seconds = None  # the supervisor times each file here
    _worker.engine.revisions = revisions  # diff mode: the change's two versions (engine/revisions.py)
    _worker_changed = changed


def _prepare_parent(linter: Linter) -> None:
    """Before workers are forked: load what every worker would otherwise load or
    build for itself on its first file (libcst, the prefilter's tables, the first
    check's one-time costs: see engine/rehearsal.py), once, here; the forked workers
    inherit it (at ``--jobs 2`` on the 199-file vs-pylint corpus, ~0.4 s CPU less)."""
    from resilint.engine.rehearsal import rehearse

    load("libcst")
    linter.engine.warm_up()
    rehearse(linter.engine)


def _check_path(path: str) -> FileResult:
    """One file in a worker (no in-process limit there: the supervisor times it)."""
    assert _worker is not None
    if _worker_changed is None:
        return _worker.check_file(Path(path))
    return _worker.check_file(Path(path), changed=_worker_changed.get(path, frozenset()))


def check_files(
    linter: Linter,
    files: Sequence[Path],
    *,
    jobs: int | None = None,
    changed: Mapping[Path, frozenset[int]] | None = None,
) -> list[FileResult]:
    """Check ``files`` with ``linter``; results come back in the order given.
    ``changed`` (diff mode) gives each file's changed lines; findings elsewhere
    are dropped."""
    jobs = jobs or default_jobs()
    by_name = None if changed is None else {str(f): lines for f, lines in changed.items()}
    if jobs <= 1 or len(files) <= SERIAL_THRESHOLD:
        return _in_process(linter, files, by_name)
    return _in_pool(linter, files, jobs, by_name)


def _limits(config: Config) -> tuple[float | None, int | None]:
    memory = config.memory_limit * 1024 * 1024 if config.memory_limit else None
    return config.file_timeout, memory


def _in_process(linter: Linter, files: Sequence[Path], changed: Mapping[str, frozenset[int]] | None) -> list[FileResult]:
    from resilint.engine.core import NeedsIsolation

    budget, memory = _limits(linter.config)
    engine = linter.engine
    previous = engine.inprocess_seconds
    engine.inprocess_seconds = budget * INPROCESS_SHARE if budget is not None else None
    runner = None
    results: list[FileResult] = []
    try:
        for file in files:
            lines = None if changed is None else changed.get(str(file), frozenset())
            try:
                results.append(linter.check_file(file, changed=lines))
            except NeedsIsolation:
                if runner is None:
                    from resilint.engine.isolation import IsolatedRunner

                    initargs = (linter.config, linter.cache, linter.noqa, changed, linter.engine.revisions)
                    runner = IsolatedRunner(
                        _check_path, time_budget=budget, memory_limit=memory, initializer=_init_worker, initargs=initargs, preload=_PRELOAD,
                        allow_fork=True,  # the CLI's process has one thread for the whole run
                    )
                results.append(_outcome(linter, file, runner.run(str(file))))
    finally:
        engine.inprocess_seconds = previous
        if runner is not None:
            runner.close()
    return results


def _in_pool(linter: Linter, files: Sequence[Path], jobs: int, changed: Mapping[str, frozenset[int]] | None) -> list[FileResult]:
    from resilint.engine.isolation import WorkerStartError, run_isolated

    budget, memory = _limits(linter.config)
    chunk = max(1, min(_MAX_CHUNK, len(files) // (jobs * _CHUNKS_PER_JOB)))
    initargs = (linter.config, linter.cache, linter.noqa, changed, linter.engine.revisions)
    outcomes = run_isolated(
        _check_path,
        [str(f) for f in files],
        jobs=jobs,
        time_budget=budget,
        memory_limit=memory,
        chunksize=chunk,
        initializer=_init_worker,
        initargs=initargs,
        preload=_PRELOAD,
        parent_setup=lambda: _prepare_parent(linter),
    )
    try:
        return [_outcome(linter, Path(path), outcome) for path, outcome in outcomes]
    except WorkerStartError as exc:  # no file's fault: the environment (the worker's error is above)
        raise ResilintError(f"the checker processes cannot start: {exc}") from exc


def _outcome(linter: Linter, file: Path, outcome: object) -> FileResult:
    """A worker's result, or the not-analysed finding for the file it failed on."""
    from resilint.engine.isolation import Failure

    if not isinstance(outcome, Failure):
        return outcome  # type: ignore[return-value]
    if outcome.kind == "error":  # the check itself raised past the engine: a bug of ours
        from resilint.paths import display_path

        shown = display_path(file)
        return FileResult(shown, errors=(FileError(shown, f"internal error while checking: {outcome.detail}"),))
    return linter.engine.not_analysed_result(file, outcome.detail)
