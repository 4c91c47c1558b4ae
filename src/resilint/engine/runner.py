"""Run the engine over many files: discovery, parallelism, aggregation.

Small runs stay in one process (a pool costs more than it saves under ~10
files); larger runs are split into chunks over ``jobs`` processes, sending
paths and returning findings, never syntax trees.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from resilint.config.settings import Config
from resilint.engine.discovery import discover
from resilint.engine.core import Engine
from resilint.model import FileError, FileResult, Report

SERIAL_THRESHOLD = 10  # files; below this a process pool is not worth starting
_CHUNKS_PER_JOB = 16  # many small chunks: uneven file sizes balance out; a chunk costs only its paths

_worker_engine: Engine | None = None
_worker_changed: Mapping[str, frozenset[int]] | None = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(config: Config, cache: bool, changed: Mapping[str, frozenset[int]] | None = None) -> None:
    global _worker_engine, _worker_changed
    _worker_engine = Engine(config, cache=cache)
    _worker_changed = changed


def _check_chunk(paths: Sequence[str]) -> list[FileResult]:
    assert _worker_engine is not None
    if _worker_changed is None:
        return [_worker_engine.check_file(Path(p)) for p in paths]
    return [_worker_engine.check_file(Path(p), changed=_worker_changed.get(p, frozenset())) for p in paths]


def check_files(
    files: Sequence[Path],
    config: Config,
    *,
    jobs: int | None = None,
    cache: bool = False,
    engine: Engine | None = None,
    changed: Mapping[Path, frozenset[int]] | None = None,
) -> list[FileResult]:
    """Check ``files``; results come back in the order given. ``changed`` (diff
    mode) gives each file's changed lines; findings elsewhere are dropped."""
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(files) <= SERIAL_THRESHOLD:
        engine = engine or Engine(config, cache=cache)
        if changed is None:
            return [engine.check_file(f) for f in files]
        return [engine.check_file(f, changed=changed.get(f, frozenset())) for f in files]
    size = max(1, len(files) // (jobs * _CHUNKS_PER_JOB))
    chunks = [[str(f) for f in files[i : i + size]] for i in range(0, len(files), size)]
    by_name = None if changed is None else {str(f): lines for f, lines in changed.items()}
    results: list[FileResult] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(config, cache, by_name)) as pool:
        for chunk_result in pool.map(_check_chunk, chunks):
            results.extend(chunk_result)
    return results


def check_paths(
    paths: Sequence[Path], config: Config, *, jobs: int | None = None, cache: bool = False, force_exclude: bool = False
) -> Report:
    """Discover Python files under ``paths`` and check them all."""
    engine = Engine(config, cache=cache)  # builds the ruleset once: config errors surface before any work
    found = discover(list(paths), config, force_exclude=force_exclude)
    results = check_files(found.files, config, jobs=jobs, cache=cache, engine=engine)
    return aggregate(results, [FileError(p, m) for p, m in found.errors], engine)


def aggregate(results: Sequence[FileResult], errors: Sequence[FileError], engine: Engine) -> Report:
    findings = sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key())
    all_errors = [*(FileError("<plugin>", m) for m in engine.ruleset.plugin_errors), *errors]
    all_errors.extend(e for r in results for e in r.errors)
    return Report(findings=tuple(findings), errors=tuple(all_errors), files=len(results))
