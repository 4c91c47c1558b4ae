"""Adopting resilint on an existing code base, through the installed CLI: a
baseline, suppressions written for today's findings, the everyday options a
ruff user reaches for, and "did you mean" for every misspelling."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import run_resilint

OLD = textwrap.dedent(
    """\
    import requests


    def fetch(url):
        return requests.get(url)


    def push(url, data):
        return requests.post(url, json=data)
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "client.py").write_text(OLD)
    return tmp_path


def codes_and_lines(run) -> list[tuple[str, int]]:
    return [(f["code"], f["line"]) for f in run.json()["findings"]]


def test_a_baseline_reports_only_the_new_problem_after_unrelated_edits(project: Path) -> None:
    written = run_resilint("check", ".", "--write-baseline", "resilint-baseline.json", cwd=project)
    assert written.returncode == 0, written.stderr
    assert "wrote 2 findings to baseline resilint-baseline.json" in written.stdout
    data = json.loads((project / "resilint-baseline.json").read_text())
    assert data["version"] == 1 and [e["code"] for e in data["entries"]] == ["REL101", "REL101"]
    # Lines move (a docstring above), a comment is added, and one new call appears.
    client = project / "app" / "client.py"
    client.write_text('"""The client."""\n\n' + OLD.replace("return requests.get(url)", "return requests.get(url)  # hot path")
                      + "\n\ndef delete(url):\n    return requests.delete(url)\n")
    run = run_resilint("check", ".", "--baseline", "resilint-baseline.json", "--format", "json", cwd=project)
    assert codes_and_lines(run) == [("REL101", 15)]  # the new delete() call, nothing else
    text = run_resilint("check", ".", "--baseline", "resilint-baseline.json", cwd=project)
    assert "baseline resilint-baseline.json: 2 findings baselined" in text.stdout


def test_the_baseline_configured_in_pyproject_applies_and_stale_entries_are_counted_and_pruned(project: Path) -> None:
    assert run_resilint("check", ".", "--write-baseline", "base.json", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.resilint]\nbaseline = "base.json"\n')
    client = project / "app" / "client.py"
    client.write_text(OLD.replace("requests.post(url, json=data)", "requests.post(url, json=data, timeout=5)"))
    run = run_resilint("check", ".", cwd=project)
    assert run.returncode == 0 and "1 finding baselined, 1 entry stale (no longer match)" in run.stdout
    pruned = run_resilint("check", ".", "--prune-baseline", cwd=project)
    assert "pruned 1 stale entry" in pruned.stderr
    assert len(json.loads((project / "base.json").read_text())["entries"]) == 1
    again = run_resilint("check", ".", cwd=project)
    assert "1 finding baselined" in again.stdout and "stale" not in again.stdout


def test_flake8_honours_the_configured_baseline(project: Path) -> None:
    import subprocess
    import sys

    assert run_resilint("check", ".", "--write-baseline", "base.json", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.resilint]\nbaseline = "base.json"\n')
    client = project / "app" / "client.py"
    client.write_text(OLD + "\n\ndef delete(url):\n    return requests.delete(url)\n")
    run = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=REL", "app/client.py"], cwd=project, capture_output=True, text=True, check=False
    )
    assert [line.split(":")[1] for line in run.stdout.splitlines()] == ["13"], run.stdout + run.stderr


def test_add_noqa_writes_placeholders_that_silence_human_lines_once(project: Path) -> None:
    run = run_resilint("check", ".", "--add-noqa", cwd=project)
    assert run.returncode == 0 and "Added 2 noqa directives." in run.stdout
    text = (project / "app" / "client.py").read_text()
    assert text.count("# noqa: REL101 -- <reason>") == 2
    assert run_resilint("check", ".", cwd=project).stdout.startswith("No findings")
    again = run_resilint("check", ".", "--add-noqa", "polling endpoint", cwd=project)
    assert "Added 0 noqa directives." in again.stdout and (project / "app" / "client.py").read_text() == text


def test_add_noqa_keeps_a_latin_1_file_s_encoding_and_an_executable_s_mode(tmp_path: Path) -> None:
    # Decoded as the interpreter reads it (the cookie), encoded back the same way; the mode kept.
    script = tmp_path / "svc.py"
    script.write_bytes("# -*- coding: latin-1 -*-\nimport requests\n\nNAME = 'caf\u00e9'\nrequests.get(NAME)\n".encode("latin-1"))
    script.chmod(0o755)
    run = run_resilint("check", "svc.py", "--add-noqa", cwd=tmp_path)
    assert (run.returncode, run.stdout.strip()) == (0, "Added 1 noqa directive."), run.stderr
    assert script.read_bytes() == (
        "# -*- coding: latin-1 -*-\nimport requests\n\nNAME = 'caf\u00e9'\n"
        "requests.get(NAME)  # noqa: REL101 -- <reason>\n"
    ).encode("latin-1")
    assert script.stat().st_mode & 0o777 == 0o755


def test_a_placeholder_is_no_reason_on_an_ai_assisted_line(project: Path) -> None:
    assert run_resilint("check", ".", "--add-noqa", cwd=project).returncode == 0
    run = run_resilint("check", ".", "--ai-assisted", "--format", "json", cwd=project)
    assert sorted(codes_and_lines(run)) == [("REL101", 5), ("REL101", 9), ("REL903", 5), ("REL903", 9)]


def test_exit_zero_statistics_and_extend_select(project: Path) -> None:
    failing = run_resilint("check", ".", "--fail-on", "warning", cwd=project)
    assert failing.returncode == 1
    assert run_resilint("check", ".", "--fail-on", "warning", "--exit-zero", cwd=project).returncode == 0
    assert run_resilint("check", "missing.py", "--exit-zero", cwd=project).returncode == 2  # errors still exit 2
    stats = run_resilint("check", ".", "--statistics", cwd=project)
    count, code, marker, name = stats.stdout.splitlines()[0].split()
    assert (count, code, name) == ("2", "REL101", "http-call-without-timeout")
    assert marker == "[*]"  # REL101 has an autofix, as in ruff's --statistics
    (project / "pyproject.toml").write_text('[tool.resilint]\nselect = ["REL2"]\n')
    assert codes_and_lines(run_resilint("check", ".", "--format", "json", cwd=project)) == []
    extended = run_resilint("check", ".", "--extend-select", "REL101", "--format", "json", cwd=project)
    assert codes_and_lines(extended) == [("REL101", 5), ("REL101", 9)]


def test_full_format_shows_the_code_frame_and_the_fix(project: Path) -> None:
    run = run_resilint("check", ".", "--format", "full", cwd=project)
    lines = run.stdout.splitlines()
    assert lines[0].startswith("app/client.py:5:12: REL101 [warning] requests.get() called without timeout=")
    assert "5 |     return requests.get(url)" in lines
    assert "  |            ^^^^^^^^^^^^^^^^^" in lines
    assert any(line.startswith("help: Pass an explicit timeout") for line in lines)
    assert lines[-1] == "Found 2 findings (0 errors, 2 warnings, 0 notes) in 1 file."


def test_show_settings_and_show_files(project: Path) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_client.py").write_text(OLD)
    settings = run_resilint("check", "--show-settings", cwd=project)
    assert settings.returncode == 0
    assert "[built-in: test-code (overrides.toml)] paths tests/" in settings.stdout
    assert "ignore REL1, REL2, REL601" in settings.stdout
    files = run_resilint("check", "--show-files", ".", cwd=project)
    assert files.stdout.splitlines() == ["app/client.py", "tests/test_client.py"]


def test_test_code_is_quiet_on_production_rules_unless_a_user_override_selects_them(project: Path) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_client.py").write_text(OLD)
    (project / "conftest.py").write_text(OLD)
    run = run_resilint("check", ".", "--format", "json", cwd=project)
    assert sorted({f["path"] for f in run.json()["findings"]}) == ["app/client.py"]
    (project / "pyproject.toml").write_text('[tool.resilint]\n[[tool.resilint.overrides]]\npaths = ["tests/"]\nselect = ["REL101"]\n')
    run = run_resilint("check", ".", "--format", "json", cwd=project)
    assert sorted({f["path"] for f in run.json()["findings"]}) == ["app/client.py", "tests/test_client.py"]


@pytest.mark.parametrize(
    "args,config,expected",
    [
        (("--exit-zeros",), None, "unrecognized arguments: --exit-zeros; did you mean '--exit-zero'?"),
        (("--select", "REL1O1"), None, "--select: unknown rule code or prefix 'REL1O1'; did you mean 'REL101'?"),
        (("--ignore", "RELl01"), None, "--ignore: unknown rule code or prefix 'RELL01'; did you mean 'REL101'?"),
        (("--format", "jsno"), None, "--format: unknown format 'jsno'; did you mean 'json'?"),
        ((), "per-file-ignores = {}\n", "tool.resilint.per-file-ignores: unknown key; did you mean 'overrides'?"),
        ((), 'ignore = ["REL1O1"]\n', "ignore: unknown rule code or prefix 'REL1O1'; did you mean 'REL101'?"),
    ],
)
def test_did_you_mean(project: Path, args: tuple[str, ...], config: str | None, expected: str) -> None:
    if config is not None:
        (project / "pyproject.toml").write_text("[tool.resilint]\n" + config)
    run = run_resilint("check", ".", *args, cwd=project)
    assert run.returncode == 2
    assert expected in run.stderr, run.stderr
