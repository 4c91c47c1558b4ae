# ruff: noqa: F811 -- the pre-commit fixtures are imported from test_precommit and requested by name
"""The three pre-commit hook ids through the real ``pre-commit`` (a snapshot of this
checkout as the hook repository, ``rev:`` its commit), and the agent-harness
snippets of docs/integrations.md fed the input their agents document."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, git, resilint_executable
from test_precommit import _env, hook_repo, pre_commit, pre_commit_home  # noqa: F401 -- fixtures shared with the first hook's tests

HUMAN = "import requests\n\n\ndef human(url):\n    return requests.get(url)\n"
AI_PART = "\n\ndef agent(url):\n    return requests.post(url)\n"  # REL101 on line 9
CLAUDE = "Co-authored-by: Claude <noreply@anthropic.com>"


def configure(
    repo: Path,
    hooks: str,
    pyproject: str = '[tool.resilint]\nexclude = ["fixtures/"]\n',
    *,
    hook: tuple[Path, str],
) -> None:
    path, rev = hook
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path.as_uri()}\n    rev: {rev}\n    hooks:\n{hooks}"
    )
    (repo / "pyproject.toml").write_text(pyproject)
    git(repo, "add", ".pre-commit-config.yaml", "pyproject.toml")
    git(repo, "commit", "-q", "-m", "config")


def git_commit(
    repo: Path, home: Path, message: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", *extra, "-m", message],
        cwd=repo,
        env=_env(repo, home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_pre_commit(
    repo: Path, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=_env(repo, home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture
def msg_project(
    git_repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> Path:
    configure(git_repo, "      - id: resilint-commit-msg\n", hook=hook_repo)
    pre_commit(
        "install", "--hook-type", "commit-msg", cwd=git_repo, home=pre_commit_home
    )
    (git_repo / "svc.py").write_text(HUMAN)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "--no-verify", "-m", "Human")
    return git_repo


def test_commit_msg_hook_blocks_an_agent_commit_and_passes_the_same_human_one(
    msg_project: Path, pre_commit_home: Path
) -> None:
    (msg_project / "svc.py").write_text(HUMAN + AI_PART)
    git(msg_project, "add", "svc.py")
    blocked = git_commit(msg_project, pre_commit_home, f"Add agent client\n\n{CLAUDE}")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert (
        "resilint (staged change, with the commit message)" in out and "Failed" in out
    )
    assert (
        f"svc.py:9:12: REL101 [error] requests.post() called without timeout=; requests waits forever by default [AI-assisted: {CLAUDE} (the commit being made)]"
        in out
    )
    assert git(msg_project, "log", "--format=%s").splitlines() == ["Human", "config"]
    passed = git_commit(
        msg_project, pre_commit_home, "Add client"
    )  # the same change, a human's: a warning
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # and right after, `resilint check` agrees with the hook: human, a warning
    check = subprocess.run(
        [resilint_executable(), "check", "--no-cache", "svc.py"],
        cwd=msg_project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "svc.py:9:12: REL101 [warning]" in check.stdout


def test_commit_msg_hook_args_come_before_the_message_file(
    git_repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    configure(
        git_repo,
        "      - id: resilint-commit-msg\n        args: [--fail-on, warning]\n",
        hook=hook_repo,
    )
    pre_commit(
        "install", "--hook-type", "commit-msg", cwd=git_repo, home=pre_commit_home
    )
    (git_repo / "svc.py").write_text(HUMAN)
    git(git_repo, "add", "svc.py")
    failed = git_commit(git_repo, pre_commit_home, "Human, stricter")
    assert (
        failed.returncode != 0
        and "svc.py:5:12: REL101 [warning]" in failed.stdout + failed.stderr
    )


def test_noqa_appended_to_an_ai_line_still_needs_a_reason_at_commit_time(
    msg_project: Path, pre_commit_home: Path
) -> None:
    (msg_project / "svc.py").write_text(HUMAN + AI_PART)
    git(msg_project, "add", "svc.py")
    git(msg_project, "commit", "-q", "--no-verify", "-m", f"Agent\n\n{CLAUDE}")
    (msg_project / "svc.py").write_text(
        (HUMAN + AI_PART).replace("post(url)\n", "post(url)  # noqa: REL101\n")
    )
    git(msg_project, "add", "svc.py")
    blocked = git_commit(
        msg_project, pre_commit_home, "Silence the linter"
    )  # a human commit
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "svc.py:9:12: REL101 [error]" in out and "svc.py:9:32: REL903 [error]" in out
    (msg_project / "svc.py").write_text(
        (HUMAN + AI_PART).replace(
            "post(url)\n", "post(url)  # noqa: REL101 -- the caller sets a deadline\n"
        )
    )
    git(msg_project, "add", "svc.py")
    passed = git_commit(msg_project, pre_commit_home, "Explain the suppression")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_no_verify_skips_the_hook_and_ci_catches_it(
    msg_project: Path, pre_commit_home: Path
) -> None:
    (msg_project / "svc.py").write_text(HUMAN + AI_PART)
    git(msg_project, "add", "svc.py")
    skipped = git_commit(
        msg_project, pre_commit_home, f"Agent\n\n{CLAUDE}", "--no-verify"
    )
    assert skipped.returncode == 0
    ci = subprocess.run(
        [resilint_executable(), "check", "--no-cache", "--diff", "HEAD~1"],
        cwd=msg_project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ci.returncode == 1 and "svc.py:9:12: REL101 [error]" in ci.stdout


def test_all_files_full_hook_and_the_staged_hook(
    git_repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    configure(
        git_repo, "      - id: resilint\n      - id: resilint-full\n", hook=hook_repo
    )
    (git_repo / "svc.py").write_text("# resilint: ai-assisted\n" + HUMAN)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "AI file, before the hooks")
    run = run_pre_commit(git_repo, pre_commit_home, "run", "--all-files")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert re.search(r"resilint \(staged lines\)\.+Passed", out)  # nothing is staged
    assert (
        re.search(r"resilint \(whole files\)\.+Failed", out)
        and "svc.py:6:12: REL101 [error]" in out
    )
    # adopting with a baseline: the full hook honours it
    subprocess.run(
        [
            resilint_executable(),
            "check",
            "--write-baseline",
            "resilint-baseline.json",
            ".",
        ],
        cwd=git_repo,
        check=True,
        capture_output=True,
    )
    (git_repo / "pyproject.toml").write_text(
        '[tool.resilint]\nexclude = ["fixtures/"]\nbaseline = "resilint-baseline.json"\n'
    )
    git(git_repo, "add", "pyproject.toml", "resilint-baseline.json")
    git(git_repo, "commit", "-q", "--no-verify", "-m", "baseline")
    run = run_pre_commit(git_repo, pre_commit_home, "run", "--all-files")
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"resilint \(whole files\)\.+Passed", run.stdout)


def test_from_ref_to_ref_checks_the_range(
    git_repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    configure(
        git_repo,
        "      - id: resilint\n        args: [--fail-on, warning]\n",
        hook=hook_repo,
    )
    (git_repo / "old.py").write_text(HUMAN)  # a warning outside the range
    git(git_repo, "add", "old.py")
    git(git_repo, "commit", "-q", "--no-verify", "-m", "Old")
    first = git(git_repo, "rev-parse", "HEAD").strip()
    (git_repo / "svc.py").write_text("import os\n")
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "--no-verify", "-m", "Clean")
    clean = git(git_repo, "rev-parse", "HEAD").strip()
    run = run_pre_commit(
        git_repo, pre_commit_home, "run", "--from-ref", first, "--to-ref", clean
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (git_repo / "svc.py").write_text("import os\n" + HUMAN)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "--no-verify", "-m", "Bad")
    bad = git(git_repo, "rev-parse", "HEAD").strip()
    run = run_pre_commit(
        git_repo,
        pre_commit_home,
        "run",
        "--verbose",
        "--from-ref",
        first,
        "--to-ref",
        bad,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "svc.py:6:12: REL101 [warning]" in out and "old.py" not in out
    assert (
        f"checked 6 changed lines in 1 file against {first} ({first[:7]}) to {bad} ({bad[:7]})"
        in out
    )


# -- agent harnesses ---------------------------------------------------------------------------


def _snippet(language: str, marker: str) -> str:
    """A fenced block of docs/integrations.md, found by a line it contains."""
    text = (REPO / "docs" / "integrations.md").read_text()
    for block in re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL):
        if marker in block:
            return block
    raise AssertionError(f"no {language} block with {marker!r} in docs/integrations.md")


def _path_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("RESILINT_", "GIT_"))
    }
    env["PATH"] = (
        f"{Path(resilint_executable()).parent}{os.pathsep}{env.get('PATH', '')}"
    )
    env["NO_COLOR"] = "1"
    return env


def test_claude_code_post_tool_use_hook(tmp_path: Path) -> None:
    settings = json.loads(_snippet("json", "PostToolUse"))
    [entry] = settings["hooks"]["PostToolUse"]
    assert entry["matcher"] == "Edit|MultiEdit|Write"
    [hook] = entry["hooks"]
    assert hook["type"] == "command"
    project = tmp_path / "project"
    project.mkdir()
    (project / "svc.py").write_text(HUMAN)
    (project / "notes.md").write_text("# notes\n")

    def run(
        tool: str, file: Path, tool_input: dict[str, object]
    ) -> subprocess.CompletedProcess[str]:
        payload = {  # the PostToolUse input Claude Code documents (hooks reference)
            "session_id": "abc123",
            "transcript_path": str(tmp_path / "transcript.jsonl"),
            "cwd": str(project),
            "permission_mode": "default",
            "hook_event_name": "PostToolUse",
            "tool_name": tool,
            "tool_input": {"file_path": str(file), **tool_input},
            "tool_response": {"filePath": str(file), "success": True},
        }
        env = {**_path_env(tmp_path), "CLAUDE_PROJECT_DIR": str(project)}
        return subprocess.run(
            ["bash", "-c", hook["command"]],
            cwd=project,
            input=json.dumps(payload),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    edited = run("Edit", project / "svc.py", {"old_string": "x", "new_string": "y"})
    assert edited.returncode == 2  # PostToolUse: exit 2 shows stderr to Claude
    assert (
        "svc.py:5:12: REL101 [error]" in edited.stderr
        and "[AI-assisted: --ai-assisted]" in edited.stderr
    )
    (project / "svc.py").write_text(HUMAN.replace("get(url)", "get(url, timeout=10)"))
    assert run("Write", project / "svc.py", {"content": "..."}).returncode == 0
    assert (
        run("Write", project / "notes.md", {"content": "# notes"}).returncode == 0
    )  # not Python: not checked


def test_aider_lint_cmd(tmp_path: Path) -> None:
    command = (
        _snippet("bash", "aider --lint-cmd")
        .split("--lint-cmd", 1)[1]
        .strip()
        .split("\n", 1)[0]
    )
    command = command.strip().strip("'\"")
    language, _, lint = command.partition(": ")
    assert language == "python"
    project = tmp_path / "project"
    project.mkdir()
    (project / "svc.py").write_text(HUMAN)
    # aider runs the command in the repository root with the file's relative path appended, via the shell
    import shlex

    run = subprocess.run(
        lint + " " + shlex.quote("svc.py"),
        shell=True,
        cwd=project,
        env=_path_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1  # non-zero: aider hands the output to the model
    assert "svc.py:5:12: REL101 [error]" in run.stdout
    (project / "svc.py").write_text(HUMAN.replace("get(url)", "get(url, timeout=10)"))
    run = subprocess.run(
        lint + " svc.py",
        shell=True,
        cwd=project,
        env=_path_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout
