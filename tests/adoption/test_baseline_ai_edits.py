"""The baseline's AI rule, on real git repositories through the real front ends:
a finding recorded on an AI-assisted line stays baselined until an AI edits its
enclosing function after the baseline was written; then it is reported again.
Entries recorded on human lines are not affected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import git, run_resilint

from resilint.api import Linter
from resilint.config.settings import load_config
from resilint.provenance import git as gitmod
from resilint.provenance import since as sincemod
from resilint.provenance.since import enclosing_lines

HUMAN = "import requests\n\n\ndef human(url):\n    url = url\n    return requests.get(url)\n"  # REL101 on line 6
AGENT = "\n\ndef agent(url):\n    data = url\n    return requests.get(data)\n"  # REL101 on line 11
HUMAN_LINE, AGENT_LINE = 6, 11
AI_TRAILER = "\n\nAssisted-by: Claude Code"
LATER = {"GIT_AUTHOR_DATE": "2026-01-02T12:00:00Z", "GIT_COMMITTER_DATE": "2026-01-02T12:00:00Z"}


def commit(repo: Path, text: str, message: str, env: dict[str, str] | None = None) -> str:
    (repo / "svc.py").write_text(text)
    git(repo, "add", "svc.py")
    git(repo, "commit", "-q", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def adopted(git_repo: Path) -> Path:
    """A human function and an agent's (Assisted-by trailer), each with one REL101,
    and a baseline written at that commit: the agent's entry is AI-assisted."""
    commit(git_repo, HUMAN, "Add the human client")
    commit(git_repo, HUMAN + AGENT, "Add the agent client" + AI_TRAILER)
    written = run_resilint("check", ".", "--write-baseline", "base.json", cwd=git_repo)
    assert written.returncode == 0, written.stderr
    entries = {e["line"]: e["ai_assisted"] for e in json.loads((git_repo / "base.json").read_text())["entries"]}
    assert entries == {HUMAN_LINE: False, AGENT_LINE: True}
    return git_repo


def check(repo: Path, *args: str) -> tuple[list[int], str, int]:
    """(REL101 lines reported, the baseline note, exit status) of ``resilint check``."""
    as_json = run_resilint("check", ".", "--baseline", "base.json", "--format", "json", *args, cwd=repo)
    assert as_json.returncode in (0, 1) and as_json.stdout, (as_json.returncode, as_json.stderr)
    assert as_json.json()["errors"] == []
    lines = [f["line"] for f in as_json.json()["findings"] if f["code"] == "REL101"]
    text = run_resilint("check", ".", "--baseline", "base.json", *args, cwd=repo)
    assert text.returncode == as_json.returncode, text.stdout + text.stderr
    note = next(line for line in text.stdout.splitlines() if line.startswith("baseline base.json:"))
    return lines, note, as_json.returncode


def written_at(repo: Path) -> float:
    return datetime.fromisoformat(json.loads((repo / "base.json").read_text())["written_at"]).timestamp()


def test_a_later_human_commit_to_another_function_keeps_the_ai_finding_baselined(adopted: Path) -> None:
    commit(adopted, HUMAN.replace("url = url", "url = url.strip()") + AGENT, "Strip the URL")
    assert check(adopted) == ([], "baseline base.json: 2 findings baselined", 0)


def test_a_later_ai_commit_to_the_same_function_brings_the_finding_back(adopted: Path) -> None:
    commit(adopted, HUMAN + AGENT.replace("data = url", "data = url.strip()"), "Strip the URL" + AI_TRAILER)
    lines, note, status = check(adopted)
    assert lines == [AGENT_LINE] and status == 1
    assert note == "baseline base.json: 1 finding baselined, 1 AI-assisted finding reported again after an AI edit"


def test_a_later_ai_commit_to_another_function_keeps_the_finding_baselined(adopted: Path) -> None:
    extra = "\n\ndef third(url):\n    return url\n"
    commit(adopted, HUMAN + AGENT + extra, "Add third" + AI_TRAILER)
    assert check(adopted) == ([], "baseline base.json: 2 findings baselined", 0)


def test_an_ai_commit_that_only_reworded_a_comment_is_not_an_edit(adopted: Path) -> None:
    commit(adopted, HUMAN + AGENT.replace("data = url", "data = url  # the raw URL"), "Comment" + AI_TRAILER)
    assert check(adopted) == ([], "baseline base.json: 2 findings baselined", 0)


def test_an_uncommitted_edit_inside_an_ai_marker_region_brings_the_finding_back(adopted: Path) -> None:
    edited = AGENT.replace(
        "    data = url\n", "    # resilint: ai-assisted begin\n    data = url.strip()\n    # resilint: ai-assisted end\n"
    )
    svc = adopted / "svc.py"
    svc.write_text(HUMAN + edited)
    saved = written_at(adopted) + 5  # saved after the baseline was written
    os.utime(svc, (saved, saved))
    lines, note, status = check(adopted)
    assert lines == [AGENT_LINE + 2] and status == 1
    assert note == "baseline base.json: 1 finding baselined, 1 AI-assisted finding reported again after an AI edit"
    # The same uncommitted edit without the marker is the working author's: still baselined.
    svc.write_text(HUMAN + AGENT.replace("data = url", "data = url.strip()"))
    os.utime(svc, (saved, saved))
    assert check(adopted) == ([], "baseline base.json: 2 findings baselined", 0)


def test_an_uncommitted_ai_edit_already_there_when_the_baseline_was_written_is_not_since(git_repo: Path) -> None:
    commit(git_repo, HUMAN, "Add the human client")
    commit(git_repo, HUMAN + AGENT, "Add the agent client" + AI_TRAILER)
    svc = git_repo / "svc.py"
    svc.write_text(HUMAN + AGENT.replace("    data = url\n", "    data = url.strip()  # resilint: ai-assisted begin\n"))
    before = datetime.now().timestamp() - 30
    os.utime(svc, (before, before))  # saved before the baseline is written
    assert run_resilint("check", ".", "--write-baseline", "base.json", cwd=git_repo).returncode == 0
    assert check(git_repo) == ([], "baseline base.json: 2 findings baselined", 0)


def test_a_human_entry_stays_baselined_after_an_ai_edit_of_its_function(adopted: Path) -> None:
    commit(adopted, HUMAN.replace("url = url", "url = url.strip()") + AGENT, "Strip the URL" + AI_TRAILER)
    assert check(adopted) == ([], "baseline base.json: 2 findings baselined", 0)


def test_with_diff_the_ai_edited_finding_is_reported(adopted: Path) -> None:
    commit(adopted, HUMAN + AGENT.replace("data = url", "data = url.strip()"), "Strip the URL" + AI_TRAILER)
    lines, note, status = check(adopted, "--diff", "HEAD~1")
    assert lines == [AGENT_LINE] and status == 1
    assert note.endswith("1 AI-assisted finding reported again after an AI edit")


def test_flake8_with_the_configured_baseline_reports_the_ai_edited_finding(adopted: Path) -> None:
    (adopted / "pyproject.toml").write_text('[tool.resilint]\nbaseline = "base.json"\n')

    def flake8() -> list[str]:
        run = subprocess.run(
            [sys.executable, "-m", "flake8", "--select=REL", "svc.py"], cwd=adopted, capture_output=True, text=True, check=False
        )
        assert run.stderr == "", run.stderr
        return [line.split(" ")[:2] for line in run.stdout.splitlines()]

    assert flake8() == []
    commit(adopted, HUMAN + AGENT.replace("data = url", "data = url.strip()"), "Strip the URL" + AI_TRAILER)
    assert flake8() == [[f"svc.py:{AGENT_LINE}:12:", "REL101"]]


def test_an_editor_buffer_with_an_unsaved_ai_marked_edit_brings_the_finding_back(adopted: Path) -> None:
    """The language server checks buffers through Linter.check_source."""
    (adopted / "pyproject.toml").write_text('[tool.resilint]\nbaseline = "base.json"\n')
    linter = Linter(load_config(adopted))
    svc = adopted / "svc.py"
    saved = svc.read_text()
    assert linter.check_source(saved, str(svc), file=svc).findings == ()
    buffer = HUMAN + AGENT.replace("data = url", "data = url.strip()  # resilint: ai-assisted begin")
    assert [f.line for f in linter.check_source(buffer, str(svc), file=svc).findings] == [AGENT_LINE]
    assert svc.read_text() == saved  # nothing was saved


def test_without_a_baseline_commit_later_commit_times_decide(adopted: Path) -> None:
    data = json.loads((adopted / "base.json").read_text())
    del data["commit"]
    data["written_at"] = "2026-01-01T12:30:00+00:00"  # after the agent's commit (12:00), before the next one
    (adopted / "base.json").write_text(json.dumps(data))
    commit(adopted, HUMAN + AGENT.replace("data = url", "data = url.strip()"), "Strip the URL" + AI_TRAILER, env=LATER)
    assert check(adopted)[0] == [AGENT_LINE]
    data["written_at"] = "2026-01-03T12:00:00+00:00"  # after that commit too: nothing changed since
    (adopted / "base.json").write_text(json.dumps(data))
    assert check(adopted) == ([], "baseline base.json: 2 findings baselined", 0)


def test_a_baseline_commit_the_repository_does_not_know_falls_back_to_times(adopted: Path) -> None:
    data = json.loads((adopted / "base.json").read_text())
    data["commit"] = "0123456789abcdef0123456789abcdef01234567"
    data["written_at"] = "2026-01-01T12:30:00+00:00"
    (adopted / "base.json").write_text(json.dumps(data))
    commit(adopted, HUMAN + AGENT.replace("data = url", "data = url.strip()"), "Strip the URL" + AI_TRAILER, env=LATER)
    assert check(adopted)[0] == [AGENT_LINE]


def test_no_blame_when_no_entry_is_ai_assisted(git_repo: Path) -> None:
    """A whole-file marker committed by a human: the engine needs no blame (the
    marker answers), and the rule blames only for AI-assisted entries."""
    commit(git_repo, "# resilint: ai-assisted\n" + HUMAN, "Add the client")
    commit(git_repo, "# resilint: ai-assisted\n" + HUMAN.replace("url = url", "url = url.strip()"), "Strip")
    assert run_resilint("check", ".", "--write-baseline", "base.json", cwd=git_repo).returncode == 0
    data = json.loads((git_repo / "base.json").read_text())
    data["commit"] = git(git_repo, "rev-parse", "HEAD~1").strip()  # the strip commit is "since"
    (git_repo / "base.json").write_text(json.dumps(data))
    (git_repo / "pyproject.toml").write_text('[tool.resilint]\nbaseline = "base.json"\n')

    def blames_and_kept() -> tuple[int, int]:
        linter = Linter(load_config(git_repo))
        report = linter.check_paths([git_repo / "svc.py"], baseline=False)
        gitmod._blames.clear()
        sincemod._since.clear()
        before = gitmod.stats["blame"]
        kept = linter.without_baselined(report)
        return gitmod.stats["blame"] - before, len(kept.findings)

    assert blames_and_kept() == (1, 1)  # recorded as AI-assisted: blamed, and the strip commit brings it back
    data["entries"] = [{**e, "ai_assisted": False} for e in data["entries"]]
    (git_repo / "base.json").write_text(json.dumps(data))
    assert blames_and_kept() == (0, 0)


SCOPES = """\
import functools

X = [
    1,
]


class A:
    y = (
        2
    )

    @functools.cache
    def method(self):
        def inner():
            return 3
        return inner
"""


@pytest.mark.parametrize(
    ("line", "expected"),
    [(1, (1, 1)), (4, (3, 5)), (10, (9, 11)), (13, (13, 17)), (14, (13, 17)), (16, (15, 16)), (17, (13, 17)), (12, (8, 17)), (2, None)],
)
def test_enclosing_lines(line: int, expected: tuple[int, int] | None) -> None:
    import ast

    assert enclosing_lines(ast.parse(SCOPES), line) == expected
