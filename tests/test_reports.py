"""CI reports through the real CLI: SARIF (validated against the SARIF 2.1.0
schema), GitHub workflow commands, GitLab Code Quality."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import git, run_resilint

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

CLIENT = """\
import requests


def fetch(url):
    return requests.get(url)
"""

AI_CLIENT = """\
# resilint: ai-assisted
import requests

requests.post(url, json={})
requests.post(url, json={})
"""


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "pyproject.toml").write_text("[tool.resilint]\n")
    svc = git_repo / "svc"
    svc.mkdir()
    (svc / "client.py").write_text(CLIENT)
    (svc / "ai client.py").write_text(AI_CLIENT)
    (svc / "broken.py").write_text("def broken(:\n")
    return git_repo


def check(fmt: str, *paths: str, cwd: Path) -> str:
    run = run_resilint("check", "--no-cache", "--format", fmt, *paths, cwd=cwd)
    assert run.returncode in (0, 1), run.stderr
    return run.stdout


def test_sarif_is_valid_and_complete(repo: Path) -> None:
    # run from a sub-folder: URIs must still be relative to the repository root
    log = json.loads(check("sarif", ".", cwd=repo / "svc"))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    rel101 = rules["REL101"]
    assert rel101["name"] == "http-call-without-timeout"
    assert rel101["shortDescription"]["text"] == "HTTP call without a timeout"
    assert "wait forever by default" in rel101["fullDescription"]["text"]
    assert "timeout=(3.05, 27)" in rel101["help"]["text"] and "```python" in rel101["help"]["markdown"]
    assert rel101["defaultConfiguration"]["level"] == "warning"
    assert rel101["helpUri"] == "https://github.com/resilint/resilint/blob/main/docs/rules.md#rel101"
    results = run["results"]
    by_place = {
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r
        for r in results
    }
    assert sorted(by_place) == [("svc/ai%20client.py", 4), ("svc/ai%20client.py", 5), ("svc/broken.py", 1), ("svc/client.py", 5)]
    human = by_place[("svc/client.py", 5)]
    assert human["ruleId"] == "REL101" and human["level"] == "warning"
    assert rules[human["ruleId"]] is run["tool"]["driver"]["rules"][human["ruleIndex"]]
    assert human["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 29}
    assert human["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert human["properties"]["ai_assisted"] is False and "provenance" not in human["properties"]
    ai = by_place[("svc/ai%20client.py", 4)]
    assert ai["level"] == "error"
    assert ai["properties"]["provenance"] == {"signal": "marker", "detail": "# resilint: ai-assisted (line 1)", "confidence": "high"}
    assert "[AI-assisted: # resilint: ai-assisted (line 1)]" in ai["message"]["text"]
    # two identical lines: distinct fingerprints
    prints = [r["partialFingerprints"]["resilint/v1"] for r in results]
    assert len(set(prints)) == len(prints)
    assert by_place[("svc/broken.py", 1)]["ruleId"] == "REL001"


def test_fingerprints_survive_edits_above(repo: Path) -> None:
    def prints(fmt: str) -> dict[str, str]:
        out = json.loads(check(fmt, "svc/client.py", cwd=repo))
        if fmt == "sarif":
            return {r["ruleId"]: r["partialFingerprints"]["resilint/v1"] for r in out["runs"][0]["results"]}
        return {i["check_name"]: i["fingerprint"] for i in out}

    before = prints("sarif"), prints("gitlab")
    client = repo / "svc" / "client.py"
    client.write_text("# a new header comment\n\nimport os\n" + CLIENT)
    after = prints("sarif"), prints("gitlab")
    assert before == after
    client.write_text(CLIENT.replace("requests.get(url)", "requests.get(other_url)"))
    assert prints("sarif") != before[0]


def test_sarif_lists_rules_even_without_findings(repo: Path) -> None:
    (repo / "ok.py").write_text("x = 1\n")
    run = run_resilint("check", "--no-cache", "--format", "sarif", "ok.py", cwd=repo)
    assert run.returncode == 0
    log = run.json()
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []
    assert "REL101" in {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}


def test_sarif_names_files_that_could_not_be_checked(repo: Path) -> None:
    run = run_resilint("check", "--no-cache", "--format", "sarif", "missing.py", cwd=repo)
    assert run.returncode == 2
    log = run.json()
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"] == "no such file or directory"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing.py"


def test_github_workflow_commands(repo: Path) -> None:
    lines = check("github", ".", cwd=repo / "svc").splitlines()
    assert (
        "::warning file=svc/client.py,line=5,col=12,endLine=5,endColumn=29,title=REL101 http-call-without-timeout"
        "::requests.get() called without timeout=; requests waits forever by default (warning)"
    ) in lines
    ai = [line for line in lines if "ai client.py" in line]
    assert len(ai) == 2 and all(line.startswith("::error file=svc/ai client.py,line=") for line in ai)
    assert all("[AI-assisted%3A" not in line and "[AI-assisted: # resilint: ai-assisted (line 1)]" in line for line in ai)
    assert any(line.startswith("::error file=svc/broken.py,line=1,") for line in lines)


def test_github_escaping() -> None:
    import io

    from resilint.model import Finding, Report, Severity, Span
    from resilint.report.github import GithubReporter

    finding = Finding(
        code="REL101",
        name="http-call-without-timeout",
        category="timeouts",
        severity=Severity.NOTE,
        base_severity=Severity.NOTE,
        path="a,b:c.py",
        span=Span(1, 1, 2, 3),
        message="100% stuck\r\nsecond line ::error::injected",
    )
    out = io.StringIO()
    GithubReporter().render(Report(findings=(finding,)), out)
    assert out.getvalue() == (
        "::notice file=a%2Cb%3Ac.py,line=1,col=1,endLine=2,endColumn=3,title=REL101 http-call-without-timeout"
        "::100%25 stuck%0D%0Asecond line ::error::injected (note)\n"
    )


def test_gitlab_code_quality(repo: Path) -> None:
    issues = json.loads(check("gitlab", ".", cwd=repo / "svc"))
    by_path = sorted((i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"], i["severity"]) for i in issues)
    assert by_path == [
        ("svc/ai client.py", 4, "REL101", "major"),
        ("svc/ai client.py", 5, "REL101", "major"),
        ("svc/broken.py", 1, "REL001", "major"),
        ("svc/client.py", 5, "REL101", "minor"),
    ]
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    for issue in issues:
        assert issue["description"].startswith(issue["check_name"] + " ")
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}


def test_unknown_format_lists_the_new_ones(repo: Path) -> None:
    run = run_resilint("check", "--format", "xml", ".", cwd=repo)
    assert run.returncode == 2
    assert "github, gitlab, json, markdown, sarif, text" in run.stderr


def test_git_root_is_found_from_a_subfolder(repo: Path) -> None:
    from resilint.report._locate import repository_root

    git(repo, "status")
    assert repository_root(repo / "svc") == repo.resolve()
