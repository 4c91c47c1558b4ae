"""The ``resilint-fix`` pre-commit hook, through the real ``pre-commit`` (hook
repository: a snapshot of this checkout, as in test_precommit.py): it fixes the
findings on the staged lines, leaves old code elsewhere in the file alone, and fails
when it changed something; after staging the fix the commit passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from test_precommit import commit, hook_repo, pre_commit, pre_commit_home  # noqa: F401 -- fixtures

CONFIG = '[tool.resilint]\nexclude = ["fixtures/"]\n\n[tool.resilint.fix.timeouts]\nrequests = [3.05, 27]\n'
OLD = "import requests\n\n\ndef old(url):\n    return requests.get(url)\n"
NEW = OLD + "\n\ndef new(url):\n    return requests.post(url)\n"
FIXED = OLD + "\n\ndef new(url):\n    return requests.post(url, timeout=(3.05, 27))\n"


@pytest.fixture
def project(git_repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> Path:  # noqa: F811
    path, rev = hook_repo
    (git_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path.as_uri()}\n    rev: {rev}\n    hooks:\n      - id: resilint-fix\n"
    )
    (git_repo / "pyproject.toml").write_text(CONFIG)
    (git_repo / "client.py").write_text(OLD)
    git(git_repo, "add", ".pre-commit-config.yaml", "pyproject.toml", "client.py")
    git(git_repo, "commit", "-q", "-m", "config")
    pre_commit("install", cwd=git_repo, home=pre_commit_home)
    return git_repo


def test_fixes_the_staged_lines_fails_then_passes(project: Path, pre_commit_home: Path) -> None:  # noqa: F811
    client = project / "client.py"
    client.write_text(NEW)
    git(project, "add", "client.py")
    failed = commit(project, pre_commit_home, "add new")
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0, out
    assert "resilint (fix the staged lines)" in out and "Failed" in out
    assert "Fixed 1 finding in 1 file; 0 remain." in out
    assert client.read_text() == FIXED  # the new call fixed, the old one (not staged) left alone
    assert git(project, "log", "--format=%s").splitlines() == ["config"]

    git(project, "add", "client.py")
    passed = commit(project, pre_commit_home, "add new")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(project, "log", "--format=%s").splitlines() == ["add new", "config"]
    assert client.read_text() == FIXED


def test_nothing_to_fix_passes_without_touching_the_file(project: Path, pre_commit_home: Path) -> None:  # noqa: F811
    client = project / "client.py"
    client.write_text(FIXED)
    git(project, "add", "client.py")
    passed = commit(project, pre_commit_home, "fixed already")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert client.read_text() == FIXED
