"""The baseline reads the text that was checked: the staged text in --staged mode,
stdin's with '-', not the file of that name in the work tree (real git, real CLI)."""

from __future__ import annotations

from pathlib import Path

from conftest import git, run_resilint

BASE = "import requests\n\n\ndef get(u):\n    return requests.get(u)\n"


def note_of(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("baseline base.json:"))


def test_staged_text_is_what_the_baseline_matches(git_repo: Path) -> None:
    (git_repo / "svc.py").write_text(BASE)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "client")
    assert run_resilint("check", ".", "--write-baseline", "base.json", cwd=git_repo).returncode == 0
    # Staged: a comment on the baselined call (in the diff; comments are not part of its fingerprint).
    (git_repo / "svc.py").write_text(BASE.replace("requests.get(u)", "requests.get(u)  # fetch"))
    git(git_repo, "add", "svc.py")
    # Work tree: the call itself changed, so its fingerprint read from disk would not match.
    (git_repo / "svc.py").write_text(BASE.replace("requests.get(u)", "requests.get(u, allow_redirects=True)"))
    run = run_resilint("check", "--staged", "--baseline", "base.json", cwd=git_repo)
    assert (run.returncode, note_of(run.stdout)) == (0, "baseline base.json: 1 finding baselined")


def test_stdin_text_is_what_the_baseline_matches(tmp_path: Path) -> None:
    (tmp_path / "svc.py").write_text(BASE)
    assert run_resilint("check", "svc.py", "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    (tmp_path / "svc.py").write_text("# the file on disk no longer holds the call\n")
    moved = "\n\n" + BASE
    run = run_resilint("check", "-", "--stdin-filename", "svc.py", "--baseline", "base.json", cwd=tmp_path, stdin=moved)
    assert (run.returncode, note_of(run.stdout)) == (0, "baseline base.json: 1 finding baselined")
