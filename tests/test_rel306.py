"""REL306 unguarded-critical-change, through the installed CLI on real git
repositories: the fixture folder as a brand-new repository (every line is
changed), then edits to committed code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, git, run_resilint
from expectations import expectations

REL306_FIXTURES = FIXTURES / "diff" / "rel306"


def _found(repo: Path, *args: str) -> set[tuple[str, int, str]]:
    run = run_resilint("check", "--format", "json", "--no-cache", "--select", "REL306", *args, cwd=repo)
    assert run.returncode in (0, 1), run.stderr
    assert run.json()["errors"] == []
    return {(f["path"], f["line"], f["code"]) for f in run.json()["findings"]}


def test_fixture_folder_as_a_new_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REL306_FIXTURES, repo)
    git(repo, "init", "-q", "-b", "main")
    wanted: set[tuple[str, int, str]] = set()
    for file in sorted(repo.rglob("*.py")):
        shown = file.relative_to(repo).as_posix()
        wanted |= expectations(file, shown)
    got = _found(repo, "--diff")
    assert not (wanted - got) and not (got - wanted), f"missing: {sorted(wanted - got)}\nunexpected: {sorted(got - wanted)}"
    # the same files, checked whole (no diff mode): REL306 has nothing to say
    assert _found(repo) == set()


PYPROJECT = """\
[[tool.resilint.tiers]]
name = "payments"
paths = ["payments/"]
"""

SERVICE = """\
from openfeature import api

flags = api.get_client()


def charge(gateway, order):
    total = order.total
    for item in order.items:
        total += item.fee
    return gateway.charge(order.id, total)
"""


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "pyproject.toml").write_text(PYPROJECT)
    for folder in ("payments", "tools"):
        (git_repo / folder).mkdir()
        (git_repo / folder / "service.py").write_text(SERVICE)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "initial")
    return git_repo


def _edit(repo: Path, old: str, new: str, folder: str = "payments") -> None:
    path = repo / folder / "service.py"
    path.write_text(path.read_text().replace(old, new))


def test_ai_edit_of_one_line_in_a_critical_path(repo: Path) -> None:
    _edit(repo, "total += item.fee", "total += item.fee * 2")
    assert _found(repo, "--diff", "--ai-path", "payments/*") == {("payments/service.py", 9, "REL306")}
    # the same edit by a human, outside diff mode, or outside the tier: silent
    assert _found(repo, "--diff") == set()
    assert _found(repo, "--ai-assisted") == set()
    _edit(repo, "total += item.fee * 2", "total += item.fee", "payments")
    _edit(repo, "total += item.fee", "total += item.fee * 2", "tools")
    assert _found(repo, "--diff", "--ai-assisted") == set()


def test_ai_edit_behind_a_flag_is_silent(repo: Path) -> None:
    _edit(
        repo,
        "    return gateway.charge(order.id, total)\n",
        '    if flags.get_boolean_value("double-fees", False):\n'
        "        total *= 2\n"
        "    return gateway.charge(order.id, total)\n",
    )
    assert _found(repo, "--diff", "--ai-assisted") == set()


def test_ai_edit_after_an_early_exit_inside_an_unchanged_loop(repo: Path) -> None:
    _edit(
        repo,
        "        total += item.fee\n",
        '        if not flags.get_boolean_value("item-fees", False):\n'
        "            continue\n"
        "        total += item.fee\n",
    )
    assert _found(repo, "--diff", "--ai-assisted") == set()
    _edit(repo, "        total += item.fee\n", "        total += item.fee\n        total += 1\n")
    assert _found(repo, "--diff", "--ai-assisted") == set()  # still after the early exit


def test_staged_ai_change(repo: Path) -> None:
    _edit(repo, "    total = order.total\n", "    total = order.total + 1\n")
    git(repo, "add", "payments/service.py")
    assert _found(repo, "--staged", "--ai-assisted") == {("payments/service.py", 7, "REL306")}


def test_severity_is_error_and_the_message_names_function_and_tier(repo: Path) -> None:
    _edit(repo, "    total = order.total\n", "    total = order.total + 1\n    total -= 1\n")
    run = run_resilint("check", "--format", "json", "--no-cache", "--diff", "--ai-assisted", "--select", "REL306", cwd=repo)
    assert run.returncode == 1
    (finding,) = run.json()["findings"]
    assert finding["severity"] == "error" and finding["ai_assisted"] is True
    assert "charge() (lines 7-8) in critical tier 'payments'" in finding["message"]


def test_an_edit_inside_an_unchanged_try_is_reported_at_the_edit(repo: Path) -> None:
    path = repo / "payments" / "service.py"
    path.write_text(SERVICE.replace("    return gateway.charge(order.id, total)\n", "    try:\n        return gateway.charge(order.id, total)\n    except TimeoutError:\n        return None\n"))
    git(repo, "commit", "-qam", "try")
    path.write_text(path.read_text().replace("        return None\n", "        return gateway.retry(order.id, total)\n"))
    assert _found(repo, "--diff", "--ai-assisted") == {("payments/service.py", 13, "REL306")}
