"""The baseline in a ``--diff``/``--staged`` run, on a real git repository through
the real CLI: a diff run sees only the changed lines, so it never calls the
entries of unchanged lines stale, and it refuses to write or prune a baseline."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, run_resilint

TWO = "import requests\n\n\ndef a(url):\n    return requests.get(url)\n\n\ndef b(url):\n    return requests.post(url)\n"


@pytest.fixture
def adopted(git_repo: Path) -> Path:
    """Two REL101 findings, committed, and a baseline of both written at that commit."""
    (git_repo / "svc.py").write_text(TWO)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "Add the client")
    written = run_resilint("check", ".", "--write-baseline", "base.json", cwd=git_repo)
    assert written.returncode == 0, written.stderr
    return git_repo


def note_of(run_stdout: str) -> str:
    return next(line for line in run_stdout.splitlines() if line.startswith("baseline base.json:"))


def test_a_diff_run_calls_no_entry_of_an_unchanged_line_stale(adopted: Path) -> None:
    # A comment on b()'s call line: the line is in the diff, its finding keeps its
    # fingerprint (comments are not part of it); a() is outside the diff.
    (adopted / "svc.py").write_text(TWO.replace("requests.post(url)", "requests.post(url)  # send"))
    diff = run_resilint("check", ".", "--baseline", "base.json", "--diff", "HEAD", cwd=adopted)
    assert (diff.returncode, note_of(diff.stdout)) == (0, "baseline base.json: 1 finding baselined")
    full = run_resilint("check", ".", "--baseline", "base.json", cwd=adopted)
    assert (full.returncode, note_of(full.stdout)) == (0, "baseline base.json: 2 findings baselined")


def test_a_full_run_still_reports_stale_entries(adopted: Path) -> None:
    (adopted / "svc.py").write_text(TWO.replace("requests.post(url)", "requests.post(url, timeout=5)"))
    full = run_resilint("check", ".", "--baseline", "base.json", cwd=adopted)
    assert (full.returncode, note_of(full.stdout)) == (
        0,
        "baseline base.json: 1 finding baselined, 1 entry stale (no longer match)",
    )
    diff = run_resilint("check", ".", "--baseline", "base.json", "--diff", "HEAD", cwd=adopted)
    assert (diff.returncode, note_of(diff.stdout)) == (0, "baseline base.json: 0 findings baselined")


@pytest.mark.parametrize("option", [["--prune-baseline"], ["--write-baseline", "other.json"]])
@pytest.mark.parametrize("mode", [["--diff", "HEAD"], ["--staged"]])
def test_a_diff_run_refuses_to_write_or_prune_a_baseline(adopted: Path, option: list[str], mode: list[str]) -> None:
    before = (adopted / "base.json").read_bytes()
    run = run_resilint("check", ".", "--baseline", "base.json", *mode, *option, cwd=adopted)
    assert run.returncode == 2
    assert f"{option[0]} needs a full run: it cannot be combined with --diff or --staged" in run.stderr
    assert (adopted / "base.json").read_bytes() == before
    assert not (adopted / "other.json").exists()
