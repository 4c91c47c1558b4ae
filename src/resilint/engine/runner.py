"""Run a linter over many files, in one process or a pool of workers.

Small runs stay in one process (a pool costs more than it saves under ~10
files); larger runs are split into chunks over ``jobs`` processes, sending
paths and returning findings, never syntax trees.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from resilint.api import Linter, linter_for
from resilint.config.settings import Config
from resilint.model import FileResult

SERIAL_THRESHOLD = 10  # files; below this a process pool is not worth starting
_CHUNKS_PER_JOB = 16  # many small chunks: uneven file sizes balance out; a chunk costs only its paths

_worker: Linter | None = None
_worker_changed: Mapping[str, frozenset[int]] | None = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(config: Config, cache: bool, noqa: bool, changed: Mapping[str, frozenset[int]] | None) -> None:
    global _worker, _worker_changed
    _worker = linter_for(config, cache=cache, noqa=noqa)
    _worker_changed = changed


def _check_chunk(paths: Sequence[str]) -> list[FileResult]:
    assert _worker is not None
    if _worker_changed is None:
        return [_worker.check_file(Path(p)) for p in paths]
    return [_worker.check_file(Path(p), changed=_worker_changed.get(p, frozenset())) for p in paths]


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
    if jobs <= 1 or len(files) <= SERIAL_THRESHOLD:
        if changed is None:
            return [linter.check_file(f) for f in files]
        return [linter.check_file(f, changed=changed.get(f, frozenset())) for f in files]
    size = max(1, len(files) // (jobs * _CHUNKS_PER_JOB))
    chunks = [[str(f) for f in files[i : i + size]] for i in range(0, len(files), size)]
    by_name = None if changed is None else {str(f): lines for f, lines in changed.items()}
    results: list[FileResult] = []
    initargs = (linter.config, linter.cache, linter.noqa, by_name)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=initargs) as pool:
        for chunk_result in pool.map(_check_chunk, chunks):
            results.extend(chunk_result)
    return results
