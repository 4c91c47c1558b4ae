"""Nothing a user feeds resilint takes the run down (issue "crashes, hangs and
faults isolated to one file"): every reproducer of the fuzzing report runs
through the installed CLI with ``--jobs 1`` and ``--jobs 2``, and the other
files' results must be identical to a run without the bad files.

The bad files are checked together in one run per ``--jobs`` value (one run
with twelve good files and every bad shape is the harder case, and keeps the
suite fast); each bad file must come back as exactly its expected finding or
error line. Filesystem permission faults need an unprivileged user: as root
(CI) the test drops the DAC capabilities with ``setpriv`` (the interpreter
lives under /root here, so switching to ``nobody`` would not even start it);
without them root reads a ``chmod 000`` folder and the case proves nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import resilint_executable, run_resilint

GOOD = {
    f"good{i:02d}.py": (
        "import requests\n\n\n"
        f"def fetch{i}(url):\n"
        f"    return requests.get(url{', timeout=5' if i % 3 == 0 else ''})\n"
        + ("\n\nrequests.post('https://x', data=b'')\n" if i % 4 == 0 else "")
    )
    for i in range(12)
}
TRIGGER = "import requests\nrequests.get('u')\n"


def _expr(body: str) -> str:
    return TRIGGER + "x = " + body + "\n"


# Reproducers 1 and 2: what segfaulted libcst's native parser or ran past 120 s.
# Each maps to (code, message start) of the one finding it must give.
BAD = {
    "segv_and.py": (_expr(" and ".join(["a"] * 10_000)), ("REL003", "not analysed: an expression chain of more than 800 operands at line 3")),
    "segv_calls.py": (_expr("f(" * 5_000 + "1" + ")" * 5_000), ("REL001", "cannot parse: too many nested parentheses")),
    "segv_lists.py": (_expr("[" * 5_000 + "1" + "]" * 5_000), ("REL001", "cannot parse: too many nested parentheses")),
    "segv_dicts.py": (_expr("{1:" * 5_000 + "1" + "}" * 5_000), ("REL001", "cannot parse: too many nested parentheses")),
    "segv_parens.py": (_expr("(" * 5_000 + "1" + ")" * 5_000), ("REL001", "cannot parse: too many nested parentheses")),
    "segv_elif.py": (TRIGGER + "if a:\n    pass\n" + "elif a:\n    pass\n" * 50_000, ("REL003", "not analysed: too deeply nested")),
    "hang_plus.py": (_expr(" + ".join(["1"] * 2_000)), ("REL003", "not analysed: an expression chain of more than 800 operands")),
    "hang_plus_50k.py": (_expr(" + ".join(["1"] * 50_000)), ("REL003", "not analysed: an expression chain of more than 800 operands")),
    "hang_attr.py": (_expr("a" + ".b" * 50_000), ("REL003", "not analysed: an expression chain of more than 800 operands")),
    "hang_calls.py": (_expr("a" + "()" * 20_000), ("REL003", "not analysed: an expression chain of more than 800 operands")),
    "hang_lambdas.py": (_expr("lambda: " * 5_000 + "1"), ("REL003", "not analysed: an expression chain of more than 800 operands")),
    "hang_list.py": (_expr("[" + ", ".join(["1"] * 1_000_000) + "]"), ("REL003", "not analysed: file too large")),
    "hang_lines.py": (TRIGGER + "".join(f"x{i} = {i}\n" for i in range(200_000)), ("REL003", "not analysed: file too large")),
    # accepted by the guard (200 such lines are, 250 are not), but its parse takes far
    # longer than the budget given below: ~8.6 s on an idle 2-core machine (60 lines
    # took 2.6 s, and the test failed whenever the machine was quick)
    "slow_list.py": (TRIGGER + "".join(f"x{i} = [{', '.join(['1'] * 2_000)}]\n" for i in range(200)), ("REL003", "not analysed: timed out after 3 s")),
}
BUDGET = ["--file-timeout", "3"]
# The guard refuses these 3 MB files after scanning 500,000 tokens (~1-2 s idle); on a
# loaded machine that scan may itself run past the budget: either is their named finding.
EITHER = {"hang_list.py", "hang_lines.py"}


def _findings(run_json: dict, exclude: set[str]) -> list[tuple[str, int, int, str, str]]:
    return sorted((f["path"], f["line"], f["column"], f["code"], f["message"]) for f in run_json["findings"] if f["path"] not in exclude)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("robust")
    (root / "pyproject.toml").write_text("[tool.resilint]\n")
    for name, text in GOOD.items():
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def clean_findings(project: Path) -> list[tuple[str, int, int, str, str]]:
    run = run_resilint("check", "--no-cache", "--format", "json", "--jobs", "1", *GOOD, cwd=project)
    assert run.returncode == 0, run.stderr  # warnings only
    findings = _findings(run.json(), set())
    assert len(findings) == 8 + 3  # 8 calls without a timeout, 3 posts: the good files are not trivial
    return findings


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_crashing_and_hanging_shapes_cost_only_their_file(project: Path, clean_findings, tmp_path: Path, jobs: str) -> None:
    for name, (text, _) in BAD.items():
        (tmp_path / name).write_text(text)
    for name, text in GOOD.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    run = run_resilint("check", "--no-cache", "--format", "json", "--jobs", jobs, *BUDGET, ".", cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # findings (REL001 is an error), no error lines
    report = run.json()
    assert report["errors"] == []
    assert _findings(report, set(BAD)) == clean_findings
    got = {f["path"]: (f["code"], f["message"]) for f in report["findings"] if f["path"] in BAD}
    assert sorted(got) == sorted(BAD), "each bad file gives exactly one finding"
    for name, (_, (code, start)) in BAD.items():
        if name in EITHER and got[name][1].startswith("not analysed: timed out after 3 s"):
            start = "not analysed: timed out after 3 s"
        assert got[name][0] == code and got[name][1].startswith(start), (name, got[name])
        if code == "REL003":
            assert got[name][1].endswith("if the file is generated, exclude it (`exclude` in [tool.resilint])")


def test_a_bad_file_fails_the_run_like_any_finding(tmp_path: Path) -> None:
    """REL003 is a warning (``--fail-on warning`` fails on it), REL001 an error."""
    (tmp_path / "bad.py").write_text(BAD["segv_and.py"][0].replace("requests.get('u')", "requests.get('u', timeout=3)"))
    run = run_resilint("check", "--no-cache", "--fail-on", "warning", "bad.py", cwd=tmp_path)
    assert run.returncode == 1 and "bad.py:3:1: REL003 [warning] not analysed:" in run.stdout


def test_the_flags_listing_survives_a_parser_crashing_file(tmp_path: Path) -> None:
    """``resilint flags`` parses every file (no prefilter): the guard keeps the
    segfaulting shape from libcst there too; the file is one error line."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    (tmp_path / "segv.py").write_text(BAD["segv_and.py"][0])
    (tmp_path / "app.py").write_text("import waffle\n\ndef view(request):\n    return waffle.flag_is_active(request, 'beta')\n")
    run = run_resilint("flags", "--format", "json", ".", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "resilint: error: segv.py: not analysed, its flags are not listed: an expression chain of more than 800 operands at line 3" in run.stderr
    assert [f["key"] for f in run.json()["flags"]] == ["beta"]


# -- filesystem faults (reproducers 4 and 5) ---------------------------------------------------------


def _tree_with_links(root: Path) -> None:
    for name, text in GOOD.items():
        (root / name).write_text(text)
    (root / "pyproject.toml").write_text("[tool.resilint]\n")
    (root / "conf").mkdir()
    (root / "conf" / "settings.py").write_text("import requests\nrequests.get(u)\n")
    (root / "config").symlink_to("conf")  # a sibling: no loop, checked once
    (root / "requirements").mkdir()
    (root / "docker").mkdir()
    (root / "docker" / "requirements").symlink_to("../requirements")  # readthedocs.org's layout
    (root / "loop.py").symlink_to("loop.py")  # points to itself
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to("..")  # a real loop


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_symlink_loops_and_siblings(clean_findings, tmp_path: Path, jobs: str) -> None:
    _tree_with_links(tmp_path)
    run = run_resilint("check", "--no-cache", "--format", "json", "--jobs", jobs, ".", cwd=tmp_path)
    assert run.returncode == 2, run.stderr  # files that could not be checked are an error
    report = run.json()
    assert sorted((e["path"], e["message"]) for e in report["errors"]) == [
        ("loop.py", "symbolic link loop, not followed"),
        ("sub/up", "symbolic link loop, not followed"),
    ]
    assert _findings(report, {"conf/settings.py"}) == clean_findings
    assert [f["path"] for f in report["findings"] if f["path"].endswith("settings.py")] == ["conf/settings.py"]
    assert run.stderr.count("resilint: error:") == 2 and "Traceback" not in run.stderr
    if jobs == "2":
        return  # named on the command line: the same with either, once is enough
    named = run_resilint("check", "--no-cache", "--format", "json", "--jobs", jobs, "loop.py", *GOOD, cwd=tmp_path)
    assert named.returncode == 2 and "Traceback" not in named.stderr
    assert [(e["path"], e["message"]) for e in named.json()["errors"]] == [("loop.py", "symbolic link loop, not followed")]
    assert _findings(named.json(), set()) == clean_findings


def _unprivileged() -> list[str]:
    """A command prefix that runs without permission to override file modes."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: chmod 000 cannot deny root anything here")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("setpriv cannot drop the DAC capabilities in this container")
    return prefix


def _run_unprivileged(prefix: list[str], args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("RESILINT_AI_ASSISTED", None)
    return subprocess.run([*prefix, resilint_executable(), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_unreadable_folder_and_unstattable_sys_path_entry(clean_findings, tmp_path: Path, jobs: str) -> None:
    prefix = _unprivileged()
    for name, text in GOOD.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text("x = 1\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / "private" / "lib").mkdir(parents=True)
    (tmp_path / "locked").chmod(0)
    (outside / "private").chmod(0)
    try:
        env = {"PYTHONPATH": str(outside / "private" / "lib")}  # a sys.path entry this user cannot stat
        # the cache on (no --no-cache) and AI-assisted: the unresolvable-import rule lists sys.path
        run = _run_unprivileged(prefix, ["check", "--format", "json", "--ai-assisted", "--jobs", jobs, "."], tmp_path, env)
    finally:
        (tmp_path / "locked").chmod(0o755)
        (outside / "private").chmod(0o755)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert [(e["path"], e["message"]) for e in report["errors"]] == [("locked", "cannot list: Permission denied")]
    ai = run_resilint("check", "--no-cache", "--format", "json", "--ai-assisted", "--jobs", "1", *GOOD, cwd=tmp_path)
    assert _findings(report, set()) == _findings(ai.json(), set())


# -- configuration (reproducer 6) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting,message",
    [
        ("select = " + "[" * 5_000 + "]" * 5_000, "tool.resilint.select: invalid TOML: arrays or tables nested too deeply (line 2)"),
        ("[tool.resilint.flags]\nevaluators = [\"not a dotted name!\"]", "tool.resilint.flags.evaluators[0]: expected a dotted name such as 'acme.flags.is_on', got 'not a dotted name!'"),
        ("[tool.resilint.flags]\nevaluators = [{ call = \"is on\" }]", "tool.resilint.flags.evaluators[0].call: expected a dotted name such as 'acme.flags.is_on', got 'is on'"),
        ("file-timeout = \"soon\"", "tool.resilint.file-timeout: expected a number of seconds (0: no limit), got 'soon'"),
        ("memory-limit = 12", "tool.resilint.memory-limit: expected at least 256 (MiB) or 0 for no limit, got 12"),
    ],
)
def test_malformed_config_names_file_and_key(tmp_path: Path, setting: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n" + setting + "\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    run = run_resilint("check", "a.py", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == f"resilint: error: {tmp_path / 'pyproject.toml'}: {message}"


# -- reproducer 7: only genuine syntax errors are REL001 ----------------------------------------------


def test_an_exception_inside_the_parse_is_not_a_syntax_error() -> None:
    """A signal handler raising while libcst parses valid code (a real timer, no
    mock): the parse reports the cause (the not-analysed event), not REL001."""
    import signal

    from resilint.engine.parsing import ParseFailure, parse

    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this platform")
    text = "".join(f"x{i} = [{', '.join(['1'] * 100)}]\n" for i in range(100))

    def alarm(signum, frame):
        raise TimeoutError("alarm")

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        for _ in range(5):  # the alarm must land inside the parse; it takes ~0.4 s, the alarm comes at 20 ms
            signal.setitimer(signal.ITIMER_REAL, 0.02)
            try:
                result = parse(text)
            except TimeoutError:
                continue  # landed just outside parse(); try again
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            break
        else:
            pytest.fail("the alarm never landed inside the parse")
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert isinstance(result, ParseFailure) and result.problem is None
    assert result.error == "the parser failed (TimeoutError: alarm)"


def test_the_cli_module_is_importable_without_side_effects() -> None:
    """Workers (forkserver) import the console script's __main__; it must be guarded."""
    code = "import runpy, sys; sys.argv = ['x']; runpy.run_path(sys.argv[1] if len(sys.argv) > 1 else '', run_name='__mp_main__')"
    script = resilint_executable()
    run = subprocess.run([sys.executable, "-c", code.replace("sys.argv[1] if len(sys.argv) > 1 else ''", repr(script))], capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0 and run.stdout == "", run.stderr
