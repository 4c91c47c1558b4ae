"""The guarantees of ``--fix``, each tested: the result re-parses or nothing is
written and the finding says why; writes are atomic and never over a file that
changed since it was read; fixes never overlap (one waits for the next pass); the
loop is bounded; bytes outside the edits (BOM, CRLF, untriggered definitions of a
sliced file, comments) are kept; AI-assisted lines are fixed only with --fix-ai."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, record_slicing, run_resilint

from resilint.api import config_for, linter_for
from resilint.fix.apply import ChangedOnDisk, apply_fixes, write_atomically
from resilint.fix.cli import run_fixes
from resilint.fix.runner import FixOptions, engine_check, fix_text
from resilint.model import Edit, Fix, Report, Span

SAFE = "[tool.resilint.fix.timeouts]\nrequests = [3.05, 27]\n"
BAD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
FIXED = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=(3.05, 27))\n"


def _project(tmp_path: Path, source: bytes | str, config: str = SAFE) -> Path:
    (tmp_path / "pyproject.toml").write_text(config)
    app = tmp_path / "app.py"
    app.write_bytes(source.encode() if isinstance(source, str) else source)
    return app


def test_bom_and_crlf_are_kept(tmp_path: Path) -> None:
    app = _project(tmp_path, b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode())
    run = run_resilint("check", "--no-cache", "--fix", "app.py", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert app.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


def test_crlf_in_inserted_lines(tmp_path: Path) -> None:
    source = "import requests\r\n\r\nrequests.post(\r\n    url,\r\n    json={},\r\n)\r\n"
    app = _project(tmp_path, source.encode())
    run_resilint("check", "--no-cache", "--fix", "app.py", cwd=tmp_path)
    assert app.read_bytes() == source.replace("json={},\r\n", "json={},\r\n    timeout=(3.05, 27),\r\n").encode()


def test_a_sliced_file_keeps_its_untriggered_definitions_byte_for_byte(tmp_path: Path) -> None:
    # Long enough to be sliced (engine.core.SLICE_MIN_CHARS): the untriggered functions
    # are blanked in what the engine parses; the fix must not touch them.
    filler = "".join(
        f"\n\ndef helper_{i}(a,  b):   # odd   spacing kept\n    return (a +\n            b)  ;  x = {i}\n" for i in range(60)
    )
    source = BAD + filler
    app = _project(tmp_path, source)
    linter = linter_for(config_for(tmp_path))
    used = record_slicing(linter.engine)
    (finding,) = linter.check_file(app).findings
    assert used == [True]  # the engine parsed a slice: the fix was planned on it
    assert apply_fixes(source, [finding.fix]).text == FIXED + filler  # type: ignore[list-item]
    run = run_resilint("check", "--no-cache", "--fix", "app.py", cwd=tmp_path)
    assert "Fixed 1 finding" in run.stdout
    assert app.read_text() == FIXED + filler


def test_a_result_that_does_not_parse_is_not_written_and_the_finding_says_why(tmp_path: Path) -> None:
    app = _project(tmp_path, BAD)
    linter = linter_for(config_for(tmp_path))
    (finding,) = linter.check_file(app).findings
    broken = Fix("break it", (Edit(Span(5, 24, 5, 25), "(("),), safe=True)  # requests.get((url)
    finding = finding.__class__(**{**finding.__dict__, "fix": broken})
    result = fix_text(app.read_bytes(), "app.py", [finding], engine_check(linter, app, "app.py"), FixOptions())
    assert result.after == result.before and not result.changed
    ((failed, reason),) = result.failed
    assert failed is finding and reason.startswith("the result would not parse")
    run = run_fixes(linter, Report(findings=(finding,), files=1), FixOptions(), write=True)
    assert app.read_text() == BAD
    (kept,) = run.report.findings
    assert "[fix not applied: the result would not parse" in kept.message
    assert run.fixed == 0


def test_overlapping_fixes_one_wins_the_other_waits() -> None:
    text = "f(a)\n"
    first = Fix("one", (Edit(Span(1, 3, 1, 4), "b"),), safe=True)
    second = Fix("two", (Edit(Span(1, 3, 1, 4), "c"),), safe=True)
    shared_import = Fix("three", (Edit(Span(1, 1, 1, 1), "import x\n"),), safe=True)
    same_import = Fix("four", (Edit(Span(1, 1, 1, 1), "import x\n"),), safe=True)
    applied = apply_fixes(text, [first, second, shared_import, same_import])
    assert (applied.applied, applied.deferred) == ((0, 2, 3), (1,))
    assert applied.text == "import x\nf(b)\n"


def test_the_loop_is_bounded(tmp_path: Path) -> None:
    # Two fixes that conflict forever: each pass applies one; the loop stops at max_passes.
    app = _project(tmp_path, "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n")
    linter = linter_for(config_for(tmp_path))
    (finding,) = linter.check_file(app).findings
    calls = []

    def check(text: str) -> list:
        calls.append(text)
        return [finding.__class__(**{**finding.__dict__, "fix": Fix("grow", (Edit(Span(5, 24, 5, 24), "u"),), safe=True)})]

    result = fix_text(app.read_bytes(), "app.py", [finding], check, FixOptions(), max_passes=3)
    assert result.passes == 3 and len(calls) == 3


def test_write_is_atomic_and_never_over_a_changed_file(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text("x = 1\n")
    app.chmod(0o640)
    with pytest.raises(ChangedOnDisk):
        write_atomically(app, b"x = 2\n", b"x = 0\n")  # what was read is no longer there
    assert app.read_text() == "x = 1\n"
    write_atomically(app, b"x = 2\n", b"x = 1\n")
    assert app.read_text() == "x = 2\n" and app.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]  # no temporary left


def test_unsafe_fixes_need_the_option(tmp_path: Path) -> None:
    app = _project(tmp_path, BAD, config="[tool.resilint]\n")
    run = run_resilint("check", "--no-cache", "--fix", "app.py", cwd=tmp_path)
    assert app.read_text() == BAD
    assert "Fixed 0 findings; 1 remains. (1 more with --unsafe-fixes)" in run.stdout
    assert "[unsafe fix]" in run.stdout
    run_resilint("check", "--no-cache", "--fix", "--unsafe-fixes", "app.py", cwd=tmp_path)
    assert app.read_text() == FIXED


def test_ai_assisted_lines_are_fixed_only_with_fix_ai(tmp_path: Path) -> None:
    source = "# resilint: ai-assisted\n" + BAD
    app = _project(tmp_path, source)
    run = run_resilint("check", "--no-cache", "--fix", "app.py", cwd=tmp_path)
    assert app.read_text() == source
    assert "1 on AI-assisted lines with --fix-ai (review them first)" in run.stdout
    run = run_resilint("check", "--no-cache", "--fix", "--fix-ai", "app.py", cwd=tmp_path)
    assert app.read_text() == "# resilint: ai-assisted\n" + FIXED
    (tmp_path / "pyproject.toml").write_text(SAFE + "[tool.resilint.fix]\nai-lines = true\n")
    app.write_text(source)
    run_resilint("check", "--no-cache", "--fix", "app.py", cwd=tmp_path)
    assert app.read_text() == "# resilint: ai-assisted\n" + FIXED


def test_fix_diff_previews_without_writing(tmp_path: Path) -> None:
    app = _project(tmp_path, BAD)
    run = run_resilint("check", "--no-cache", "--fix-diff", "app.py", cwd=tmp_path)
    assert run.returncode == 1
    assert app.read_text() == BAD
    assert run.stdout == (
        "--- a/app.py\n+++ b/app.py\n@@ -2,4 +2,4 @@\n \n \n def fetch(url):\n"
        "-    return requests.get(url)\n+    return requests.get(url, timeout=(3.05, 27))\n"
    )
    assert run.stderr == "Would fix 1 finding in 1 file; 0 remain.\n"
    app.write_text(FIXED)
    assert run_resilint("check", "--no-cache", "--fix-diff", "app.py", cwd=tmp_path).returncode == 0


def test_json_says_fix_safety_and_how_many_were_fixed(tmp_path: Path) -> None:
    _project(tmp_path, BAD + "\n\ndef other(url):\n    return requests.get(url, stream=True)\n")
    report = json.loads(run_resilint("check", "--no-cache", "--format", "json", "app.py", cwd=tmp_path).stdout)
    assert [(f["fixable"], f["fix_safety"], f["fix"]) for f in report["findings"]] == [
        (True, "safe", "add timeout=(3.05, 27) ([tool.resilint.fix.timeouts] requests)")
    ] * 2
    report = json.loads(run_resilint("check", "--no-cache", "--fix", "--format", "json", "app.py", cwd=tmp_path).stdout)
    assert report["summary"]["fixed"] == 2 and report["findings"] == []


def test_fix_config_errors_name_the_key(tmp_path: Path) -> None:
    _project(tmp_path, BAD, config="[tool.resilint.fix.timeouts]\nredis = [1, 2]\n")
    run = run_resilint("check", "app.py", cwd=tmp_path)
    assert run.returncode == 2
    assert "tool.resilint.fix.timeouts.redis: expected a number of seconds ([connect, read] only for requests)" in run.stderr
    _project(tmp_path, BAD, config="[tool.resilint.fix.retries]\nattempt = 3\n")
    run = run_resilint("check", "app.py", cwd=tmp_path)
    assert run.returncode == 2 and "tool.resilint.fix.retries.attempt: unknown key" in run.stderr


def test_fix_options_that_cannot_be_combined(tmp_path: Path) -> None:
    _project(tmp_path, BAD)
    for args in (("--fix", "--fix-diff"), ("--fix", "--add-noqa"), ("--fix", "-")):
        run = run_resilint("check", *args, cwd=tmp_path, stdin=BAD)
        assert run.returncode == 2 and "cannot be combined" in run.stderr, args


def test_staged_fix_never_writes_a_file_whose_work_tree_differs_from_the_index(git_repo: Path) -> None:
    # --staged --fix edits the work-tree file; it must be the staged text, else the edit
    # would mix unstaged changes into what gets staged next.
    (git_repo / "pyproject.toml").write_text("[tool.resilint.fix.timeouts]\nrequests = 10\n")
    client = git_repo / "client.py"
    client.write_text("import requests\n\n\ndef get(u):\n    return requests.get(u)\n")
    git(git_repo, "add", "-A")
    edited = "import requests\n\n\ndef get(u):\n    return requests.get(u)  # unstaged edit\n"
    client.write_text(edited)
    run = run_resilint("check", "--staged", "--fix", cwd=git_repo)
    assert run.returncode == 2
    assert "client.py: not fixed: it has unstaged changes (stage or stash them, then run again)" in run.stdout + run.stderr
    assert client.read_text() == edited
