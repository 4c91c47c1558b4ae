"""The engine on bad input, crashing rules and plugins: the run always goes on."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, make_distribution, record_slicing, run_resilint

from resilint.config.settings import Config
from resilint.engine.core import Engine

BAD_CALL = "import requests\nrequests.get(u)\n"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Config(root=Path.cwd()))


def codes_at(engine: Engine, source: str | bytes, path: str = "x.py") -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.code) for f in engine.check_source(source, path).findings]


def test_bom_crlf_tabs_and_encoding_cookie(engine: Engine) -> None:
    assert codes_at(engine, b"\xef\xbb\xbf" + BAD_CALL.encode()) == [(2, 1, "REL101")]
    assert codes_at(engine, BAD_CALL.replace("\n", "\r\n").encode()) == [(2, 1, "REL101")]
    assert codes_at(engine, "import requests\nif x:\n\trequests.get(u)\n") == [(3, 2, "REL101")]
    latin1 = "# -*- coding: latin-1 -*-\nimport requests\ns = 'caf\xe9'\nrequests.get(s)\n".encode("latin-1")
    assert codes_at(engine, latin1) == [(4, 1, "REL101")]


def test_undecodable_null_bytes_and_syntax_errors_are_rel001(engine: Engine) -> None:
    (finding,) = engine.check_source(b"x = '\xff\xfe'\n", "bad.py").findings
    assert (finding.code, finding.line) == ("REL001", 1) and finding.message.startswith("cannot decode")
    (finding,) = engine.check_source(b"import os\nx = 1\x00\n", "bin.py").findings
    assert (finding.code, finding.line) == ("REL001", 2) and "null bytes" in finding.message
    (finding,) = engine.check_source(b"# coding: klingon\nx = 1\n", "cookie.py").findings
    assert finding.code == "REL001"
    # The file is not parsed by libcst when no rule could fire; syntax errors still show.
    assert codes_at(engine, "x = (\n") == [(1, 5, "REL001")]
    assert codes_at(engine, "import requests\nrequests.get(u\n") == [(2, 13, "REL001")]


def test_deeply_nested_and_huge_files_do_not_crash(engine: Engine) -> None:
    deep = "import requests\nx = " + "(" * 200 + "1" + ")" * 200 + "\nrequests.get(u)\n"
    result = engine.check_source(deep, "deep.py")
    assert [f.code for f in result.findings] in (["REL101"], ["REL001"]) or result.errors
    huge = "import requests\n" + "".join(f"def f{i}(u):\n    return requests.get(u, timeout=1)\n" for i in range(25_000))
    huge += "requests.get(u)\n"
    assert codes_at(engine, huge) == [(50_002, 1, "REL101")]


def test_a_directory_named_like_a_file_is_an_error_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    result = engine.check_file(tmp_path / "x.py", "x.py")
    assert result.findings == () and result.errors[0].message == "is a directory, not a Python file"


def test_skip_file(engine: Engine) -> None:
    assert codes_at(engine, "# resilint: skip-file\n" + BAD_CALL) == []


def test_positions_stop_early_but_stay_exact(engine: Engine) -> None:
    source = "import requests\n" + "requests.get(u)\n" + "x = 1\n" * 1000 + "y = requests.get(\n    u,\n)\n"
    spans = [f.span for f in engine.check_source(source, "x.py").findings]
    assert [(s.line, s.column, s.end_line, s.end_column) for s in spans] == [(2, 1, 2, 16), (1003, 5, 1005, 2)]


def test_prefilter_changes_no_finding_on_the_fixtures() -> None:
    """Removing the prefilter (which also skips untriggered rules and slices files,
    here even the smallest) must not change any finding on any fixture file."""
    config = Config(root=FIXTURES)
    with_prefilter = Engine(config, prefilter=True)
    with_prefilter.slice_min_chars = 0
    sliced = record_slicing(with_prefilter)
    without = Engine(config, prefilter=False)
    files = sorted(FIXTURES.rglob("*.py"))
    assert files
    for file in files:
        a = with_prefilter.check_file(file)
        b = without.check_file(file)
        assert a == b, file
    assert any(sliced)  # slicing left something out (test_slicing.py has the hard cases)


def test_ai_only_rules_need_ai_lines(engine: Engine) -> None:
    source = "import requests\nrequests.get(u)  # noqa: REL101\n"
    assert codes_at(engine, source) == []
    ai = Engine(dataclasses.replace(Config(root=Path.cwd()), force_ai=True))
    assert codes_at(ai, source) == [(2, 1, "REL101"), (2, 18, "REL903")]


PLUGIN = textwrap.dedent(
    '''
    import libcst as cst
    from resilint.hookspecs import hookimpl
    from resilint.rule import Param, Rule

    class Crashes(Rule):
        kind = "acme-crash"
        def visit_Call(self, node):
            raise ValueError("boom")

    class PrintCall(Rule):
        kind = "acme-print"
        parameters = {"message": Param(str)}
        @classmethod
        def triggers(cls, standard):
            return ["print"]
        def visit_Call(self, node):
            if isinstance(node.func, cst.Name) and node.func.value == "print" and self.names.lookup("print") is None:
                self.report(node, self.param("message"))

    @hookimpl
    def resilint_check_kinds():
        return [Crashes, PrintCall]

    @hookimpl
    def resilint_standards():
        return [
            {"code": "ACME900", "name": "always-crashes", "check": "acme-crash", "severity": "warning"},
            {"code": "ACME901", "name": "no-print", "check": "acme-print", "severity": "note",
             "message": "use logging, not print"},
        ]
    '''
)


@pytest.mark.rule_crash_expected  # ACME900 raises on every call
def test_entry_point_plugins_add_kinds_and_standards_and_failures_are_isolated(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_distribution(site, "acme_resilint", "[resilint]\nacme = acme_resilint\n", "acme_resilint", PLUGIN)
    make_distribution(site, "broken_plugin", "[resilint]\nbroken = broken_plugin_module\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.py").write_text("import requests\nrequests.get(u)\nprint('hi')\n")
    run = run_resilint("check", "--format", "json", "--no-cache", cwd=work, env={"PYTHONPATH": str(site)})
    report = run.json()
    got = sorted((f["code"], f["line"]) for f in report["findings"])
    assert ("ACME901", 3) in got and ("REL101", 2) in got
    crash = next(f for f in report["findings"] if f["code"] == "REL002")
    assert "ACME900" in crash["message"] and "ValueError: boom" in crash["message"]
    assert "ACME900" not in {code for code, _ in got}
    (error,) = report["errors"]
    assert "plugin 'broken'" in error["message"] and "broken_plugin_module" in error["message"]
    assert run.returncode == 2  # an environment error (a plugin failed to load) is reported, the run went on


def test_fifos_and_huge_files_are_errors_not_hangs(engine: Engine, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    (error,) = engine.check_file(fifo, "pipe.py").errors
    assert error.message == "not a regular file"
    big = tmp_path / "big.py"
    with big.open("wb") as handle:
        handle.truncate(25_000_000)  # sparse: no disk used
    (error,) = engine.check_file(big, "big.py").errors
    assert error.message == "too large to check (25 MB; the limit is 20 MB)"
    run = run_resilint("check", "pipe.py", "big.py", cwd=tmp_path)
    assert run.returncode == 2
    assert "pipe.py: not a regular file" in run.stderr and "big.py: too large to check" in run.stderr


def test_a_finding_after_a_very_deep_expression_is_located(engine: Engine) -> None:
    """The longest chain the parse guard lets through is analysed and located; one
    operand more and the file is REL003 at the chain's line, with no other finding
    (a partial analysis could be wrong both ways)."""
    source = "import requests\nx = " + " + ".join(["1"] * 800) + "\nrequests.get(u)\n"
    assert codes_at(engine, source) == [(3, 1, "REL101")]
    source = "import requests\nx = " + " + ".join(["1"] * 3000) + "\nrequests.get(u)\n"
    (finding,) = engine.check_source(source, "chain.py").findings
    assert (finding.code, finding.line, finding.column) == ("REL003", 2, 1)
    assert finding.message == (
        "not analysed: an expression chain of more than 800 operands at line 2; "
        "if the file is generated, exclude it (`exclude` in [tool.resilint])"
    )


def test_libcst_failing_on_newer_syntax_is_rel001_not_a_crash(engine: Engine) -> None:
    """libcst raises CSTLogicError (not ParserSyntaxError) on Python 3.14 t-strings;
    found in SQLAlchemy's test suite by the benchmark corpus."""
    source = 'import requests\ntemplate = (t"hello {a}" t"and {b}")\nrequests.get(u)\n'
    (finding,) = engine.check_source(source, "tstrings.py").findings
    assert finding.code == "REL001"
    assert finding.message.startswith("cannot parse") or finding.message.startswith("libcst cannot parse")


def test_an_unexpected_engine_failure_costs_one_file(engine: Engine, tmp_path: Path, monkeypatch) -> None:
    good = tmp_path / "good.py"
    good.write_text(BAD_CALL)
    monkeypatch.setattr(engine, "check_source", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
    (error,) = engine.check_file(good, "good.py").errors
    assert error.message == "internal error while checking: RuntimeError: bug"


def test_a_file_nothing_triggers_is_rel001_only_if_libcst_cannot_read_it_either() -> None:
    """Unparsed files get CPython's syntax check; syntax newer than the running Python
    (t-strings before 3.14) is what libcst reads, so it is no REL001 either way."""
    config = Config(root=Path.cwd())
    newer = 'name = "x"\ngreeting = t"hello {name}"\n'
    broken = "def f(:\n    pass\n"
    for prefilter in (True, False):
        engine = Engine(config, prefilter=prefilter)
        assert [f.code for f in engine.check_source(newer, "new.py").findings] == []
        assert [f.code for f in engine.check_source(broken, "broken.py").findings] == ["REL001"]


def test_the_suite_fails_on_a_rule_crash_it_did_not_expect(tmp_path: Path) -> None:
    """The guard of conftest.py: a test whose rule crashes fails even when the test
    never looks at REL002. Run a crashing plugin in a pytest subprocess, unmarked."""
    site = tmp_path / "site"
    make_distribution(site, "acme_resilint", "[resilint]\nacme = acme_resilint\n", "acme_resilint", PLUGIN)
    (tmp_path / "conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text())
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent(
            """
            from resilint.api import config_for, linter_for

            def test_only_rel101(tmp_path):
                (tmp_path / "pyproject.toml").write_text('[tool.resilint]\\nselect = ["REL101", "ACME900"]\\n')
                linter = linter_for(config_for(tmp_path))
                result = linter.check_source("import requests\\nrequests.get(u, timeout=3)\\n", "a.py")
                assert [f.code for f in result.findings] == []  # looks clean: the crash is not selected
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("RESILINT_CRASH_LOG", None)
    inner = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_inner.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert inner.returncode == 1, inner.stdout + inner.stderr
    assert "a rule crashed during this test (REL002)" in inner.stdout and "ACME900" in inner.stdout
