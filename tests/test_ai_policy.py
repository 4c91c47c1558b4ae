"""The AI policy where code is committed, edited and merged (issue 20), with real
git: the commit being made (``--commit-msg-file``), ranges (``PRE_COMMIT_FROM_REF``),
provenance that follows the code past comment/whitespace edits, incomplete
history said out loud (text, JSON, SARIF, ``resilint provenance``), squash and
rebase merges, and the markdown review summary."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, git, run_resilint

HUMAN = "import requests\n\n\ndef human(url):\n    return requests.get(url)\n"  # REL101 on line 5
AI_PART = "\n\ndef agent(url):\n    return requests.get(url)\n"  # REL101 on line 9
CLAUDE = "Co-authored-by: Claude <noreply@anthropic.com>"
HUMAN_LINE, AI_LINE = 5, 9


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def findings(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> list[tuple[int, str, str]]:
    run = run_resilint(
        "check", "--format", "json", "--no-cache", *args, cwd=repo, env=env
    )
    assert run.returncode in (0, 1), run.stdout + run.stderr
    return sorted((f["line"], f["code"], f["severity"]) for f in run.json()["findings"])


def details(repo: Path, *args: str) -> dict[tuple[int, str], str | None]:
    run = run_resilint("check", "--format", "json", "--no-cache", *args, cwd=repo)
    return {
        (f["line"], f["code"]): (f["provenance"] or {}).get("detail")
        for f in run.json()["findings"]
    }


# -- the commit being made ------------------------------------------------------------


def test_commit_message_naming_an_agent_makes_the_staged_lines_ai(
    git_repo: Path, tmp_path: Path
) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    (git_repo / "svc.py").write_text(HUMAN + AI_PART)
    git(git_repo, "add", "svc.py")
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text(f"Add agent client\n\n{CLAUDE}\n")
    got = findings(git_repo, "--staged", "--commit-msg-file", str(message))
    # only the line the commit adds is the agent's; the human line is not in the change
    assert got == [(AI_LINE, "REL101", "error")]
    assert (
        details(git_repo, "--staged", "--commit-msg-file", str(message))[
            (AI_LINE, "REL101")
        ]
        == f"{CLAUDE} (the commit being made)"
    )
    message.write_text("Add client\n\nSigned-off-by: Dev Human <dev@example.com>\n")
    assert findings(git_repo, "--staged", "--commit-msg-file", str(message)) == [
        (AI_LINE, "REL101", "warning")
    ]


def test_commit_message_comments_and_verbose_diff_are_not_the_message(
    git_repo: Path, tmp_path: Path
) -> None:
    """`git commit -v` puts the diff below a scissors line: a trailer quoted in the
    diff (or in a comment) is not the commit's."""
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    (git_repo / "svc.py").write_text(HUMAN + AI_PART)
    git(git_repo, "add", "svc.py")
    message = tmp_path / "COMMIT_EDITMSG"
    scissors = "# ------------------------ >8 ------------------------"
    message.write_text(
        f"Add client\n# {CLAUDE}\n{scissors}\n# Do not modify or remove the line above.\ndiff --git a/x b/x\n+{CLAUDE}\n"
    )
    assert findings(git_repo, "--staged", "--commit-msg-file", str(message)) == [
        (AI_LINE, "REL101", "warning")
    ]


def test_commit_msg_file_needs_staged_and_a_file(
    git_repo: Path, tmp_path: Path
) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    run = run_resilint("check", "--commit-msg-file", str(tmp_path / "m"), cwd=git_repo)
    assert run.returncode == 2 and "--commit-msg-file needs --staged" in run.stderr
    run = run_resilint(
        "check",
        "--staged",
        "--commit-msg-file",
        str(tmp_path / "missing"),
        cwd=git_repo,
    )
    assert run.returncode == 2 and "cannot read" in run.stderr


def test_the_last_path_is_the_message_when_no_file_is_given(
    git_repo: Path, tmp_path: Path
) -> None:
    """pre-commit appends the message file after the hook's args."""
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    (git_repo / "svc.py").write_text(HUMAN + AI_PART)
    git(git_repo, "add", "svc.py")
    message = tmp_path / "MSG"
    message.write_text(f"x\n\n{CLAUDE}\n")
    run = run_resilint(
        "check",
        "--staged",
        "--commit-msg-file",
        "--fail-on",
        "warning",
        "--no-cache",
        str(message),
        cwd=git_repo,
    )
    assert run.returncode == 1
    assert (
        f"svc.py:{AI_LINE}:12: REL101 [error]" in run.stdout
        and "checked 4 staged lines in 1 file" in run.stdout
    )


# -- ranges (pre-commit --from-ref/--to-ref, pre-push) -----------------------------------


def test_pre_commit_range_is_checked_as_a_diff(git_repo: Path) -> None:
    first = commit(git_repo, {"svc.py": HUMAN}, "Human")
    last = commit(git_repo, {"svc.py": HUMAN + AI_PART}, f"Agent\n\n{CLAUDE}")
    (git_repo / "svc.py").write_text(
        HUMAN + AI_PART + "\n\ndef wip(url):\n    return requests.get(url)\n"
    )  # not in the range
    env = {"PRE_COMMIT_FROM_REF": first, "PRE_COMMIT_TO_REF": last}
    run = run_resilint(
        "check", "--staged", "--no-cache", "svc.py", cwd=git_repo, env=env
    )
    assert run.returncode == 1
    assert (
        f"svc.py:{AI_LINE}:12: REL101 [error]" in run.stdout
        and ":13:" not in run.stdout
        and f":{HUMAN_LINE}:" not in run.stdout
    )
    assert (
        f"checked 4 changed lines in 1 file against {first} ({first[:7]}) to {last} ({last[:7]})"
        in run.stdout
    )


# -- provenance follows the code -----------------------------------------------------------


def _ai_commit_then(git_repo: Path) -> str:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    return commit(git_repo, {"svc.py": HUMAN + AI_PART}, f"Agent\n\n{CLAUDE}")


def test_appending_noqa_does_not_launder_uncommitted_or_committed(
    git_repo: Path,
) -> None:
    sha = _ai_commit_then(git_repo)
    suppressed = (HUMAN + AI_PART).replace("get(url)\n", "get(url)  # noqa: REL101\n")
    (git_repo / "svc.py").write_text(suppressed)
    expected = [
        (AI_LINE, "REL101", "error"),
        (AI_LINE, "REL903", "error"),
    ]  # the human line's noqa is honoured
    assert findings(git_repo, "svc.py") == expected
    assert details(git_repo, "svc.py")[(AI_LINE, "REL101")] == (
        f"{CLAUDE} ({sha[:7]}); code unchanged by later comment/whitespace edits (uncommitted)"
    )
    later = commit(
        git_repo, {"svc.py": suppressed}, "Silence the linter"
    )  # a human commit
    assert findings(git_repo, "svc.py") == expected
    assert (
        details(git_repo, "svc.py")[(AI_LINE, "REL101")]
        == f"{CLAUDE} ({sha[:7]}); code unchanged by later comment/whitespace edits ({later[:7]})"
    )
    # the placeholder the editor writes is no reason either, committed on top
    placeholder = suppressed.replace("# noqa: REL101\n", "# noqa: REL101 -- <reason>\n")
    commit(git_repo, {"svc.py": placeholder}, "Placeholder")
    assert findings(git_repo, "svc.py") == expected
    # a real reason is honoured
    (git_repo / "svc.py").write_text(
        placeholder.replace("<reason>", "bounded by the caller's deadline")
    )
    assert findings(git_repo, "svc.py") == []


def test_reindenting_keeps_provenance_but_a_code_change_does_not(
    git_repo: Path,
) -> None:
    _ai_commit_then(git_repo)
    wrapped = (
        HUMAN + "\n\ndef agent(url):\n    if url:\n        return requests.get(url)\n"
    )
    commit(git_repo, {"svc.py": wrapped}, "Guard")
    assert findings(git_repo, "svc.py") == [
        (HUMAN_LINE, "REL101", "warning"),
        (10, "REL101", "error"),
    ]
    changed = wrapped.replace("requests.get(url)\n", "requests.get(url, stream=True)\n")
    commit(git_repo, {"svc.py": changed}, "Stream")
    assert findings(git_repo, "svc.py") == [
        (HUMAN_LINE, "REL101", "warning"),
        (10, "REL101", "warning"),
    ]


def test_a_comment_added_by_an_agent_does_not_make_human_code_ai(
    git_repo: Path,
) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    commit(
        git_repo,
        {"svc.py": HUMAN.replace("get(url)\n", "get(url)  # the caller retries\n")},
        f"Comments\n\n{CLAUDE}",
    )
    assert findings(git_repo, "svc.py") == [(HUMAN_LINE, "REL101", "warning")]


def test_looking_past_is_bounded(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resilint.config.settings import Config
    from resilint.provenance import git as gitmod
    from resilint.provenance.agents import patterns_for

    _ai_commit_then(git_repo)
    for n in range(
        gitmod.MAX_HOPS + 1
    ):  # line 9's comment, reworded in MAX_HOPS + 1 commits
        text = HUMAN + AI_PART.replace("get(url)\n", f"get(url)  # edit {n}\n")
        commit(git_repo, {"svc.py": text}, f"Comment {n}")
    patterns = patterns_for(Config(root=git_repo))
    assert (
        gitmod.line_provenance(git_repo / "svc.py", text, patterns).get(AI_LINE) is None
    )  # MAX_HOPS + 1 edits: given up
    monkeypatch.setattr(gitmod, "MAX_HOPS", gitmod.MAX_HOPS + 1)
    gitmod._answers.clear()
    assert (
        gitmod.line_provenance(git_repo / "svc.py", text, patterns)[AI_LINE].signal
        == "git-trailer"
    )


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (
            "    return requests.get(url)  # noqa: REL101 -- x",
            "returnrequests.get(url)",
        ),
        ("x = '#not a comment'  # a comment", "x='#notacomment'"),
        ('s = """#"""  # c', 's="""#"""'),
        ('f("a\\"#")#z', 'f("a\\"#")'),
        ("# only a comment", ""),
        ("", ""),
    ],
)
def test_code_of(line: str, code: str) -> None:
    from resilint.provenance.git import code_of

    assert code_of(line) == code


# -- incomplete history ----------------------------------------------------------------------


def test_depth_one_clone_warns_everywhere_with_the_fix(
    git_repo: Path, tmp_path: Path
) -> None:
    _ai_commit_then(git_repo)
    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{git_repo}", str(clone))
    head = git(clone, "rev-parse", "HEAD").strip()
    text = run_resilint("check", "--no-cache", "svc.py", cwd=clone)
    assert text.returncode == 0  # the warnings never change the exit status
    [line] = [x for x in text.stdout.splitlines() if x.startswith("warning: ")]
    assert f"a shallow clone, cut off at {head[:7]}" in line
    assert (
        "`fetch-depth: 0`" in line
        and "`git fetch --unshallow`" in line
        and "--ai-assisted" in line
    )
    assert text.stdout.splitlines()[-1].startswith("Found 2 findings")
    data = run_resilint(
        "check", "--no-cache", "--format", "json", "svc.py", cwd=clone
    ).json()
    assert data["warnings"] == [line.removeprefix("warning: ")] and data["errors"] == []
    sarif = run_resilint(
        "check", "--no-cache", "--format", "sarif", "svc.py", cwd=clone
    ).json()
    jsonschema.validate(
        sarif,
        json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()),
    )
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [
        {"level": "warning", "message": {"text": data["warnings"][0]}}
    ]
    provenance = run_resilint(
        "provenance", "--format", "json", "svc.py", cwd=clone
    ).json()
    assert provenance["warnings"] == data["warnings"]
    assert (
        "warning: git history is incomplete"
        in run_resilint("provenance", "svc.py", cwd=clone).stdout
    )
    # declared from the pipeline: the policy holds, and the warning is moot
    declared = run_resilint(
        "check", "--no-cache", "--format", "json", "--ai-assisted", "svc.py", cwd=clone
    ).json()
    assert declared["warnings"] == [] and {
        f["severity"] for f in declared["findings"]
    } == {"error"}
    # a full clone: no warning
    assert (
        run_resilint(
            "check", "--no-cache", "--format", "json", "svc.py", cwd=git_repo
        ).json()["warnings"]
        == []
    )


def test_grafts_are_said(git_repo: Path) -> None:
    _ai_commit_then(git_repo)
    grafts = git_repo / ".git" / "info" / "grafts"
    grafts.parent.mkdir(exist_ok=True)
    grafts.write_text(git(git_repo, "rev-parse", "HEAD").strip() + "\n")
    data = run_resilint(
        "check", "--no-cache", "--format", "json", "svc.py", cwd=git_repo
    ).json()
    assert len(data["warnings"]) == 1 and "(grafts)" in data["warnings"][0]


# -- squash and rebase ------------------------------------------------------------------------


def _feature_branch(git_repo: Path) -> None:
    commit(git_repo, {"svc.py": HUMAN}, "Human")
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit(
        git_repo,
        {"svc.py": HUMAN + AI_PART},
        "Add agent client\n\nAssisted-by: Claude Code",
    )
    commit(git_repo, {"notes.txt": "x\n"}, "Notes")
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"other.txt": "y\n"}, "Meanwhile on main")


def test_squash_with_the_marker_in_the_body_keeps_it(git_repo: Path) -> None:
    """GitHub's squash lists the branch's messages in the body: `Assisted-by:` is no
    longer in git's trailer block, and still counts."""
    _feature_branch(git_repo)
    git(git_repo, "merge", "-q", "--squash", "feature")
    message = "Agent client (#12)\n\n* Add agent client\n\nAssisted-by: Claude Code\n\n* Notes\n\nCo-authored-by: Ana <ana@example.com>"
    git(git_repo, "commit", "-q", "-m", message)
    trailers = git(
        git_repo, "log", "-1", "--format=%(trailers:key=Assisted-by)"
    ).strip()
    assert trailers == ""  # not a git trailer any more
    sha = git(git_repo, "rev-parse", "HEAD").strip()
    assert details(git_repo, "svc.py") == {
        (HUMAN_LINE, "REL101"): None,
        (AI_LINE, "REL101"): f"Assisted-by: Claude Code ({sha[:7]})",
    }


def test_squash_that_drops_the_markers_is_human(git_repo: Path) -> None:
    """GitLab's default squash message is the MR title: the markers are gone."""
    _feature_branch(git_repo)
    git(git_repo, "merge", "-q", "--squash", "feature")
    git(git_repo, "commit", "-q", "-m", 'Resolve "Agent client"')
    assert findings(git_repo, "svc.py") == [
        (HUMAN_LINE, "REL101", "warning"),
        (AI_LINE, "REL101", "warning"),
    ]


def test_rebase_keeps_the_agent_commits_markers(git_repo: Path) -> None:
    _feature_branch(git_repo)
    git(git_repo, "checkout", "-q", "feature")
    git(git_repo, "rebase", "-q", "main")
    rebased = git(git_repo, "log", "-1", "--format=%H", "--", "svc.py").strip()
    assert details(git_repo, "svc.py") == {
        (HUMAN_LINE, "REL101"): None,
        (AI_LINE, "REL101"): f"Assisted-by: Claude Code ({rebased[:7]})",
    }


# -- the review summary ------------------------------------------------------------------------


def test_markdown_summary_of_a_mixed_change(git_repo: Path) -> None:
    (git_repo / "pyproject.toml").write_text(
        '[tool.resilint]\n\n[[tool.resilint.tiers]]\nname = "payments"\npaths = ["payments/**"]\nescalate = 1\n'
    )
    base = commit(
        git_repo,
        {
            "pyproject.toml": (git_repo / "pyproject.toml").read_text(),
            "payments/pay.py": HUMAN,
            "web.py": HUMAN,
        },
        "Base",
    )
    commit(
        git_repo,
        {
            "payments/pay.py": HUMAN
            + AI_PART.replace("get(url)\n", "get(url)  # noqa: REL101 -- <reason>\n")
        },
        f"Agent\n\n{CLAUDE}",
    )
    commit(
        git_repo,
        {"web.py": HUMAN + "\n\ndef more(url):\n    return requests.get(url)\n"},
        "Human",
    )
    run = run_resilint(
        "check", "--no-cache", "--diff", base, "--format", "markdown", cwd=git_repo
    )
    assert run.returncode == 1, run.stderr
    out = run.stdout
    assert "**4 of 8 changed lines AI-assisted (50%)** in 2 files." in out
    assert "Critical tiers touched: `payments`." in out
    assert "| `payments/pay.py` | 4 | 4 | 100% | `payments` |" in out
    assert "| `web.py` | 4 | 0 | 0% |  |" in out
    assert (
        "- `payments/pay.py` (tier `payments`): lines 6-9 — Co-authored-by: Claude <noreply@anthropic.com> ("
        in out
    )
    assert (
        "| `payments/pay.py:9` | `# noqa: REL101 -- <reason>` | **none** (not honoured: REL903) |"
        in out
    )
    assert (
        "| error | 3 | 0 |" in out
    )  # REL101, REL903 and REL306 (an AI change in a critical tier)
    assert "| warning | 0 | 1 |" in out


def test_editor_buffer_with_the_suppress_placeholder_keeps_the_finding(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the language server's checker runs on an unsaved buffer: the Suppress
    action's ``<reason>`` placeholder on an AI line leaves REL101 and adds REL903."""
    from resilint.lsp.worker import check

    monkeypatch.delenv("RESILINT_AI_ASSISTED", raising=False)
    _ai_commit_then(git_repo)
    buffer = (HUMAN + AI_PART).replace(
        "get(url)\n", "get(url)  # noqa: REL101 -- <reason>\n"
    )
    outcome = check((buffer, str(git_repo / "svc.py"), 1))
    assert outcome.crash is None and outcome.config_error is None
    got = sorted((f.line, f.code, f.severity.label) for f, _link in outcome.findings)
    assert got == [(AI_LINE, "REL101", "error"), (AI_LINE, "REL903", "error")]
    written = buffer.replace("<reason>", "the caller sets a deadline")
    assert [
        f.code for f, _link in check((written, str(git_repo / "svc.py"), 1)).findings
    ] == []
