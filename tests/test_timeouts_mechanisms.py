"""Issue 16 mechanisms of the timeouts family that need a configuration, files on
disk or a direct look at a helper (the rest is in fixtures/rules/timeouts/mechanisms.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from resilint.checks.timeouts.call_requires_keyword import CallRequiresKeyword
from resilint.checks.timeouts.callspec import is_local_command, parse_specs
from resilint.config.ruleset import build_ruleset
from resilint.config.settings import Config
from resilint.engine.core import Engine
from resilint.engine.names import NameResolver
from resilint.errors import ConfigError


def findings(source: str, root: Path, *, select: tuple[str, ...] = ("REL1",), extend: tuple[str, ...] = (), file: Path | None = None) -> list[tuple[str, int]]:
    config = Config(root=root, select=select, extend_select=extend)
    text = textwrap.dedent(source)
    result = Engine(config).check_source(text, file.name if file else "example.py", file=file)
    return [(f.code, f.span.line) for f in result.findings]


JOIN = """
import threading

t = threading.Thread(target=print)
t.start()
t.join()
"""


def test_thread_joins_are_opt_in(tmp_path: Path) -> None:
    assert findings(JOIN, tmp_path) == []
    assert findings(JOIN, tmp_path, select=("REL107",)) == [("REL107", 6)]
    assert findings(JOIN, tmp_path, extend=("REL107",)) == [("REL107", 6)]
    assert findings(JOIN, tmp_path, select=("REL10",)) == []  # a prefix does not opt in


def test_other_waits_stay_on_by_default(tmp_path: Path) -> None:
    source = "import queue\nq = queue.Queue()\nq.get()\n"
    assert findings(source, tmp_path) == [("REL107", 3)]


SCRIPT = "#!/usr/bin/env python3\nimport requests\nrequests.get(url)\nrequests.get(url, timeout=None)\n"


def test_standalone_scripts_are_not_checked_for_missing_timeouts(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "release.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    # outside a package, with a #! line: REL101 stays silent, an explicit None (REL102) does not
    assert findings(SCRIPT, tmp_path, file=script) == [("REL102", 4)]
    (script.parent / "__init__.py").write_text("")
    assert findings(SCRIPT, tmp_path, file=script) == [("REL101", 3), ("REL102", 4)]
    module = tmp_path / "bin" / "module.py"
    plain = SCRIPT.split("\n", 1)[1]  # no #! line: a module, whatever its folder
    (script.parent / "__init__.py").unlink()
    assert findings(plain, tmp_path, file=module) == [("REL101", 2), ("REL102", 3)]


def test_the_package_marker_is_a_related_file(tmp_path: Path) -> None:
    ruleset = build_ruleset(Config(root=tmp_path))
    rel101 = ruleset.standards["REL101"]
    target = tmp_path / "bin" / "release.py"
    assert list(CallRequiresKeyword.related_files(rel101, ruleset.config, target)) == [tmp_path / "bin" / "__init__.py"]
    assert list(CallRequiresKeyword.related_files(rel101, ruleset.config, None)) == []


LOCAL = [("git", "log"), ("free", None), ("awk", None), ("tesseract", "--list-langs"), ("rm", None)]


@pytest.mark.parametrize(
    "expr,local",
    [
        ('["git", "log", rev]', True),
        ('["git", "--no-pager", "log"]', True),
        ('("/usr/bin/git", "log")', True),
        ('["git", "fetch"]', False),
        ('["git", opts, "log"]', False),  # a value we cannot see before the subcommand
        ('["git"]', False),  # no subcommand: not the listed one
        ('[shutil.which("tesseract"), "--list-langs"]', True),
        ('[shutil.which("tesseract"), path]', False),
        ('["rm", path]', True),
        ('[program, "x"]', False),
        ('[*argv]', False),
        ("\"free -m | awk '{print $2}'\"", True),
        ('"free -m && curl http://x"', False),
        ('"free -m; $(curl x)"', False),
        ('"free -m |"', False),  # an empty segment
        ('cmd', False),
    ],
)
def test_is_local_command(expr: str, local: bool) -> None:
    module = cst.parse_module(f"import shutil\nprobe({expr})\n")
    names = NameResolver(module)
    statement = module.body[1]
    assert isinstance(statement, cst.SimpleStatementLine)
    call = statement.body[0].value  # type: ignore[attr-defined]
    assert is_local_command(names, call.args[0].value, LOCAL) is local


@pytest.mark.parametrize(
    "table,key",
    [
        ({"targets": ["a.b"], "local-commands": ["git log --oneline"]}, "local-commands"),
        ({"targets": ["a.b"], "longer-than": "300"}, "longer-than"),
        ({"targets": ["a.b"], "opt-in": "yes"}, "opt-in"),
        ({"targets": ["a.b"], "fetches": {"where": 0}}, "fetches"),
    ],
)
def test_new_spec_keys_are_validated(table: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_specs([table], {}, "<test>", "standard X1")
    assert f"standard X1.calls[0].{key}" in str(error.value)


def test_module_attribute_alias_is_a_candidate() -> None:
    specs = parse_specs([{"targets": ["redis.Redis"], "keywords": ["socket_timeout"]}], {"redis.StrictRedis": "redis.Redis"}, "<t>", "s")
    module = cst.parse_module("import redis\nredis.StrictRedis()\nredis.Other()\n")
    names = NameResolver(module)
    calls = [s.body[0].value for s in module.body[1:]]  # type: ignore[attr-defined]
    assert specs.candidates(calls[0], names) == specs.specs
    assert specs.candidates(calls[1], names) == ()


def test_forwarded_kwargs_message_names_the_function(tmp_path: Path) -> None:
    source = "import requests\n\ndef _get(u, **kw):\n    return requests.get(u, **kw)\n\n_get('x')\n"
    result = Engine(Config(root=tmp_path, select=("REL101",))).check_source(source, "m.py")
    assert [f.message for f in result.findings] == [
        (
            "requests.get() called without timeout=; requests waits forever by default"
            " (**kw comes from _get(), and no call of _get() passes it)"
        )
    ]


def test_forwarded_kwargs_of_a_method_are_not_decided(tmp_path: Path) -> None:
    source = "import requests\n\nclass C:\n    def _get(self, u, **kw):\n        return requests.get(u, **kw)\n\n    def run(self):\n        self._get('x')\n"
    assert findings(source, tmp_path) == []


def test_forwarded_kwargs_module_is_read_whole() -> None:
    assert CallRequiresKeyword.sliceable_in("def f(**kw): pass\n") is True
    assert CallRequiresKeyword.sliceable_in("def _f(**kw): pass\n") is False
    assert CallRequiresKeyword.sliceable_in("def _f(x): pass\n") is True
