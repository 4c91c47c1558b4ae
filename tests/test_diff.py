"""``resilint check --diff [REF]`` and ``--staged`` on real git repositories built
here, through the installed CLI: exactly which findings belong to a change."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, run_resilint

from resilint.engine.diff import collect

MULTILINE = """\
import requests


def fetch(url):
    return requests.get(
        url,
        headers={"accept": "json"},
    )


def other(url):
    return requests.get(url)
"""


def write(repo: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "--short", "HEAD").strip()


def found(repo: Path, *args: str) -> set[tuple[str, int, str]]:
    run = run_resilint("check", "--format", "json", "--no-cache", *args, cwd=repo)
    assert run.returncode in (0, 1), run.stderr
    return {(f["path"], f["line"], f["code"]) for f in run.json()["findings"]}


@pytest.fixture
def repo(git_repo: Path) -> Path:
    write(git_repo, "svc/client.py", MULTILINE)
    commit(git_repo, "initial")
    return git_repo


# -- which lines changed ---------------------------------------------------------------


def test_editing_one_line_of_a_multiline_call_reports_that_call_only(repo: Path) -> None:
    assert found(repo) == {("svc/client.py", 5, "REL101"), ("svc/client.py", 12, "REL101")}
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"'))
    assert found(repo, "--diff") == {("svc/client.py", 5, "REL101")}
    assert found(repo, "--diff", "HEAD") == {("svc/client.py", 5, "REL101")}


def test_no_change_no_findings_and_the_note_says_what_was_compared(repo: Path) -> None:
    head = git(repo, "rev-parse", "--short", "HEAD").strip()
    run = run_resilint("check", "--diff", "--no-cache", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert f"checked 0 changed lines in 0 files against HEAD ({head})" in run.stdout
    write(repo, "svc/client.py", MULTILINE.replace("return requests.get(url)", "return requests.get(url)  # edited"))
    run = run_resilint("check", "--diff", "--no-cache", "--fail-on", "warning", cwd=repo)
    assert run.returncode == 1
    assert f"checked 1 changed line in 1 file against HEAD ({head})" in run.stdout
    assert run.stdout.startswith("svc/client.py:12:12: REL101 [warning]")


def test_new_files_count_whole_tracked_or_not(repo: Path) -> None:
    write(repo, "svc/added.py", "import requests\nrequests.post('u')\n")
    git(repo, "add", "svc/added.py")
    write(repo, "svc/untracked.py", "import requests\n\nrequests.put('u')\n")
    write(repo, "svc/ignored.py", "import requests\nrequests.put('u')\n")
    write(repo, ".gitignore", "ignored.py\n")
    assert found(repo, "--diff") == {("svc/added.py", 2, "REL101"), ("svc/untracked.py", 3, "REL101")}


def test_a_renamed_file_is_not_a_change_but_its_edited_line_is(repo: Path) -> None:
    git(repo, "mv", "svc/client.py", "svc/http_client.py")
    assert found(repo, "--diff") == set()
    commit(repo, "rename")
    assert found(repo, "--diff", "HEAD~1") == set()
    write(repo, "svc/http_client.py", MULTILINE.replace("(url)\n", "(url, stream=True)\n"))
    commit(repo, "edit")
    assert found(repo, "--diff", "HEAD~2") == {("svc/http_client.py", 12, "REL101")}


def test_deleted_files_report_nothing(repo: Path) -> None:
    write(repo, "svc/old.py", "import requests\nrequests.get('u')\n")
    commit(repo)
    (repo / "svc/old.py").unlink()
    run = run_resilint("check", "--diff", "--format", "json", "--no-cache", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.json()["findings"] == [] and run.json()["errors"] == []


def test_moved_code_is_not_a_change_but_an_edit_inside_it_is(repo: Path) -> None:
    moved = """\
import requests


def other(url):
    return requests.get(url)


def fetch(url):
    return requests.get(
        url,
        headers={"accept": "json"},
    )
"""
    write(repo, "svc/client.py", moved)
    assert found(repo, "--diff") == set()
    write(repo, "svc/client.py", moved.replace('"json"', '"xml"'))
    assert found(repo, "--diff") == {("svc/client.py", 9, "REL101")}


def test_moved_to_another_file(repo: Path) -> None:
    write(repo, "svc/client.py", MULTILINE.split("\n\ndef other")[0] + "\n")
    write(repo, "svc/other.py", "import requests\n\n\ndef other(url):\n    return requests.get(url)\n")
    assert found(repo, "--diff") == set()


def test_crlf_file_lines_are_counted_like_lf(git_repo: Path) -> None:
    write(git_repo, "win.py", MULTILINE, newline="\r\n")
    commit(git_repo)
    write(git_repo, "win.py", MULTILINE.replace("(url)\n", "(url, stream=True)\n"), newline="\r\n")
    assert found(git_repo, "--diff") == {("win.py", 12, "REL101")}
    git(git_repo, "add", "win.py")
    assert found(git_repo, "--staged") == {("win.py", 12, "REL101")}


def test_paths_on_the_command_line_intersect(repo: Path) -> None:
    write(repo, "svc/new.py", "import requests\nrequests.get('u')\n")
    write(repo, "tools/new.py", "import requests\nrequests.get('u')\n")
    write(repo, "svc/vendored/lib.py", "import requests\nrequests.get('u')\n")
    write(repo, "pyproject.toml", '[tool.resilint]\nexclude = ["vendored/"]\n')
    everything = {("svc/new.py", 2, "REL101"), ("tools/new.py", 2, "REL101")}
    assert found(repo, "--diff") == everything
    assert found(repo, "--diff", "HEAD", "tools") == {("tools/new.py", 2, "REL101")}
    assert found(repo, "--diff", "HEAD", "svc/new.py", "svc/client.py") == {("svc/new.py", 2, "REL101")}
    # a path right after --diff is a path when it is no revision, as in git
    assert found(repo, "--diff", "tools") == {("tools/new.py", 2, "REL101")}
    # a file named explicitly is checked even when excluded
    assert found(repo, "--diff", "HEAD", "svc/vendored/lib.py") == {("svc/vendored/lib.py", 2, "REL101")}
    # ... unless --force-exclude (pre-commit names the staged files)
    assert found(repo, "--diff", "HEAD", "--force-exclude", "svc/vendored/lib.py", "svc/new.py") == {("svc/new.py", 2, "REL101")}


def test_running_from_a_subfolder_shows_paths_relative_to_it(repo: Path) -> None:
    write(repo, "svc/new.py", "import requests\nrequests.get('u')\n")
    write(repo, "tools/new.py", "import requests\nrequests.get('u')\n")
    assert found(repo / "svc", "--diff") == {("new.py", 2, "REL101")}


# -- the default REF -----------------------------------------------------------------


def test_default_ref_is_the_merge_base_with_origin_head(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-ref", "refs/remotes/origin/main", base)
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"'))
    commit(repo, "feature work")
    # main moves on after the branch point: its new commits are not part of our change
    git(repo, "checkout", "-q", "main")
    write(repo, "svc/main_only.py", "import requests\nrequests.get('u')\n")
    commit(repo, "on main")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "feature")
    (repo / "svc/main_only.py").unlink(missing_ok=True)
    run = run_resilint("check", "--diff", "--no-cache", cwd=repo)
    assert f"against origin/main ({base[:7]})" in run.stdout, run.stdout + run.stderr
    assert found(repo, "--diff") == {("svc/client.py", 5, "REL101")}


def test_default_ref_prefers_the_upstream(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"'))
    pushed = commit(repo, "pushed work")
    git(repo, "update-ref", "refs/remotes/origin/feature", "HEAD")
    git(repo, "remote", "add", "origin", str(repo))
    git(repo, "config", "branch.feature.remote", "origin")
    git(repo, "config", "branch.feature.merge", "refs/heads/feature")
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"').replace("(url)", "(url, stream=True)"))
    commit(repo, "local work")
    run = run_resilint("check", "--diff", "--no-cache", cwd=repo)
    assert f"against origin/feature ({pushed})" in run.stdout, run.stdout + run.stderr
    assert found(repo, "--diff") == {("svc/client.py", 12, "REL101")}


def test_explicit_ref_and_merge_base_syntax(repo: Path) -> None:
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"'))
    commit(repo, "one")
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"').replace("(url)", "(url, stream=True)"))
    commit(repo, "two")
    assert found(repo, "--diff", "HEAD~1") == {("svc/client.py", 12, "REL101")}
    assert found(repo, "--diff", "HEAD~2") == {("svc/client.py", 5, "REL101"), ("svc/client.py", 12, "REL101")}
    git(repo, "branch", "old", "HEAD~1")
    assert found(repo, "--diff", "old...") == {("svc/client.py", 12, "REL101")}


def test_a_repository_without_commits_is_all_new(git_repo: Path) -> None:
    write(git_repo, "app.py", "import requests\nrequests.get('u')\n")
    run = run_resilint("check", "--diff", "--no-cache", "--fail-on", "warning", cwd=git_repo)
    assert run.returncode == 1
    assert "checked 2 changed lines in 1 file against an empty tree (no commits yet)" in run.stdout


# -- --staged ---------------------------------------------------------------------------


def _stage(repo: Path, name: str, text: str) -> None:
    """Stage ``text`` as the content of ``name`` without touching the working tree
    (what ``git add -p`` does): write a blob, point the index entry at it."""
    path = repo / ".staged-blob"
    path.write_bytes(text.encode())
    blob = git(repo, "hash-object", "-w", str(path)).strip()
    path.unlink()
    git(repo, "update-index", "--cacheinfo", f"100644,{blob},{name}")


def test_staged_reads_the_index_not_the_working_tree(repo: Path) -> None:
    two_edits = MULTILINE.replace('"json"', '"text"').replace("(url)", "(url, stream=True)")
    write(repo, "svc/client.py", two_edits)
    # stage only the first edit, as `git add -p` would
    _stage(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"'))
    assert found(repo, "--staged") == {("svc/client.py", 5, "REL101")}
    assert found(repo, "--diff") == {("svc/client.py", 5, "REL101"), ("svc/client.py", 12, "REL101")}


def test_staged_finds_what_the_working_tree_already_fixed(repo: Path) -> None:
    _stage(repo, "svc/client.py", MULTILINE.replace("requests.get(url)", "requests.get(url, verify=True)"))
    write(repo, "svc/client.py", MULTILINE.replace("requests.get(url)", "requests.get(url, timeout=5)"))
    assert found(repo, "--staged") == {("svc/client.py", 12, "REL101")}
    assert found(repo, "--diff") == set()
    run = run_resilint("check", "--staged", "--no-cache", cwd=repo)
    assert "checked 1 staged line in 1 file against HEAD (" in run.stdout


def test_staged_ignores_unstaged_and_untracked_files(repo: Path) -> None:
    write(repo, "svc/untracked.py", "import requests\nrequests.get('u')\n")
    write(repo, "svc/client.py", MULTILINE.replace('"json"', '"text"'))
    assert found(repo, "--staged") == set()
    write(repo, "svc/added.py", "import requests\nrequests.get('u')\n")
    git(repo, "add", "svc/added.py")
    assert found(repo, "--staged", "svc/added.py", "svc/client.py") == {("svc/added.py", 2, "REL101")}


def test_staged_rename_with_an_edit(repo: Path) -> None:
    git(repo, "mv", "svc/client.py", "svc/renamed.py")
    _stage(repo, "svc/renamed.py", MULTILINE.replace("(url)\n", "(url, stream=True)\n"))
    assert found(repo, "--staged") == {("svc/renamed.py", 12, "REL101")}


# -- errors ----------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "x = 1\n")
    for option in ("--diff", "--staged"):
        run = run_resilint("check", option, cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
        assert run.returncode == 2
        assert "not a git repository" in run.stderr


def test_unknown_ref(repo: Path) -> None:
    run = run_resilint("check", "--diff", "no-such-branch", cwd=repo)
    assert run.returncode == 2
    assert "unknown git revision 'no-such-branch'" in run.stderr


def test_git_missing(repo: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    run = run_resilint("check", "--diff", cwd=repo, env={"PATH": str(empty)})
    assert run.returncode == 2
    assert "git is not installed" in run.stderr


def test_diff_and_staged_together_or_with_stdin_are_usage_errors(repo: Path) -> None:
    assert run_resilint("check", "--diff", "HEAD", "--staged", cwd=repo).returncode == 2
    run = run_resilint("check", "--diff", "HEAD", "-", cwd=repo, stdin="x = 1\n")
    assert run.returncode == 2 and "stdin" in run.stderr


# -- the git side, in process -----------------------------------------------------------


def test_hunks_are_read_by_count_not_by_their_first_characters(git_repo: Path) -> None:
    """A removed line '-- x' shows as '--- x' and an added '++ y' as '+++ y'."""
    write(git_repo, "odd.py", "a\n-- x\nb\n")
    commit(git_repo)
    write(git_repo, "odd.py", "a\n++ y\nb\nc\n")
    changes = collect(git_repo, "HEAD")
    assert changes.lines == {git_repo.resolve() / "odd.py": frozenset({2, 4})}


def test_quoted_file_names(git_repo: Path) -> None:
    name = 'sp ace "q" é\\.py'
    write(git_repo, "keep.py", "x = 1\n")
    commit(git_repo)
    write(git_repo, name, "x = 1\ny = 2\n")
    git(git_repo, "add", "-A")
    changes = collect(git_repo, staged=True)
    assert changes.lines == {git_repo.resolve() / name: frozenset({1, 2})}


def test_collect_from_a_subfolder_uses_the_whole_work_tree(repo: Path) -> None:
    write(repo, "tools/new.py", "x = 1\n")
    changes = collect(repo / "svc", "HEAD")
    assert set(changes.lines) == {repo.resolve() / "tools/new.py"}


def test_a_file_that_no_longer_parses_is_reported_whatever_line_changed(repo: Path) -> None:
    """A file that cannot be parsed cannot have its change checked: say so."""
    write(repo, "svc/legacy.py", "x = 1\n\nprint 'python 2'\n")
    commit(repo)
    write(repo, "svc/legacy.py", "x = 2\n\nprint 'python 2'\n")
    assert found(repo, "--diff") == {("svc/legacy.py", 3, "REL001")}


def test_many_changed_files_in_parallel(repo: Path) -> None:
    for i in range(12):
        write(repo, f"svc/new_{i:02}.py", "import requests\n\nrequests.get('u')\n")
    assert found(repo, "--diff", "--jobs", "2") == {(f"svc/new_{i:02}.py", 3, "REL101") for i in range(12)}
    run = run_resilint("check", "--diff", "--jobs", "2", "--no-cache", cwd=repo)
    assert "checked 36 changed lines in 12 files against HEAD (" in run.stdout


def test_suppression_on_a_changed_line_still_works(repo: Path) -> None:
    write(repo, "svc/client.py", MULTILINE.replace("requests.get(url)\n", "requests.get(url)  # noqa: REL101 -- polling, bounded by caller\n"))
    assert found(repo, "--diff") == set()


def test_symbolic_links_are_not_files_of_the_change(git_repo: Path) -> None:
    write(git_repo, "real.py", "import requests\nrequests.get('u')\n")
    (git_repo / "link.py").symlink_to("real.py")
    git(git_repo, "add", "-A")
    assert set(collect(git_repo, staged=True).lines) == {git_repo.resolve() / "real.py"}
    assert found(git_repo, "--staged") == {("real.py", 2, "REL101")}


def test_staged_in_a_repository_without_commits(git_repo: Path) -> None:
    write(git_repo, "app.py", "import requests\nrequests.get('u')\n")
    git(git_repo, "add", "app.py")
    run = run_resilint("check", "--staged", "--no-cache", cwd=git_repo)
    assert "checked 2 staged lines in 1 file against an empty tree (no commits yet)" in run.stdout
