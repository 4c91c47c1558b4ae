"""Provenance from real git repositories, built commit by commit the way agents
commit: per-line evidence, and the severity each finding gets from it (the same
REL101 is a warning on a human line and an error on an AI-assisted one)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import git, run_resilint

from resilint.config.settings import Config
from resilint.engine.core import Engine
from resilint.provenance import git as gitmod
from resilint.provenance.agents import patterns_for

HUMAN = "import requests\n\n\ndef human(url):\n    return requests.get(url)\n"  # REL101 on line 5
AI_PART = "\n\ndef agent(url):\n    return requests.get(url)\n"  # REL101 on line 9
HUMAN_LINE, AI_LINE = 5, 9
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"


def identity(name: str, email: str) -> dict[str, str]:
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}


def commit(repo: Path, files: dict[str, str], message: str, env: dict[str, str] | None = None) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def rel101(repo: Path, *args: str, env: dict[str, str] | None = None) -> dict[int, dict]:
    run = run_resilint("check", "--format", "json", "--no-cache", *args, "svc.py", cwd=repo, env=env)
    assert run.returncode in (0, 1), run.stderr
    report = run.json()
    assert report["errors"] == []
    return {f["line"]: f for f in report["findings"] if f["code"] == "REL101"}


def two_commits(repo: Path, message: str, env: dict[str, str] | None = None) -> str:
    commit(repo, {"svc.py": HUMAN}, "Add the human client")
    return commit(repo, {"svc.py": HUMAN + AI_PART}, message, env)


AI_COMMITS = {
    "claude-code": (f"Add agent client\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n{CLAUDE}", None, "Co-Authored-By: Claude <noreply@anthropic.com>"),
    "cursor": ("Add agent client\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>", None, "cursoragent@cursor.com"),
    "aider-trailer": ("feat: add agent client\n\nCo-authored-by: aider (openai/gpt-4o) <aider@aider.chat>", None, "aider@aider.chat"),
    "aider-suffix": ("feat: add agent client", identity("Dev Human (aider)", "dev@example.com"), "(aider)"),
    "codex": ("Add agent client\n\nCo-authored-by: Codex <noreply@openai.com>", None, "noreply@openai.com"),
    "amp": ("Add agent client\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1234\nCo-authored-by: Amp <amp@ampcode.com>", None, "Amp-Thread-ID"),
    "opencode": ("Add agent client\n\nCo-Authored-By: opencode <noreply@opencode.ai>", None, "noreply@opencode.ai"),
    "copilot-agent": ("Add agent client", {**identity("Copilot", "198982749+Copilot@users.noreply.github.com"), "GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}, "198982749+Copilot@users.noreply.github.com"),
    "claude-bot": ("Add agent client", identity("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"), "claude[bot]"),
    "devin-coauthor": ("Add agent client\n\nCo-authored-by: devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>", None, "devin-ai-integration[bot]"),
    "assisted-by": ("Add agent client\n\nAssisted-by: GitHub Copilot", None, "Assisted-by: GitHub Copilot"),
    "ai-assisted": ("Add agent client\n\nAI-assisted: yes", None, "AI-assisted: yes"),
    "generated-by": ("Add agent client\n\nGenerated-by: Claude Code", None, "Generated-by: Claude Code"),
    "claude-session": ("Add agent client\n\nClaude-Session: 5f0c2a9e-1b7d-4c55-9d1e-0a2b3c4d5e6f", None, "Claude-Session:"),
    "footer-only": ("Add agent client\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)", None, "Generated with [Claude Code]"),
}

HUMAN_COMMITS = {
    # A person called Claude is not an agent: identities are e-mail addresses.
    "human-named-claude": ("Add client", identity("Claude Monet", "claude@monet.example"), None),
    "human-claude-coauthor": ("Add client\n\nCo-authored-by: Claude Shannon <claude@shannon.example>", None, None),
    # A code generator is not an AI agent.
    "openapi-generator": ("Regenerate client\n\nGenerated-by: openapi-generator 7.4.0", None, None),
    # Dependency bots are not AI.
    "dependabot": ("Bump requests", identity("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"), None),
    # An explicit "no".
    "ai-assisted-no": ("Add client\n\nAI-assisted: no", None, None),
    # Signed-off-by a human, reviewed by nobody in particular.
    "signed-off": ("Add client\n\nSigned-off-by: Dev Human <dev@example.com>", None, None),
}


@pytest.mark.parametrize("case", sorted(AI_COMMITS))
def test_agent_commit_raises_severity_on_its_lines_only(git_repo: Path, case: str) -> None:
    message, env, evidence = AI_COMMITS[case]
    sha = two_commits(git_repo, message, env)
    found = rel101(git_repo)
    assert found[HUMAN_LINE]["severity"] == "warning"
    assert found[HUMAN_LINE]["ai_assisted"] is False and found[HUMAN_LINE]["provenance"] is None
    ai = found[AI_LINE]
    assert ai["severity"] == "error" and ai["base_severity"] == "warning" and ai["ai_assisted"] is True
    assert ai["provenance"]["signal"].startswith("git-")
    assert evidence in ai["provenance"]["detail"] and sha[:7] in ai["provenance"]["detail"]
    assert f"AI-assisted: {ai['provenance']['detail']}" in ai["message"]


@pytest.mark.parametrize("case", sorted(HUMAN_COMMITS))
def test_human_commit_stays_human(git_repo: Path, case: str) -> None:
    message, env, _ = HUMAN_COMMITS[case]
    two_commits(git_repo, message, env)
    found = rel101(git_repo)
    assert {line: f["severity"] for line, f in found.items()} == {HUMAN_LINE: "warning", AI_LINE: "warning"}
    assert all(f["provenance"] is None for f in found.values())


def test_text_output_names_the_evidence(git_repo: Path) -> None:
    sha = two_commits(git_repo, f"Add agent client\n\n{CLAUDE}")
    run = run_resilint("check", "--no-cache", "svc.py", cwd=git_repo)
    lines = run.stdout.splitlines()
    assert f"svc.py:{HUMAN_LINE}:12: REL101 [warning]" in lines[0] and "AI-assisted" not in lines[0]
    assert f"svc.py:{AI_LINE}:12: REL101 [error]" in lines[1]
    assert f"[AI-assisted: {CLAUDE} ({sha[:7]})]" in lines[1]


def test_medium_identity_obeys_min_confidence(git_repo: Path) -> None:
    """VS Code adds ``Copilot <copilot@github.com>`` by itself: medium confidence."""
    two_commits(git_repo, "Add client\n\nCo-authored-by: Copilot <copilot@github.com>")
    assert rel101(git_repo)[AI_LINE]["severity"] == "error"  # default min-confidence = medium
    (git_repo / "pyproject.toml").write_text('[tool.resilint.ai]\nmin-confidence = "high"\n')
    assert rel101(git_repo)[AI_LINE]["severity"] == "warning"


def test_generated_by_that_merely_mentions_ai_is_medium(git_repo: Path) -> None:
    two_commits(git_repo, "Add client\n\nGenerated-by: in-house AI tool")
    (git_repo / "pyproject.toml").write_text('[tool.resilint.ai]\nmin-confidence = "high"\n')
    assert rel101(git_repo)[AI_LINE]["severity"] == "warning"
    (git_repo / "pyproject.toml").write_text('[tool.resilint.ai]\nmin-confidence = "medium"\n')
    assert rel101(git_repo)[AI_LINE]["severity"] == "error"


def test_squash_commit_keeps_its_trailers(git_repo: Path) -> None:
    """GitHub's squash merge gathers the branch's messages; trailers may sit mid-body."""
    commit(git_repo, {"svc.py": HUMAN}, "Add the human client")
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit(git_repo, {"svc.py": HUMAN + AI_PART}, f"Add agent client\n\n{CLAUDE}")
    commit(git_repo, {"notes.txt": "x\n"}, "Notes")
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--squash", "feature")
    message = f"Agent client (#12)\n\n* Add agent client\n\n{CLAUDE}\n\n* Notes"
    sha = git(git_repo, "commit", "-q", "-m", message) and git(git_repo, "rev-parse", "HEAD").strip()
    assert len(git(git_repo, "rev-list", "HEAD").split()) == 2  # really squashed
    found = rel101(git_repo)
    assert found[HUMAN_LINE]["severity"] == "warning"
    assert found[AI_LINE]["severity"] == "error" and sha[:7] in found[AI_LINE]["provenance"]["detail"]


def test_git_ai_notes_name_exact_lines(git_repo: Path) -> None:
    """A commit with no trailer, whose git-ai note says lines 8-9 were the agent's."""
    commit(git_repo, {"svc.py": HUMAN}, "Add the human client")
    sha = commit(git_repo, {"svc.py": HUMAN + AI_PART + "\n\ndef mine(url):\n    return requests.get(url)\n"}, "More clients")
    meta = {
        "schema_version": "authorship/3.0.0",
        "base_commit_sha": sha,
        "prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x", "model": "gpt-5"}}},
        "humans": {"h_0123456789abcd": {"author": "Dev Human"}},
    }
    note = f"svc.py\n  abcd1234abcd1234 8-9\n  h_0123456789abcd 12-13\n---\n{json.dumps(meta)}"
    git(git_repo, "notes", "--ref=ai", "add", "-m", note, sha)
    found = rel101(git_repo)
    assert {line: f["severity"] for line, f in found.items()} == {HUMAN_LINE: "warning", AI_LINE: "error", 13: "warning"}
    assert found[AI_LINE]["provenance"] == {"signal": "git-notes", "detail": f"git-ai note: cursor (gpt-5), lines 8-9 of svc.py ({sha[:7]})"}


def test_uncommitted_edits_are_not_ai_and_lines_still_map(git_repo: Path) -> None:
    two_commits(git_repo, f"Add agent client\n\n{CLAUDE}")
    text = (git_repo / "svc.py").read_text()
    edited = "import requests\nrequests.get('https://example.com')\n" + text.split("\n", 1)[1]
    (git_repo / "svc.py").write_text(edited)  # a new line 2, everything below shifts by one
    found = rel101(git_repo)
    assert {line: f["severity"] for line, f in found.items()} == {2: "warning", HUMAN_LINE + 1: "warning", AI_LINE + 1: "error"}


def test_shallow_clone_cut_off_lines_are_unknown(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    commit(git_repo, {"svc.py": HUMAN + AI_PART}, f"Agent one\n\n{CLAUDE}")
    third = AI_PART.replace("agent", "agent_two")
    commit(git_repo, {"svc.py": HUMAN + AI_PART + third}, f"Agent two\n\n{CLAUDE}")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{git_repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    found = rel101(clone)
    # The second commit is the cut-off point: its lines (and the human ones blamed
    # on it) are unknown, so not AI; the third commit is fully known.
    assert {line: f["severity"] for line, f in found.items()} == {HUMAN_LINE: "warning", AI_LINE: "warning", 13: "error"}


def test_without_git_or_outside_a_work_tree_lines_are_unknown(git_repo: Path, tmp_path: Path) -> None:
    two_commits(git_repo, f"Add agent client\n\n{CLAUDE}")
    no_git = rel101(git_repo, env={"PATH": str(tmp_path / "empty-bin")})
    assert {line: f["severity"] for line, f in no_git.items()} == {HUMAN_LINE: "warning", AI_LINE: "warning"}
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "svc.py").write_text(HUMAN + AI_PART)
    assert {f["severity"] for f in rel101(outside).values()} == {"warning"}


def test_git_provenance_can_be_switched_off(git_repo: Path) -> None:
    two_commits(git_repo, f"Add agent client\n\n{CLAUDE}")
    assert rel101(git_repo, "--no-git-provenance")[AI_LINE]["severity"] == "warning"
    (git_repo / "pyproject.toml").write_text("[tool.resilint.ai]\ngit = false\n")
    assert rel101(git_repo)[AI_LINE]["severity"] == "warning"


def test_configured_trailers_and_identities(git_repo: Path) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human\n\nX-Agent: acme-coder")
    (git_repo / "pyproject.toml").write_text('[tool.resilint.ai]\ntrailers = ["X-Agent"]\n')
    assert rel101(git_repo)[HUMAN_LINE]["provenance"]["detail"].startswith("X-Agent: acme-coder")
    commit(git_repo, {"svc.py": HUMAN + AI_PART}, "Bot", identity("Acme Bot", "42+acme-bot@users.noreply.github.com"))
    (git_repo / "pyproject.toml").write_text('[tool.resilint.ai]\nidentities = ["*+acme-bot@users.noreply.github.com"]\n')
    found = rel101(git_repo)
    assert found[HUMAN_LINE]["severity"] == "warning" and found[AI_LINE]["severity"] == "error"


def test_unjustified_suppression_on_a_git_ai_line(git_repo: Path) -> None:
    base = "import requests\n\n\ndef human(url):\n    return requests.get(url)  # noqa: REL101\n"
    commit(git_repo, {"svc.py": base}, "Human")
    commit(git_repo, {"svc.py": base + AI_PART.replace("(url)\n", "(url)  # noqa: REL101\n")}, f"Agent\n\n{CLAUDE}")
    run = run_resilint("check", "--format", "json", "--no-cache", "svc.py", cwd=git_repo)
    got = sorted((f["line"], f["code"], f["severity"]) for f in run.json()["findings"])
    assert got == [(AI_LINE, "REL101", "error"), (AI_LINE, "REL903", "error")]


# -- in-process: laziness and caching -------------------------------------------------


def _engine(root: Path) -> Engine:
    return Engine(dataclasses.replace(Config(root=root), today=None))


def test_blame_only_for_files_that_need_it_and_commits_classified_once(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(git_repo)
    clean = "import os\n\n\ndef f():\n    return os.getcwd()\n"
    commit(git_repo, {"svc.py": HUMAN + AI_PART, "other.py": HUMAN, "clean.py": clean}, f"Agent\n\n{CLAUDE}")
    engine = _engine(git_repo)
    before = dict(gitmod.stats)
    assert engine.check_file(git_repo / "clean.py").findings == ()
    assert gitmod.stats["blame"] == before["blame"]  # nothing to decide: no blame
    first = engine.check_file(git_repo / "svc.py").findings
    second = engine.check_file(git_repo / "other.py").findings
    assert gitmod.stats["blame"] == before["blame"] + 2  # one blame per file
    assert gitmod.stats["classified"] - before["classified"] <= 1  # the shared commit, once
    assert gitmod.stats["log"] - before["log"] <= 1
    assert {f.severity.label for f in (*first, *second)} == {"error"}


def test_whole_file_marker_spares_the_blame(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(git_repo)
    commit(git_repo, {"svc.py": "# resilint: ai-assisted\n" + HUMAN}, "Human")
    before = gitmod.stats["blame"]
    findings = _engine(git_repo).check_file(git_repo / "svc.py").findings
    assert [f.provenance.signal for f in findings if f.code == "REL101"] == ["marker"]
    assert gitmod.stats["blame"] == before


def test_line_provenance_per_line(git_repo: Path) -> None:
    sha = two_commits(git_repo, f"Add agent client\n\n{CLAUDE}")
    lines = gitmod.line_provenance(git_repo / "svc.py", (git_repo / "svc.py").read_text(), patterns_for(Config(root=git_repo)))
    assert sorted(lines) == [6, 7, 8, 9]  # the lines the agent's commit added
    assert {p.detail for p in lines.values()} == {f"{CLAUDE} ({sha[:7]})"}


def test_parse_ai_note_formats() -> None:
    note = 'a.py\n  p1 1-3,7\n  h_x 4-6\n"dir/with space.py"\n  s_1::t_2 10\n---\n{"prompts": {"p1": {"agent_id": {"tool": "claude", "model": "opus"}}}, "sessions": {"s_1": {"agent_id": {"tool": "codex"}}}}'
    parsed = gitmod.parse_ai_note(note)
    assert [(r.start, r.end, r.agent) for r in parsed["a.py"]] == [(1, 3, "claude (opus)"), (7, 7, "claude (opus)")]
    assert [(r.start, r.end, r.agent) for r in parsed["dir/with space.py"]] == [(10, 10, "codex")]
    assert gitmod.parse_ai_note("garbage\n---\n{not json") == {}


def test_history_without_agents_needs_no_blame(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(git_repo)
    two_commits(git_repo, "More\n\nCo-authored-by: Ana Pair <ana@example.com>")  # a human pair
    engine = _engine(git_repo)
    before = dict(gitmod.stats)
    findings = engine.check_file(git_repo / "svc.py").findings
    assert [f.severity.label for f in findings] == ["warning", "warning"]
    assert gitmod.stats["blame"] == before["blame"]  # one history scan said: no agent ever committed
    assert gitmod.stats["log"] == before["log"] + 1


def test_a_long_running_process_sees_new_commits_and_notes(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The language server keeps one process: caches must follow HEAD and the notes."""
    monkeypatch.chdir(git_repo)
    engine = _engine(git_repo)
    commit(git_repo, {"svc.py": HUMAN}, "Human")

    def severities() -> list[str]:
        return [f.severity.label for f in engine.check_file(git_repo / "svc.py").findings if f.code == "REL101"]

    assert severities() == ["warning"]
    sha = commit(git_repo, {"svc.py": HUMAN + AI_PART}, "Agent, unsigned")
    assert severities() == ["warning", "warning"]
    git(git_repo, "notes", "--ref=ai", "add", "-m", "svc.py\n  p1 9\n---\n{}", sha)
    assert severities() == ["warning", "error"]
    commit(git_repo, {"svc.py": HUMAN.replace("get(url)", "get(url, stream=True)") + AI_PART}, f"Agent again\n\n{CLAUDE}")
    assert severities() == ["error", "error"]


def test_long_histories_skip_the_scan_and_blame(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(git_repo)
    monkeypatch.setattr(gitmod, "HISTORY_LIMIT", 1)  # two commits count as a long history here
    two_commits(git_repo, f"Agent\n\n{CLAUDE}")
    before = dict(gitmod.stats)
    findings = _engine(git_repo).check_file(git_repo / "svc.py").findings
    assert [(f.line, f.severity.label) for f in findings if f.code == "REL101"] == [(HUMAN_LINE, "warning"), (AI_LINE, "error")]
    assert gitmod.stats["blame"] == before["blame"] + 1


def test_provenance_command_ranges_per_line(git_repo: Path) -> None:
    """`resilint provenance --lines`: human, trailer, note and uncommitted lines, exactly."""
    commit(git_repo, {"svc.py": HUMAN}, "Human")  # lines 1-5
    claude = commit(git_repo, {"svc.py": HUMAN + AI_PART}, f"Agent\n\n{CLAUDE}")  # lines 6-9
    extra = "\n\ndef mine(url):\n    return url\n"
    noted = commit(git_repo, {"svc.py": HUMAN + AI_PART + extra}, "Unsigned")  # lines 10-13
    git(git_repo, "notes", "--ref=ai", "add", "-m", "svc.py\n  p1 12-13\n---\n{}", noted)
    (git_repo / "svc.py").write_text(HUMAN + AI_PART + extra + "x = 1\n")  # line 14, uncommitted
    data = run_resilint("provenance", "--lines", "--format", "json", "svc.py", cwd=git_repo).json()
    [entry] = data["files"]
    got = [(r["start"], r["end"], r["signal"], r["detail"]) for r in entry["ranges"]]
    assert got == [
        (6, 9, "git-trailer", f"{CLAUDE} ({claude[:7]})"),
        (12, 13, "git-notes", f"git-ai note: an agent, lines 12-13 of svc.py ({noted[:7]})"),
    ]
    assert (entry["lines"], entry["ai_lines"], entry["signals"]) == (14, 6, {"git-notes": 2, "git-trailer": 4})


def test_notes_and_trailers_survive_a_rename_and_later_edits(git_repo: Path) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    noted = commit(git_repo, {"svc.py": HUMAN + AI_PART}, "Unsigned")
    git(git_repo, "notes", "--ref=ai", "add", "-m", "svc.py\n  p1 8-9\n---\n{}", noted)
    git(git_repo, "mv", "svc.py", "client.py")
    git(git_repo, "commit", "-q", "-m", "Rename")
    (git_repo / "client.py").write_text("import os\n" + (git_repo / "client.py").read_text())  # everything shifts by one
    git(git_repo, "commit", "-q", "-am", "Human edit on top")
    run = run_resilint("check", "--format", "json", "--no-cache", "client.py", cwd=git_repo)
    found = {f["line"]: f for f in run.json()["findings"] if f["code"] == "REL101"}
    assert {line: f["severity"] for line, f in found.items()} == {HUMAN_LINE + 1: "warning", AI_LINE + 1: "error"}
    assert found[AI_LINE + 1]["provenance"]["detail"] == f"git-ai note: an agent, lines 8-9 of svc.py ({noted[:7]})"


def test_a_work_tree_placed_by_git_dir_alone_still_has_provenance(tmp_path: Path) -> None:
    """Git is not asked for a folder with no ".git" above it, unless GIT_DIR places
    it in a repository: a separate git dir (no .git entry in the work tree) still
    gives the AI commit's lines."""
    work = tmp_path / "work"
    work.mkdir()
    separate = {"GIT_DIR": str(tmp_path / "repo.git"), "GIT_WORK_TREE": str(work)}
    git(work, "init", "-q", "-b", "main", env=separate)
    for text, message in ((HUMAN, "Add the human client"), (HUMAN + AI_PART, AI_COMMITS["cursor"][0])):
        (work / "svc.py").write_text(text)
        git(work, "add", "svc.py", env=separate)
        git(work, "commit", "-q", "-m", message, env=separate)
    assert not (work / ".git").exists()
    with_dir = rel101(work, env=separate)
    assert with_dir[5]["provenance"] is None and with_dir[9]["provenance"]["signal"].startswith("git-")
    without = rel101(work)  # the same folder without GIT_DIR: in no repository
    assert (without[5]["provenance"], without[9]["provenance"]) == (None, None)


def test_no_git_process_runs_for_a_folder_in_no_work_tree(tmp_path: Path) -> None:
    """A run outside any repository (no ".git" above, no GIT_DIR) starts no git
    process: every run asks which lines are AI-assisted, and git costs milliseconds."""
    import os
    import shutil

    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    spy = bin_dir / "git"  # records its arguments, then runs the real git
    spy.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{shutil.which("git")}" "$@"\n')
    spy.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "svc.py").write_text(HUMAN)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    found = rel101(work, env=env)
    assert list(found) == [5] and not calls.exists()
    git(work, "init", "-q", "-b", "main")  # the same folder as a work tree: git is asked
    rel101(work, env=env)
    assert "rev-parse" in calls.read_text()


def test_folders_outside_any_work_tree_do_not_ask_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ".git" above a folder and no GIT_DIR/GIT_WORK_TREE: in no work tree, known
    without running git (it was one ``git rev-parse`` per folder); with GIT_DIR set,
    git decides, and places the folder in that repository's work tree."""
    assert not any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents))
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    folders = [tmp_path / "plain" / name for name in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir(parents=True)
    asked = gitmod.stats["location"]
    assert [gitmod.find_repo(folder) for folder in folders] == [None, None, None]
    assert gitmod.stats["location"] == asked

    repo = tmp_path / "elsewhere"
    repo.mkdir()
    git(repo, "init", "-q")
    outside = tmp_path / "placed"
    outside.mkdir()
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(outside))
    found = gitmod.find_repo(outside)
    assert gitmod.stats["location"] == asked + 1
    assert found is not None and found.top == outside.resolve()


def test_the_last_source_lookup_answers_for_that_source_only(tmp_path: Path) -> None:
    """git.source_repo/resolved_file keep the last file's lookup (the provenance
    sources ask about one file in turn): another file, even with the same path and
    text, is looked up afresh."""
    from resilint.provenance.sources import SourceFile

    first, second = tmp_path / "one", tmp_path / "two"
    for repo in (first, second):
        repo.mkdir()
        git(repo, "init", "-q")
        (repo / "svc.py").write_text(HUMAN)
    config = Config(root=tmp_path)
    a = SourceFile("svc.py", first / "svc.py", "svc.py", HUMAN, config)
    b = SourceFile("svc.py", second / "svc.py", "svc.py", HUMAN, config)
    a_again = dataclasses.replace(a)
    for source, top in [(a, first), (b, second), (a, first), (a_again, first), (b, second)]:
        repo = gitmod.source_repo(source)
        assert repo is not None and repo.top == top.resolve()
        assert gitmod.resolved_file(source) == (top / "svc.py").resolve()
    outside = SourceFile("x.py", tmp_path / "x.py", "x.py", HUMAN, config)
    (tmp_path / "x.py").write_text(HUMAN)
    assert gitmod.source_repo(outside) is None
    assert gitmod.source_repo(a).top == first.resolve()
