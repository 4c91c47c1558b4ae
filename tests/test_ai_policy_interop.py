"""Provenance written by other tools, read from real files in real repositories:
Agent Trace records (``.agent-trace/traces.jsonl``, in the shape of the spec's
reference implementation) and ``AI-DECLARATION.md`` front matter."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run_resilint

HUMAN = "import requests\n\n\ndef human(url):\n    return requests.get(url)\n"  # REL101 on line 5
AI_PART = "\n\ndef agent(url):\n    return requests.get(url)\n"  # REL101 on line 9


def severities(
    repo: Path, *paths: str
) -> dict[tuple[str, int], tuple[str, str | None]]:
    run = run_resilint("check", "--format", "json", "--no-cache", *paths, cwd=repo)
    assert run.returncode in (0, 1), run.stderr
    return {
        (f["path"], f["line"]): (f["severity"], (f["provenance"] or {}).get("detail"))
        for f in run.json()["findings"]
        if f["code"] == "REL101"
    }


def trace_record(
    revision: str | None, path: str, start: int, end: int, kind: str = "ai"
) -> dict[str, object]:
    """What the reference hook (reference/trace-store.ts) appends after an edit."""
    record: dict[str, object] = {
        "version": "0.1.0",
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "timestamp": "2026-01-23T14:30:00Z",
        "tool": {"name": "claude-code"},
        "files": [
            {
                "path": path,
                "conversations": [
                    {
                        "url": "file:///home/dev/.claude/projects/x/transcript.jsonl",
                        "contributor": {
                            "type": kind,
                            "model_id": "anthropic/claude-opus-4-5-20251101",
                        },
                        "ranges": [{"start_line": start, "end_line": end}],
                    }
                ],
            }
        ],
    }
    if revision:
        record["vcs"] = {"type": "git", "revision": revision}
    return record


def write_traces(repo: Path, *records: dict[str, object], junk: bool = False) -> None:
    folder = repo / ".agent-trace"
    folder.mkdir(exist_ok=True)
    lines = [json.dumps(r) for r in records]
    if junk:
        lines.insert(0, "{not json")
    (folder / "traces.jsonl").write_text("\n".join(lines) + "\n")


def test_agent_trace_lines_before_and_after_the_commit(git_repo: Path) -> None:
    (git_repo / "svc.py").write_text(HUMAN)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "Human")
    head = git(git_repo, "rev-parse", "HEAD").strip()
    (git_repo / "svc.py").write_text(
        HUMAN + AI_PART
    )  # the agent's edit, recorded against HEAD
    write_traces(git_repo, trace_record(head, "svc.py", 6, 9), junk=True)
    detail = f"Agent Trace: claude-code anthropic/claude-opus-4-5-20251101, lines 6-9 of svc.py at {head[:7]} (record 550e8400)"
    expected = {("svc.py", 5): ("warning", None), ("svc.py", 9): ("error", detail)}
    assert severities(git_repo, "svc.py") == expected  # uncommitted
    git(
        git_repo, "commit", "-q", "-am", "More clients"
    )  # no trailer: only the record knows
    assert severities(git_repo, "svc.py") == expected
    # later lines added above shift the code; blame maps them back to the record
    (git_repo / "svc.py").write_text("import os\n" + HUMAN + AI_PART)
    git(git_repo, "commit", "-q", "-am", "Import os")
    assert severities(git_repo, "svc.py") == {
        ("svc.py", 6): ("warning", None),
        ("svc.py", 10): ("error", detail),
    }
    data = run_resilint(
        "provenance", "--lines", "--format", "json", "svc.py", cwd=git_repo
    ).json()
    [entry] = data["files"]
    assert [(r["start"], r["end"], r["signal"]) for r in entry["ranges"]] == [
        (7, 10, "agent-trace")
    ]


def test_agent_trace_human_and_unknown_contributors_mark_nothing(
    git_repo: Path,
) -> None:
    (git_repo / "svc.py").write_text(HUMAN + AI_PART)
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "All")
    head = git(git_repo, "rev-parse", "HEAD").strip()
    write_traces(
        git_repo,
        trace_record(head, "svc.py", 1, 9, "human"),
        trace_record(head, "svc.py", 1, 9, "unknown"),
    )
    assert {v[0] for v in severities(git_repo, "svc.py").values()} == {"warning"}
    # mixed (human-edited AI output) is medium: it counts unless min-confidence = "high"
    write_traces(git_repo, trace_record(head, "svc.py", 8, 9, "mixed"))
    assert severities(git_repo, "svc.py")[("svc.py", 9)][0] == "error"
    (git_repo / "pyproject.toml").write_text(
        '[tool.resilint.ai]\nmin-confidence = "high"\n'
    )
    assert severities(git_repo, "svc.py")[("svc.py", 9)][0] == "warning"


def test_agent_trace_without_git(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    (tmp_path / "svc.py").write_text(HUMAN + AI_PART)
    write_traces(tmp_path, trace_record(None, "svc.py", 8, 9))
    got = severities(tmp_path, "svc.py")
    assert got[("svc.py", 5)] == ("warning", None)
    assert got[("svc.py", 9)] == (
        "error",
        "Agent Trace: claude-code anthropic/claude-opus-4-5-20251101, lines 8-9 of svc.py (record 550e8400)",
    )


DECLARATION = """---
version: "0.1.1"
level: auto
components:
  src/helpers: auto
  "src/api/client.py": assist
---

This format is based on [AI-DECLARATION.md](https://ai-declaration.md/en/0.1.1).

## Notes

- The helpers directory was fully generated. All other code is human-written.
"""


def test_ai_declaration_components(git_repo: Path) -> None:
    for name in ("src/helpers/net.py", "src/api/client.py", "src/core.py"):
        (git_repo / name).parent.mkdir(parents=True, exist_ok=True)
        (git_repo / name).write_text(HUMAN)
    (git_repo / "AI-DECLARATION.md").write_text(DECLARATION)
    got = severities(git_repo, "src")
    assert got == {
        ("src/api/client.py", 5): (
            "error",
            "AI-DECLARATION.md: components src/api/client.py: assist",
        ),
        ("src/core.py", 5): (
            "warning",
            None,
        ),  # the project level is the maximum, not a default
        ("src/helpers/net.py", 5): (
            "error",
            "AI-DECLARATION.md: components src/helpers: auto",
        ),
    }
    (git_repo / "pyproject.toml").write_text(
        '[tool.resilint.ai]\ndeclaration-level = "copilot"\n'
    )
    assert {k: v[0] for k, v in severities(git_repo, "src").items()} == {
        ("src/api/client.py", 5): "warning",
        ("src/core.py", 5): "warning",
        ("src/helpers/net.py", 5): "error",
    }
    (git_repo / "pyproject.toml").write_text(
        '[tool.resilint.ai]\ndeclaration-level = "off"\n'
    )
    assert {v[0] for v in severities(git_repo, "src").values()} == {"warning"}
    data = run_resilint("provenance", "--format", "json", "src", cwd=git_repo).json()
    assert data["summary"]["ai_lines"] == 0


def test_ai_declaration_project_level_and_processes(git_repo: Path) -> None:
    (git_repo / "svc.py").write_text(HUMAN)
    (git_repo / "AI-DECLARATION.md").write_text(
        '---\nversion: "0.1.1"\nlevel: pair\n---\n\n## Notes\n\n- Pairing.\n'
    )
    assert severities(git_repo, "svc.py") == {
        ("svc.py", 5): ("error", "AI-DECLARATION.md: level: pair")
    }
    (git_repo / "AI-DECLARATION.md").write_text(
        '---\nversion: "0.1.1"\nlevel: hint\n---\n\n## Notes\n\n- Completion only.\n'
    )
    assert severities(git_repo, "svc.py") == {("svc.py", 5): ("warning", None)}
    (git_repo / "AI-DECLARATION.md").write_text(
        '---\nversion: "0.1.1"\nlevel: auto\nprocesses:\n  design: auto\n  testing: copilot\n---\n\n## Notes\n\n- Design and tests.\n'
    )
    assert severities(git_repo, "svc.py") == {
        ("svc.py", 5): ("warning", None)
    }  # implementation not listed: none
    (git_repo / "AI-DECLARATION.md").write_text(
        '---\nversion: "0.1.1"\nlevel: auto\nprocesses:\n  implementation: copilot  # most code\n---\n\n## Notes\n\n- x\n'
    )
    assert severities(git_repo, "svc.py") == {
        ("svc.py", 5): ("error", "AI-DECLARATION.md: processes implementation: copilot")
    }
    run = run_resilint("provenance", "--lines", "svc.py", cwd=git_repo)
    assert (
        "ai-declaration AI-DECLARATION.md: processes implementation: copilot"
        in " ".join(run.stdout.split())
    )
