"""The pre-commit hook, through the real ``pre-commit`` in a temporary git repository.

The hook repository is a snapshot of this checkout (working tree included, so
what is tested is what is here), committed in a temporary repository that the
user's ``.pre-commit-config.yaml`` points at with ``repo:``, as a user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, git

SHIPPED = ("src", "rules", "pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")

BAD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
AI_WARNING = "# resilint: ai-assisted\nimport requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
FIXED = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n"


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding this checkout's files; returns (path, commit)."""
    repo = tmp_path_factory.mktemp("hook") / "resilint"
    repo.mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot")
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(git_repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> Path:
    path, rev = hook_repo
    (git_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path.as_uri()}\n    rev: {rev}\n    hooks:\n      - id: resilint\n"
    )
    (git_repo / "pyproject.toml").write_text('[tool.resilint]\nexclude = ["fixtures/"]\n')
    git(git_repo, "add", ".pre-commit-config.yaml", "pyproject.toml")
    git(git_repo, "commit", "-q", "-m", "config")
    pre_commit("install", cwd=git_repo, home=pre_commit_home)
    return git_repo


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=_env(cwd, home), capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def _env(repo: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "RESILINT_", "PRE_COMMIT"))}
    return {
        **env,
        "PRE_COMMIT_HOME": str(home),
        "HOME": str(repo),
        "GIT_AUTHOR_NAME": "Dev Human",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev Human",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }


def commit(repo: Path, home: Path, message: str) -> subprocess.CompletedProcess[str]:
    """``git commit``, which runs the installed pre-commit hook."""
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=repo, env=_env(repo, home), capture_output=True, text=True, timeout=900, check=False
    )


def test_bad_staged_file_fails_the_commit_and_fixed_one_passes(project: Path, pre_commit_home: Path) -> None:
    client = project / "client.py"
    client.write_text(AI_WARNING)
    git(project, "add", "client.py")
    failed = commit(project, pre_commit_home, "add client")
    assert failed.returncode != 0
    out = failed.stdout + failed.stderr
    assert "resilint" in out and "Failed" in out
    assert "client.py:6:12: REL101 [error]" in out and "[AI-assisted: # resilint: ai-assisted (line 1)]" in out
    assert git(project, "log", "--format=%s").splitlines() == ["config"]

    client.write_text(FIXED)
    git(project, "add", "client.py")
    passed = commit(project, pre_commit_home, "add client")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(project, "log", "--format=%s").splitlines() == ["add client", "config"]


def test_checks_what_is_staged_not_the_working_tree(project: Path, pre_commit_home: Path) -> None:
    client = project / "client.py"
    # staged: fixed; working tree: bad (unstaged) -> pre-commit stashes it, the commit passes
    client.write_text(FIXED)
    git(project, "add", "client.py")
    client.write_text(AI_WARNING)
    passed = commit(project, pre_commit_home, "fixed")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert client.read_text() == AI_WARNING  # the unstaged change is restored
    # staged: bad; working tree: fixed again -> the commit fails
    git(project, "add", "client.py")
    client.write_text(FIXED)
    failed = commit(project, pre_commit_home, "bad")
    assert failed.returncode != 0
    assert "REL101" in failed.stdout + failed.stderr


def test_warnings_pass_by_default_and_exclude_is_honoured(project: Path, pre_commit_home: Path) -> None:
    (project / "human.py").write_text(BAD)  # a warning on a human line: below --fail-on error
    (project / "fixtures").mkdir()
    (project / "fixtures" / "sample.py").write_text(AI_WARNING)  # excluded in [tool.resilint]
    git(project, "add", "human.py", "fixtures/sample.py")
    passed = commit(project, pre_commit_home, "human change")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_untouched_old_findings_do_not_block_an_unrelated_change(project: Path, pre_commit_home: Path) -> None:
    """The hook gates the staged change, not the whole file: adopting resilint on an
    existing codebase does not mean fixing everything first."""
    legacy = project / "legacy.py"
    legacy.write_text(AI_WARNING)
    git(project, "add", "legacy.py")
    git(project, "commit", "-q", "--no-verify", "-m", "legacy code, committed before the hook")
    legacy.write_text(AI_WARNING + "\n\nVERSION = 2\n")
    git(project, "add", "legacy.py")
    passed = commit(project, pre_commit_home, "bump version")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    legacy.write_text(AI_WARNING + "\n\nVERSION = 3\n\n\ndef again(url):\n    return requests.get(url)\n")
    git(project, "add", "legacy.py")
    failed = commit(project, pre_commit_home, "a new call without a timeout")
    assert failed.returncode != 0
    assert "legacy.py:13:12: REL101 [error]" in failed.stdout + failed.stderr
