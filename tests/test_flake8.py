"""The flake8 plugin, through real flake8 in a subprocess (files, -j 2, stdin)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_resilint

PYPROJECT = """\
[project]
name = "svc"
version = "0"
dependencies = ["acme"]  # declared, so REL901 resolves `from acme import http`

[tool.resilint]

[[tool.resilint.standards]]
code = "ACME101"
name = "internal-http-without-deadline"
check = "call-requires-keyword"
targets = ["acme.http.get"]
keywords = ["deadline"]
default = "acme.http waits forever by default"
severity = { human = "note", ai = "warning" }
"""

HUMAN = """\
import requests
from acme import http

requests.get(url)
http.get(url)
requests.get(url)  # noqa: REL101
x = 1
"""

AI = """\
# resilint: ai-assisted
import requests
from acme import http

http.get(url)
requests.get(url)  # noqa: REL101
requests.get(url)  # noqa: REL101 -- polled by a caller with its own deadline
"""

REL101 = "REL101 [warning] requests.get() called without timeout=; requests waits forever by default (http-call-without-timeout)"
EVIDENCE = "[AI-assisted: # resilint: ai-assisted (line 1)]"


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RESILINT_AI_ASSISTED"}
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "REL,ACME", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "human.py").write_text(HUMAN)
    (tmp_path / "ai.py").write_text(AI)
    return tmp_path


def test_findings_on_files(project: Path) -> None:
    run = flake8("human.py", "ai.py", cwd=project)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines() == [
        f"ai.py:5:1: ACME101 [warning] http.get() called without deadline=; acme.http waits forever by default {EVIDENCE} (internal-http-without-deadline)",
        # flake8 honours the bare noqa for REL101, but on an AI line it is itself a finding:
        f"ai.py:6:20: REL903 [error] suppression '# noqa: REL101' on an AI-assisted line has no reason; add one after '--' {EVIDENCE} (unjustified-suppression)",
        # human.py:5 ACME101 is a note on a human line: below the default --resilint-min-severity
        f"human.py:4:1: {REL101}",
    ]


def test_same_positions_as_the_cli(project: Path) -> None:
    """flake8 columns are 0-based internally and printed 1-based: they match the CLI."""
    cli = run_resilint("check", "--format", "json", "--no-cache", "--fail-on", "note", "human.py", cwd=project).json()
    cli_positions = sorted((f["line"], f["column"], f["code"]) for f in cli["findings"])
    run = flake8("--resilint-min-severity", "note", "--disable-noqa", "human.py", cwd=project)
    got = sorted((int(line), int(col), text.split()[0]) for _p, line, col, text in (l.split(":", 3) for l in run.stdout.splitlines()))
    # the CLI applies the noqa itself; flake8 --disable-noqa shows it
    assert got == sorted([*cli_positions, (6, 1, "REL101")])


def test_min_severity_option_and_config_file(project: Path) -> None:
    run = flake8("--resilint-min-severity", "note", "human.py", cwd=project)
    assert "human.py:5:1: ACME101 [note]" in run.stdout
    run = flake8("--resilint-min-severity", "error", "human.py", "ai.py", cwd=project)
    assert [line.split(" ")[1] for line in run.stdout.splitlines()] == ["REL903"]
    # parse_from_config: the option is read from .flake8 (flake8 without --isolated)
    (project / ".flake8").write_text("[flake8]\nselect = REL,ACME\nresilint-min-severity = note\n")
    env = {k: v for k, v in os.environ.items() if k != "RESILINT_AI_ASSISTED"}
    read = subprocess.run([sys.executable, "-m", "flake8", "human.py"], cwd=project, capture_output=True, text=True, env=env, check=False)
    assert "human.py:5:1: ACME101 [note]" in read.stdout, read.stdout + read.stderr


def test_noqa_is_left_to_flake8(project: Path) -> None:
    run = flake8("--disable-noqa", "human.py", cwd=project)
    assert run.stdout.splitlines() == [f"human.py:4:1: {REL101}", f"human.py:6:1: {REL101}"]


def test_reads_the_nearest_pyproject(project: Path) -> None:
    """A sub-project with its own [tool.resilint] ignores REL101; flake8 runs from above it."""
    sub = project / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.resilint]\nignore = ["REL101"]\n')
    (sub / "client.py").write_text("import requests\nrequests.get(url)\n")
    (project / "top.py").write_text("import requests\nrequests.get(url)\n")
    run = flake8("sub/client.py", "top.py", cwd=project)
    assert run.stdout.splitlines() == [f"top.py:2:1: {REL101}"]


def test_parallel_jobs(project: Path) -> None:
    for i in range(6):
        (project / f"m{i}.py").write_text(f"import requests\n\n\ndef f{i}(url):\n    return requests.get(url)\n")
    run = flake8("-j", "2", ".", cwd=project)
    lines = run.stdout.splitlines()
    wanted = [f"./m{i}.py:5:12: {REL101}" for i in range(6)]
    assert sorted(l for l in lines if l.startswith("./m")) == wanted, run.stderr
    assert f"./human.py:4:1: {REL101}" in lines


def test_stdin(project: Path) -> None:
    run = flake8("-", cwd=project, stdin=HUMAN)
    assert run.stdout.splitlines() == [f"stdin:4:1: {REL101}"]
    named = flake8("--stdin-display-name", "svc/client.py", "-", cwd=project, stdin=AI)
    assert [l.split(" ")[0] for l in named.stdout.splitlines()] == ["svc/client.py:5:1:", "svc/client.py:6:20:"]


def test_syntax_error_is_flake8s_own(tmp_path: Path) -> None:
    """flake8 reports E999 itself and runs no tree plugin on a file ast cannot parse;
    the plugin must not add a second report or a traceback."""
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    run = flake8("--select", "E9,REL", "broken.py", cwd=tmp_path)
    assert [line.split(" ")[1] for line in run.stdout.splitlines()] == ["E999"], run.stdout + run.stderr
    assert run.stderr == ""


def test_import_is_cheap() -> None:
    """flake8 imports every plugin at start-up: the plugin module must not load the engine
    (libcst may be registered as a deferred module, resilint/lazy.py, but not loaded)."""
    code = (
        "import sys, resilint.flake8; from resilint.lazy import is_loaded; "
        "print(sorted(m for m in ('pluggy', 'resilint.engine') if m in sys.modules) + "
        "[m for m in ('libcst', 'sqlglot') if is_loaded(m)])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_registered_entry_point() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="flake8.extension") if e.name == "REL"]
    assert ep.value == "resilint.flake8:ResilintChecker"
    assert ep.load().__name__ == "ResilintChecker"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_broken_config_is_a_named_plugin_failure(tmp_path: Path, jobs: str) -> None:
    """Not a traceback, and with -j 2 not a hang (the error crosses a process boundary)."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\nselekt = []\n")
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("import requests\nrequests.get(url)\n")
    run = flake8("-j", jobs, "a.py", "b.py", cwd=tmp_path)
    assert run.returncode == 1
    assert "tool.resilint.selekt: unknown key" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr


def test_invalid_min_severity_in_a_config_file_is_one_line(project: Path) -> None:
    """flake8 applies ``choices`` to the command line only: a bad value in .flake8
    reaches parse_options, which rejects it with flake8's ExecutionError naming the
    option (one line, no traceback from the workers)."""
    (project / "setup.cfg").write_text("[flake8]\nresilint-min-severity = loud\n")
    run = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "REL", "-j", "2", "human.py", "ai.py"],
        cwd=project, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "There was a critical error during execution of Flake8:",
        "--resilint-min-severity: expected one of note, warning, error, got 'loud'",
    ]
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_would_crash_the_parser_is_the_engine_finding(project: Path, jobs: str) -> None:
    """The issue's segfault reproducer (a 10,000-operand ``and`` chain, which CPython's
    own parser accepts, so flake8 builds its tree) inside flake8: REL003 for that file,
    every other file's findings unchanged."""
    (project / "segv.py").write_text("import requests\nrequests.get('u')\nx = " + " and ".join(["a"] * 10_000) + "\n")
    clean = flake8("--resilint-min-severity", "note", "-j", jobs, "human.py", "ai.py", cwd=project)
    run = flake8("--resilint-min-severity", "note", "-j", jobs, "human.py", "segv.py", "ai.py", cwd=project)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert [line for line in lines if not line.startswith("segv.py")] == clean.stdout.splitlines()
    assert [line for line in lines if line.startswith("segv.py")] == [
        (
            "segv.py:3:1: REL003 [warning] not analysed: an expression chain of more than 800 operands at line 3; "
            "if the file is generated, exclude it (`exclude` in [tool.resilint]) (not-analysed)"
        )
    ]
