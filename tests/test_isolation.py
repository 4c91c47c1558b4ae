"""The supervisor (engine/isolation.py): one misbehaving item costs only itself, with jobs=1 and jobs=2."""

from __future__ import annotations

import threading
import time

import pytest
from isolation_workfns import parse, work

from resilint.engine.isolation import (
    Failure,
    IsolatedRunner,
    run_isolated,
    run_one_isolated,
)

GOOD = list(range(12))


def _check(results, bad: dict[str, str]) -> None:
    """Every good item has its own result, every bad one exactly the expected failure kind."""
    got = dict(results)
    assert len(results) == len(GOOD) + len(bad)
    for x in GOOD:
        assert got[x][:2] == ("done", x), (x, got[x])
    for x, kind in bad.items():
        assert isinstance(got[x], Failure) and got[x].kind == kind, (x, got[x])


@pytest.mark.parametrize("jobs", [1, 2])
def test_segfault_exit_and_exception_cost_only_their_item(jobs: int) -> None:
    items = GOOD[:4] + ["segv"] + GOOD[4:8] + ["exit", "raise"] + GOOD[8:]
    results = list(run_isolated(work, items, jobs=jobs, time_budget=20, chunksize=3))
    assert [x for x, _ in results] == items  # ordered by default
    _check(results, {"segv": "crash", "exit": "crash", "raise": "error"})
    assert dict(results)["segv"].detail == "the parser crashed (signal 11: SIGSEGV)"
    assert "ValueError: bad item" in dict(results)["raise"].detail


@pytest.mark.parametrize("jobs", [1, 2])
def test_hang_is_killed_after_the_budget(jobs: int) -> None:
    items = GOOD[:6] + ["hang"] + GOOD[6:]
    t = time.monotonic()
    results = list(run_isolated(work, items, jobs=jobs, time_budget=1.0, chunksize=2))
    assert time.monotonic() - t < 8
    _check(results, {"hang": "timeout"})
    assert dict(results)["hang"].detail == "timed out after 1 s"


@pytest.mark.parametrize("jobs", [1, 2])
def test_memory_limit(jobs: int) -> None:
    items = GOOD[:3] + ["mem"] + GOOD[3:]
    results = list(run_isolated(work, items, jobs=jobs, memory_limit=1024**3, chunksize=4))
    _check(results, {"mem": "memory"})


def test_workers_are_reused_and_replaced() -> None:
    items = GOOD + ["segv"] + [x + 100 for x in GOOD]
    results = list(run_isolated(work, items, jobs=2, chunksize=2))
    pids = {r[2] for _, r in results if not isinstance(r, Failure)}
    # two workers, plus one fresh worker for the retry and one replacement: far fewer than items
    assert 2 <= len(pids) <= 5


def test_as_completed_order_returns_everything() -> None:
    items = ["hang"] + GOOD
    results = list(run_isolated(work, items, jobs=2, time_budget=1.0, ordered=False))
    assert results[-1][0] == "hang"  # the slow item comes last when not ordered
    _check(results, {"hang": "timeout"})


def test_real_libcst_segfault_is_isolated() -> None:
    bad = "x = " + " and ".join(["a"] * 20_000) + "\n"
    items = ["x = 1\n", bad, "y = 2\n"]
    results = list(run_isolated(parse, items, jobs=2))
    assert results[0][1] == results[2][1] == "parsed"
    assert isinstance(results[1][1], Failure) and results[1][1].kind == "crash"


def test_runner_recovers_after_crash_hang_and_memory() -> None:
    r = IsolatedRunner(work, time_budget=1.0, memory_limit=1024**3)
    try:
        assert r.run(1)[:2] == ("done", 1)
        assert r.run("segv") == Failure("crash", "the parser crashed (signal 11: SIGSEGV)")
        assert r.run(2)[:2] == ("done", 2)
        assert r.run("hang").kind == "timeout"
        assert r.run(3)[:2] == ("done", 3)
        assert r.run("mem").kind == "memory"
        assert r.run(4)[:2] == ("done", 4)
        assert r.restarts == 3
    finally:
        r.close()


def test_runner_cancel_from_another_thread_then_next_request_answers() -> None:
    r = IsolatedRunner(work, time_budget=30)
    try:
        r.run(0)  # worker up
        out: list = []
        th = threading.Thread(target=lambda: out.append(r.run("hang")))
        th.start()
        time.sleep(0.5)
        r.cancel()  # a newer edit supersedes the stale check
        th.join(5)
        assert out == [Failure("timeout", "cancelled")]
        assert r.run(5)[:2] == ("done", 5)
    finally:
        r.close()


def test_runner_abandoned_call_does_not_poison_the_next() -> None:
    r = IsolatedRunner(work, time_budget=30)
    try:
        w = r._fresh()  # simulate a call that sent work and then was abandoned
        r.run(0)
        w = r._worker
        w.assigned.append(99)
        w.conn.send([(99, "hang")])
        assert r.run(7)[:2] == ("done", 7)  # a fresh worker, not the stale answer
    finally:
        r.close()


def test_run_one_isolated() -> None:
    assert run_one_isolated(work, "segv").kind == "crash"
    assert run_one_isolated(work, 9)[:2] == ("done", 9)


def test_parent_setup_runs_once_before_forked_workers_that_inherit_it() -> None:
    import multiprocessing

    import isolation_workfns

    from resilint.engine.isolation import _context

    calls: list[int] = []

    def setup() -> None:
        calls.append(1)
        isolation_workfns.INHERITED = "loaded in the parent"

    try:
        results = list(run_isolated(isolation_workfns.inherited, [1, 2, 3, 4], jobs=2, parent_setup=setup))
    finally:
        isolation_workfns.INHERITED = None
    if _context().get_start_method() == "fork":
        assert calls == [1]
        assert results == [(x, (x, "loaded in the parent")) for x in [1, 2, 3, 4]]
    else:  # threads in this process: no fork, nothing to inherit, so nothing is set up here
        assert calls == []
        assert results == [(x, (x, None)) for x in [1, 2, 3, 4]]
    assert "fork" in multiprocessing.get_all_start_methods()  # Linux: the branch above that matters ran


def test_the_parents_rehearsal_finds_its_findings_and_writes_no_cache(tmp_path) -> None:
    """runner._prepare_parent checks a built-in sample before workers are forked (they
    inherit what its first check compiled and imported): with the default standards it
    reaches its findings (a change that silences it would leave the workers cold), and
    it never goes into the result cache."""
    from resilint import lazy
    from resilint.api import Linter
    from resilint.config.settings import Config
    from resilint.engine import runner
    from resilint.engine.rehearsal import rehearse

    linter = Linter(Config(root=tmp_path, git_provenance=False), cache=True)
    runner._prepare_parent(linter)
    assert lazy.is_loaded("libcst")
    assert rehearse(linter.engine) == ("REL101", "REL202", "REL204", "REL102")  # by line: 10, 13, 15, 17
    assert linter.engine.cache is not None
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # no cache entry written
