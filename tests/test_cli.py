"""The installed `resilint` console script, end to end: exit codes, formats,
stdin, selection, discovery. Every exit status of the contract is exercised."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run_resilint

BAD = "import requests\n\nrequests.get('https://example.com')\n"
GOOD = "import requests\n\nrequests.get('https://example.com', timeout=5)\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_exit_0_when_clean(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", GOOD)
    run = run_resilint("check", ".", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "No findings in 1 file."


def test_text_output_format_and_fail_on(tmp_path: Path) -> None:
    write(tmp_path, "svc/client.py", BAD)
    run = run_resilint("check", cwd=tmp_path)
    assert run.returncode == 0  # a warning is below the default --fail-on error
    assert run.stdout.splitlines()[0] == (
        "svc/client.py:3:1: REL101 [warning] requests.get() called without timeout=; "
        "requests waits forever by default (http-call-without-timeout) [unsafe fix]"
    )
    assert run.stdout.splitlines()[-1] == "Found 1 finding (0 errors, 1 warning, 0 notes) in 1 file."
    assert run_resilint("check", "--fail-on", "warning", cwd=tmp_path).returncode == 1
    assert run_resilint("check", "--fail-on", "note", cwd=tmp_path).returncode == 1


def test_exit_1_on_error_findings(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "def f(:\n")
    run = run_resilint("check", "broken.py", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stdout.startswith("broken.py:1:7: REL001 [error] cannot parse: ")


def test_json_contract(tmp_path: Path) -> None:
    write(tmp_path, "svc/client.py", "import requests as rq\n\ndef f(u):\n    return rq.get(u)\n")
    run = run_resilint("check", "--format", "json", cwd=tmp_path)
    report = run.json()
    assert set(report) == {"tool", "findings", "errors", "warnings", "summary"}
    assert report["tool"]["name"] == "resilint"
    (finding,) = report["findings"]
    assert finding == {
        "code": "REL101",
        "name": "http-call-without-timeout",
        "category": "timeouts",
        "severity": "warning",
        "base_severity": "warning",
        "path": "svc/client.py",
        "line": 4,
        "column": 12,
        "end_line": 4,
        "end_column": 21,
        "message": "rq.get() called without timeout=; requests waits forever by default",
        "ai_assisted": False,
        "provenance": None,
        "fixable": True,
        "fix_safety": "unsafe",
        "fix": "add timeout=(3.05, 27) (built-in default; choose it in [tool.resilint.fix.timeouts])",
    }
    assert report["summary"] == {"files": 1, "findings": 1, "by_severity": {"error": 0, "warning": 1, "note": 0}}


def test_ai_assisted_flag_raises_severity_and_carries_evidence(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BAD)
    report = run_resilint("check", "--format", "json", "--ai-assisted", cwd=tmp_path).json()
    (finding,) = report["findings"]
    assert (finding["severity"], finding["base_severity"], finding["ai_assisted"]) == ("error", "warning", True)
    assert finding["provenance"] == {"signal": "flag", "detail": "--ai-assisted"}
    run = run_resilint("check", "--ai-path", "a.py", cwd=tmp_path)
    assert run.returncode == 1 and "[AI-assisted: --ai-path a.py]" in run.stdout


def test_output_file(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BAD)
    run = run_resilint("check", "--format", "json", "--output", "out/report.json", cwd=tmp_path)
    assert run.stdout == ""
    assert run.returncode == 2  # the folder does not exist: an environment error naming the cause
    assert "--output" in run.stderr
    run = run_resilint("check", "--format", "json", "--output", "report.json", cwd=tmp_path)
    assert run.returncode == 0 and run.stdout == ""
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["findings"] == 1


def test_stdin_with_and_without_filename(tmp_path: Path) -> None:
    run = run_resilint("check", "-", stdin=BAD, cwd=tmp_path)
    assert run.stdout.startswith("-:3:1: REL101 ")
    run = run_resilint("check", "-", "--stdin-filename", "svc/x.py", "--format", "json", stdin=BAD, cwd=tmp_path)
    assert run.json()["findings"][0]["path"] == "svc/x.py"


def test_select_and_ignore_with_prefixes(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BAD)
    write(tmp_path, "b.py", "def f(:\n")
    codes = lambda *args: {f["code"] for f in run_resilint("check", "--format", "json", *args, cwd=tmp_path).json()["findings"]}  # noqa: E731
    assert codes() == {"REL001", "REL101"}
    assert codes("--select", "REL1") == {"REL101"}
    assert codes("--ignore", "REL10") == {"REL001"}
    assert codes("--select", "REL", "--ignore", "REL0,REL101") == set()


def test_usage_and_configuration_errors_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BAD)
    cases = [
        (["check", "--select", "REL999"], "unknown rule code or prefix 'REL999'"),
        (["check", "--format", "xml"], "unknown format 'xml'"),
        (["check", "--fail-on", "fatal"], "expected one of note, warning, error"),
        (["check", "--jobs", "0"], "expected a positive integer"),
        (["check", "--today", "tomorrow"], "expected a date"),
        (["check", "missing.py"], "missing.py: no such file or directory"),
        (["check", "a.py", "-"], "cannot be combined"),
        (["explain", "REL000"], "unknown rule 'REL000'"),
        (["check", "--config", "nope.toml"], "config file not found"),
        ([], "usage"),
    ]
    for args, message in cases:
        run = run_resilint(*args, cwd=tmp_path)
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        assert message in run.stderr, (args, run.stderr)


def test_bad_config_names_file_key_and_expectation(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BAD)
    cases = [
        ('[tool.resilint]\nselct = ["REL1"]\n', "tool.resilint.selct: unknown key"),
        ('[tool.resilint]\nselect = "REL1"\n', "tool.resilint.select: expected an array of strings"),
        ('[tool.resilint]\nignore = ["REL777"]\n', "ignore: unknown rule code or prefix 'REL777'"),
        ('[tool.resilint.severity]\nREL101 = "fatal"\n', "tool.resilint.severity.REL101: expected one of note, warning, error"),
        ('[tool.resilint]\nselect = [\n', "invalid TOML"),
        ('[[tool.resilint.tiers]]\nname = "pay"\npaths = ["pay/**"]\nescalate = 5\n', "tiers[0].escalate: expected an integer from 0 to 2"),
        (
            '[[tool.resilint.standards]]\ncode = "ACME1"\nname = "x"\ncheck = "nope"\n',
            "standard ACME1.check: unknown check 'nope'",
        ),
    ]
    for text, message in cases:
        write(tmp_path, "pyproject.toml", text)
        run = run_resilint("check", cwd=tmp_path)
        assert run.returncode == 2, (text, run.stdout)
        assert "pyproject.toml" in run.stderr and message in run.stderr, (text, run.stderr)


def test_config_selection_overrides_severity_and_user_standard(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
[tool.resilint]
ignore = ["REL001"]

[tool.resilint.severity]
REL101 = "error"

[[tool.resilint.overrides]]
paths = ["tests/"]
ignore = ["REL101"]

[[tool.resilint.standards]]
code = "ACME101"
name = "internal-http-without-deadline"
check = "call-requires-keyword"
targets = ["acme.http.get"]
keywords = ["deadline"]
severity = "warning"
""",
    )
    write(tmp_path, "svc/a.py", BAD + "import acme.http\nacme.http.get(u)\nacme.http.get(u, deadline=3)\n")
    write(tmp_path, "tests/test_a.py", BAD)
    write(tmp_path, "svc/broken.py", "def f(:\n")
    run = run_resilint("check", "--format", "json", cwd=tmp_path)
    got = [(f["path"], f["line"], f["code"], f["severity"]) for f in run.json()["findings"]]
    assert got == [("svc/a.py", 3, "REL101", "error"), ("svc/a.py", 5, "ACME101", "warning")]
    assert run.returncode == 1


def test_tier_escalation(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[[tool.resilint.tiers]]\nname = "payments"\npaths = ["payments/**"]\nescalate = 1\n')
    write(tmp_path, "payments/charge.py", BAD)
    write(tmp_path, "other/charge.py", BAD)
    got = {f["path"]: f["severity"] for f in run_resilint("check", "--format", "json", cwd=tmp_path).json()["findings"]}
    assert got == {"payments/charge.py": "error", "other/charge.py": "warning"}


def test_discovery_skips_default_excludes_and_honours_gitignore(git_repo: Path) -> None:
    write(git_repo, "app/a.py", BAD)
    write(git_repo, "app/ignored.py", BAD)
    write(git_repo, ".gitignore", "app/ignored.py\n")
    write(git_repo, "node_modules/x.py", BAD)
    write(git_repo, "build/x.py", BAD)
    write(git_repo, "myenv/pyvenv.cfg", "home = /usr\n")
    write(git_repo, "stub.pyi", "import requests\nrequests.get(u)\n")
    write(git_repo, "notes.txt", "requests.get(u)\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "init")
    write(git_repo, "app/untracked.py", BAD)
    report = run_resilint("check", "--format", "json", "--no-cache", cwd=git_repo).json()
    assert sorted({f["path"] for f in report["findings"]}) == ["app/a.py", "app/untracked.py", "stub.pyi"]
    # A file named explicitly is always checked.
    report = run_resilint("check", "--format", "json", "app/ignored.py", "build/x.py", cwd=git_repo).json()
    assert sorted(f["path"] for f in report["findings"]) == ["app/ignored.py", "build/x.py"]


def test_discovery_outside_git_skips_virtualenvs_and_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path, "src/a.py", BAD)
    write(tmp_path, "venv2/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "venv2/lib/x.py", BAD)
    (tmp_path / "src" / "loop").symlink_to(tmp_path / "src")
    report = run_resilint("check", "--format", "json", "--no-cache", cwd=tmp_path).json()
    assert [f["path"] for f in report["findings"]] == ["src/a.py"]


def test_rules_and_explain(tmp_path: Path) -> None:
    run = run_resilint("rules", cwd=tmp_path)
    assert run.returncode == 0
    assert any(line.split()[:2] == ["REL101", "http-call-without-timeout"] for line in run.stdout.splitlines())
    rows = json.loads(run_resilint("rules", "--format", "json", cwd=tmp_path).stdout)
    assert {"code": "REL101", "enabled": True}.items() <= next(r for r in rows if r["code"] == "REL101").items()
    for query in ("REL101", "rel101", "http-call-without-timeout"):
        text = run_resilint("explain", query, cwd=tmp_path).stdout
        assert text.startswith("REL101 http-call-without-timeout (timeouts)")
        assert "timeout=(3.05, 27)" in text and "Flagged" in text and "Not flagged" in text


def test_version() -> None:
    from resilint import __version__

    run = run_resilint("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"resilint {__version__}"


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    for i in range(40):
        write(tmp_path, f"pkg/m{i:02}.py", BAD if i % 3 == 0 else GOOD)
    serial = run_resilint("check", "--format", "json", "--jobs", "1", "--no-cache", cwd=tmp_path).json()
    parallel = run_resilint("check", "--format", "json", "--jobs", "2", "--no-cache", cwd=tmp_path).json()
    assert serial == parallel
    assert serial["summary"]["findings"] == 14 and serial["summary"]["files"] == 40


def test_cache_warm_run_is_identical_and_clean_removes_it(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.resilint]\n")
    write(tmp_path, "a.py", BAD)
    cold = run_resilint("check", "--format", "json", cwd=tmp_path).json()
    assert (tmp_path / ".resilint_cache" / ".gitignore").read_text().strip().endswith("*")
    warm = run_resilint("check", "--format", "json", cwd=tmp_path).json()
    assert warm == cold
    write(tmp_path, "a.py", GOOD)  # content changed: the cache must not answer
    assert run_resilint("check", "--format", "json", cwd=tmp_path).json()["findings"] == []
    run = run_resilint("clean", cwd=tmp_path)
    assert run.returncode == 0 and not (tmp_path / ".resilint_cache").exists()


def test_configured_excludes_apply_below_the_walked_folder_not_to_it(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.resilint]\nexclude = ["fixtures/", "generated_*.py"]\n')
    write(tmp_path, "fixtures/demo/a.py", BAD)
    write(tmp_path, "fixtures/demo/generated_x.py", BAD)
    write(tmp_path, "src/b.py", BAD)
    whole = run_resilint("check", "--format", "json", "--no-cache", cwd=tmp_path).json()
    assert [f["path"] for f in whole["findings"]] == ["src/b.py"]
    named = run_resilint("check", "--format", "json", "--no-cache", "fixtures/demo", cwd=tmp_path).json()
    assert [f["path"] for f in named["findings"]] == ["fixtures/demo/a.py"]
    forced = run_resilint("check", "--format", "json", "--no-cache", "--force-exclude", "fixtures/demo/a.py", cwd=tmp_path).json()
    assert forced["findings"] == [] and forced["summary"]["files"] == 0
