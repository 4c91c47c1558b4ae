"""The blast radius of AI-assisted changes: a changed AI-assisted line puts its
whole function (or class body, or module top level) in scope."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from conftest import git, run_resilint

from resilint.model import Span
from resilint.provenance.blast import change_scope, regions_of

SOURCE = """\
import requests

TIMEOUT = 5
requests.get("https://example.com/health")


def fetch(url):
    headers = {"accept": "json"}
    return requests.get(url, headers=headers)


def other(url):
    return requests.get(url)


class Client:
    base = requests.get("https://example.com/base")

    @staticmethod
    def get(url):
        return requests.get(url)
"""
# REL101 lines: 4 (module), 9 (fetch), 13 (other), 17 (class body), 21 (method)


def _scope(source: str, changed: set[int], ai: bool = True, mode: str = "function") -> set[int]:
    regions = regions_of(cst.parse_module(source)) if mode == "function" else None
    return set(change_scope(regions, changed, lambda _line: ai).lines)


def test_function_scope_is_the_whole_function_with_its_decorators() -> None:
    assert _scope(SOURCE, {8}) == set(range(7, 10))
    assert _scope(SOURCE, {19}) == set(range(19, 22))  # the decorator line belongs to the method


def test_class_scope_is_the_class_body_without_its_methods() -> None:
    assert _scope(SOURCE, {18}) == {16, 17, 18}  # header, attribute, and the changed blank line


def test_module_scope_is_the_top_level_without_definitions() -> None:
    assert _scope(SOURCE, {3}) == {1, 3, 4}


def test_human_changes_and_lines_mode_stay_on_the_changed_lines() -> None:
    assert _scope(SOURCE, {8}, ai=False) == {8}
    assert _scope(SOURCE, {8}, mode="lines") == {8}


def test_nested_function_is_its_own_scope() -> None:
    source = "def outer():\n    a = 1\n    def inner():\n        b = 2\n    return inner\n"
    assert _scope(source, {4}) == {3, 4}
    assert _scope(source, {2}) == {1, 2, 3, 4, 5}


def test_definitions_inside_compound_statements_are_found() -> None:
    source = "try:\n    import x\nexcept ImportError:\n    def f():\n        y = 1\n        return y\n"
    assert _scope(source, {5}) == {4, 5, 6}


def test_touches_uses_every_line_of_the_span() -> None:
    scope = change_scope(regions_of(cst.parse_module(SOURCE)), {8}, lambda _l: False)
    assert scope.touches(Span(7, 1, 9, 5))
    assert not scope.touches(Span(9, 1, 9, 5))
    assert not scope.touches(Span(1, 1, 7, 5))


# -- through the CLI, on a real repository --------------------------------------------


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "svc").mkdir()
    (git_repo / "svc/client.py").write_text(SOURCE)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "initial")
    return git_repo


def _found(repo: Path, *args: str) -> set[tuple[int, str, str]]:
    run = run_resilint("check", "--format", "json", "--no-cache", "--diff", *args, cwd=repo)
    assert run.returncode in (0, 1), run.stderr
    return {(f["line"], f["code"], f["severity"]) for f in run.json()["findings"]}


def test_ai_change_to_one_line_checks_the_whole_function(repo: Path) -> None:
    (repo / "svc/client.py").write_text(SOURCE.replace('"json"', '"xml"'))
    assert _found(repo) == set()  # a human change: line 8 has no finding
    assert _found(repo, "--ai-path", "svc/*.py") == {(9, "REL101", "error")}


def test_ai_change_by_in_file_marker(repo: Path) -> None:
    (repo / "svc/client.py").write_text("# resilint: ai-assisted\n" + SOURCE.replace("TIMEOUT = 5", "TIMEOUT = 6"))
    # the module top level (shifted one line down by the marker), not the functions or the class
    assert _found(repo) == {(5, "REL101", "error")}


def test_ai_change_in_a_class_body(repo: Path) -> None:
    (repo / "svc/client.py").write_text(SOURCE.replace("class Client:\n", "class Client:\n    retries = 3\n"))
    assert _found(repo, "--ai-assisted") == {(18, "REL101", "error")}


def test_ai_scope_lines_turns_the_blast_radius_off(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.resilint.diff]\nai-scope = "lines"\n')
    (repo / "svc/client.py").write_text(SOURCE.replace('"json"', '"xml"'))
    assert _found(repo, "--ai-assisted") == set()
