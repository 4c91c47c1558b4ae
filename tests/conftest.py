"""Shared test helpers: run the installed ``resilint`` for real, build git repos."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from resilint.engine.core import Engine

REPO = Path(__file__).resolve().parents[1]
CRASH_LOG_VARIABLE = "RESILINT_CRASH_LOG"  # resilint.engine.traversal: every rule crash is logged there
FIXTURES = REPO / "fixtures"


def resilint_executable() -> str:
    """The console script installed next to this interpreter (not the source tree)."""
    candidate = Path(sys.executable).with_name("resilint")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("resilint")
    if found is None:
        pytest.fail("the resilint console script is not installed; install the project first (see README)")
    return found


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.stdout)


def run_resilint(*args: str, cwd: Path | str | None = None, stdin: str | bytes | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``resilint ARGS`` in a subprocess, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "1"}
    full_env.pop("RESILINT_AI_ASSISTED", None)  # the developer's own setting must not mark test files AI
    full_env.update(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [resilint_executable(), *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        env=full_env,
        timeout=300,
        check=False,
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in ``repo`` with a fixed identity and dates (reproducible commits)."""
    base = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dev Human",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev Human",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    result = subprocess.run(["git", *args], cwd=repo, env={**base, **(env or {})}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository with a main branch."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def record_slicing(engine: "Engine") -> list[bool]:
    """Watch an engine's slicing: one entry per file it considered, True when the
    sliced module was used (something was left out)."""
    used: list[bool] = []
    parse_slice = engine._parse_slice

    def spy(text: str, standards: tuple) -> tuple:
        parsed = parse_slice(text, standards)
        used.append(parsed[0] is not None)
        return parsed

    engine._parse_slice = spy  # type: ignore[method-assign]
    return used


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule_crash_expected: the test makes a rule crash on purpose (REL002)")


@pytest.fixture(autouse=True)
def _no_rule_crashes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Any rule crash during a test fails it, whatever the test selects: in process and
    in every ``resilint``/flake8/LSP subprocess (they inherit the environment). Tests
    that crash a rule on purpose say so with ``@pytest.mark.rule_crash_expected``."""
    log = tmp_path_factory.mktemp("crashes") / "crashes.log"
    previous = os.environ.get(CRASH_LOG_VARIABLE)
    os.environ[CRASH_LOG_VARIABLE] = str(log)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CRASH_LOG_VARIABLE, None)
        else:
            os.environ[CRASH_LOG_VARIABLE] = previous
    crashes = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    if crashes and request.node.get_closest_marker("rule_crash_expected") is None:
        pytest.fail("a rule crashed during this test (REL002):\n" + "\n".join(crashes), pytrace=False)


def make_distribution(site: Path, name: str, entry_points: str, module: str | None = None, source: str = "") -> None:
    """An installed distribution in folder ``site`` (put it on PYTHONPATH): its
    metadata, its ``entry_points.txt`` and, if given, a module of that source."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    if module:
        (site / f"{module}.py").write_text(source)
