"""Start-up: heavy dependencies load on first use (resilint/lazy.py).

A run whose files hold no trigger must not import libcst (issue 18's start-up
target); module-level code must not touch libcst names, or the first module
doing so loads it for every run. Each check runs in a fresh interpreter,
because this test process has long imported libcst.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import make_distribution

SRC = Path(__file__).resolve().parents[1] / "src" / "resilint"
HEAVY = ("libcst", "sqlglot")


def _run(code: str, cwd: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


CHECK = """
    import json
    from resilint.cli.main import main
    status = main(["check", "--no-cache", "--fail-on", "note", "{path}"])
    import sys
    from resilint.lazy import is_loaded
    history = "resilint.checks.migrations.history" in sys.modules  # the migration history replay
    print(json.dumps({{"status": status, "libcst": is_loaded("libcst"), "sqlglot": is_loaded("sqlglot"), "history": history}}))
"""


def test_a_file_without_a_trigger_never_loads_libcst(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("import json\n\n\ndef dump(x):\n    return json.dumps(x, indent=2)\n")
    result = _run(CHECK.format(path="plain.py"), tmp_path)
    assert result == {"status": 0, "libcst": False, "sqlglot": False, "history": False}


def test_a_triggered_file_loads_libcst_and_is_checked(tmp_path: Path) -> None:
    # The other side of the same switch: a trigger parses, and the finding proves it.
    (tmp_path / "client.py").write_text("import requests\n\n\ndef get(url):\n    return requests.get(url)\n")
    result = _run(CHECK.format(path="client.py"), tmp_path)
    assert result == {"status": 1, "libcst": True, "sqlglot": False, "history": False}


def test_a_sql_migration_loads_sqlglot(tmp_path: Path) -> None:
    migration = tmp_path / "app" / "migrations" / "0002_index.py"
    migration.parent.mkdir(parents=True)
    (migration.parent / "__init__.py").write_text("")
    migration.write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = []\n"
        '    operations = [migrations.RunSQL("CREATE INDEX i ON t (c)")]\n'
    )
    result = _run(CHECK.format(path="app/migrations/0002_index.py"), tmp_path)
    assert result == {"status": 1, "libcst": True, "sqlglot": True, "history": True}


def test_the_deferred_module_behaves_as_the_package(tmp_path: Path) -> None:
    result = _run(
        """
        import json, sys, threading
        import resilint
        from resilint.lazy import is_loaded
        import libcst as cst
        import libcst as again  # a second import statement reads __spec__: must not load
        before = is_loaded("libcst")
        names = []
        def parse():
            names.append(type(cst.parse_expression("a.b")).__name__)
        threads = [threading.Thread(target=parse) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        from libcst import Call
        import libcst.metadata
        listed = "parse_module" in dir(cst)
        print(json.dumps({"before": before, "after": is_loaded("libcst"), "names": names,
                          "same": again is cst is sys.modules["libcst"], "call": Call is cst.Call,
                          "metadata": hasattr(libcst.metadata, "PositionProvider"), "dir": listed}))
        """,
        tmp_path,
    )
    assert result == {
        "before": False,
        "after": True,
        "names": ["Attribute"] * 8,
        "same": True,
        "call": True,
        "metadata": True,
        "dir": True,
    }


def test_a_missing_name_is_an_attribute_error_after_loading(tmp_path: Path) -> None:
    result = _run(
        """
        import json
        import resilint
        import libcst as cst
        try:
            cst.NoSuchNode
        except AttributeError as exc:
            print(json.dumps({"error": str(exc), "module": cst.Module.__name__}))
        """,
        tmp_path,
    )
    assert result == {"error": "module 'libcst' has no attribute 'NoSuchNode'", "module": "Module"}


def _import_time_uses(path: Path) -> list[str]:
    """Where ``path`` touches libcst or sqlglot while being imported: ``from
    libcst import``/``import libcst.x`` at module level, or a name bound to them
    read in module or class bodies, decorators, defaults or base classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: set[str] = set()
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in HEAVY:
                    bound.add(alias.asname or alias.name.split(".")[0])
                    if "." in alias.name:
                        found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in HEAVY:
            found.append(f"{node.lineno}: from {node.module} import ...")

    def reads(expr: ast.AST) -> None:
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Name) and sub.id in bound and isinstance(sub.ctx, ast.Load):
                found.append(f"{sub.lineno}: {sub.id}")

    def body(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for expr in [*statement.decorator_list, *statement.args.defaults, *statement.args.kw_defaults]:
                    if expr is not None:
                        reads(expr)
            elif isinstance(statement, ast.ClassDef):
                for expr in [*statement.decorator_list, *statement.bases, *(k.value for k in statement.keywords)]:
                    reads(expr)
                body(statement.body)
            elif isinstance(statement, ast.AnnAssign):
                if statement.value is not None:
                    reads(statement.value)
            elif isinstance(statement, ast.If) and ast.unparse(statement.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                body(statement.orelse)
            elif isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                for field in ("test", "iter", "items"):
                    value = getattr(statement, field, None)
                    if isinstance(value, ast.AST):
                        reads(value)
                    elif isinstance(value, list):
                        for item in value:
                            reads(item)
                body(statement.body)
                body(getattr(statement, "orelse", []))
                body(getattr(statement, "finalbody", []))
                for handler in getattr(statement, "handlers", []):
                    body(handler.body)
            elif not isinstance(statement, (ast.Import, ast.ImportFrom)):
                reads(statement)

    body(tree.body)
    return found


def test_no_module_touches_a_deferred_package_while_being_imported() -> None:
    offenders = {
        str(path.relative_to(SRC)): uses for path in sorted(SRC.rglob("*.py")) if (uses := _import_time_uses(path))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import libcst as cst\nX = (cst.Name, cst.Call)\n", ["2: cst", "2: cst"]),
        ("import libcst as cst\nclass V(cst.CSTVisitor):\n    pass\n", ["2: cst"]),
        ("from libcst import Name\n", ["1: from libcst import ..."]),
        ("import libcst.metadata\n", ["1: import libcst.metadata"]),
        ("import libcst as cst\ndef f(node: cst.Name = None):\n    return cst.Name('x')\n", []),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from libcst import Name\n", []),
    ],
)
def test_the_import_time_scan_itself(tmp_path: Path, source: str, expected: list[str]) -> None:
    path = tmp_path / "module.py"
    path.write_text(source)
    assert _import_time_uses(path) == expected


def test_the_language_server_preloads_libcst_for_its_workers(tmp_path: Path) -> None:
    # The fork server imports worker.PRELOAD once; every checker worker forked
    # from it (the first and each restart) must find libcst loaded, not deferred.
    result = _run(
        """
        import importlib, json
        from resilint.lsp.worker import PRELOAD
        from resilint.lazy import is_loaded
        before = is_loaded("libcst")
        for name in PRELOAD:
            importlib.import_module(name)
        print(json.dumps({"before": before, "after": is_loaded("libcst")}))
        """,
        tmp_path,
    )
    assert result == {"before": False, "after": True}


def test_dir_of_a_deferred_module_lists_the_package(tmp_path: Path) -> None:
    result = _run(
        """
        import json
        import resilint
        import libcst as cst
        from resilint.lazy import is_loaded
        names = dir(cst)
        print(json.dumps({"parse_module": "parse_module" in names, "loaded": is_loaded("libcst")}))
        """,
        tmp_path,
    )
    assert result == {"parse_module": True, "loaded": True}


def test_a_deferred_package_that_fails_to_import_fails_at_every_use(tmp_path: Path) -> None:
    (tmp_path / "brokenpkg").mkdir()
    (tmp_path / "brokenpkg" / "__init__.py").write_text("raise ImportError('boom: a missing native library')\n")
    result = _run(
        """
        import json, sys
        sys.path.insert(0, ".")
        from resilint.lazy import defer, is_loaded
        defer("brokenpkg")
        import brokenpkg as first
        errors = []
        for _ in range(2):
            try:
                first.anything
            except ImportError as exc:
                errors.append(str(exc))
        print(json.dumps({"errors": errors, "loaded": is_loaded("brokenpkg")}))
        """,
        tmp_path,
    )
    assert result == {"errors": ["boom: a missing native library"] * 2, "loaded": False}


PLUGIN_PROBE = """
    import json, sys
    from resilint.config.plugins import default_registry
    registry = default_registry()
    print(json.dumps({"metadata": "importlib.metadata" in sys.modules, "kinds": sorted(k for k in registry.kinds if k.startswith("acme")),
                      "errors": registry.errors}))
"""


def test_plugin_discovery_skips_importlib_metadata_when_no_plugin_is_installed(tmp_path: Path) -> None:
    assert _run(PLUGIN_PROBE, tmp_path) == {"metadata": False, "kinds": [], "errors": []}


def test_an_installed_plugin_is_found_through_importlib_metadata(tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin = (
        "from resilint.hookspecs import hookimpl\nfrom resilint.rule import Rule\n\n\n"
        "class AcmeKind(Rule):\n    kind = 'acme-kind'\n\n\n"
        "@hookimpl\ndef resilint_check_kinds():\n    return [AcmeKind]\n"
    )
    entry_points = "[console_scripts]\nacme = acme_checks:main\n\n[resilint]\nacme = acme_checks\n"
    make_distribution(site, "acme_checks", entry_points, "acme_checks", plugin)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PLUGIN_PROBE)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True, env={**os.environ, "PYTHONPATH": str(site)},
    )  # fmt: skip
    assert json.loads(out.stdout) == {"metadata": True, "kinds": ["acme-kind"], "errors": []}


def test_importing_a_submodule_first_runs_it_once(tmp_path: Path) -> None:
    """Another library's ``import libcst._nodes`` as the first use: the package's
    __init__ imports that submodule itself, and it must not run a second time into
    a module the package does not hold (hypothesmith failed on it, alone)."""
    result = _run(
        """
        import json, sys
        import resilint
        import libcst._nodes
        from libcst._nodes.expression import ExpressionPosition
        import libcst
        nodes = sys.modules["libcst._nodes"]
        print(json.dumps({"same": libcst._nodes is nodes, "whitespace": hasattr(nodes, "whitespace"),
                          "expression": ExpressionPosition is libcst._nodes.expression.ExpressionPosition,
                          "spec": nodes.__spec__.origin.endswith("_nodes/__init__.py")}))
        """,
        tmp_path,
    )
    assert result == {"same": True, "whitespace": True, "expression": True, "spec": True}


def test_a_finding_without_a_header_phrase_word_compiles_no_agent_pattern(tmp_path: Path) -> None:
    """Which lines of a file with findings are AI-assisted is asked; without a word
    every agent header phrase contains, the phrase patterns (~20 ms) are not compiled,
    nor by git provenance outside a work tree. With one, they are, and the header
    makes the file AI-assisted."""
    probe = """
        import io, json, contextlib
        from resilint.cli.main import main
        from resilint.provenance import agents
        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = main(["check", "--no-cache", "--format", "json", "{path}"])
        findings = json.loads(out.getvalue())["findings"]
        print(json.dumps({{"status": status, "ai": [f["provenance"] is not None for f in findings],
                           "compiled": agents.build_patterns.cache_info().currsize}}))
    """
    (tmp_path / "client.py").write_text("import requests\n\n\ndef get(url):\n    return requests.get(url)\n")
    assert _run(probe.format(path="client.py"), tmp_path) == {"status": 0, "ai": [False], "compiled": 0}
    (tmp_path / "agent.py").write_text("# Generated with Claude Code\nimport requests\n\nrequests.get(u)\n")
    assert _run(probe.format(path="agent.py"), tmp_path) == {"status": 1, "ai": [True], "compiled": 1}  # an AI line: the warning is an error


PARSE_STAGE = [  # what turns a parsed tree into located findings
    "resilint.engine.context",
    "resilint.engine.guard",
    "resilint.engine.names",
    "resilint.engine.positions",
    "resilint.engine.revisions",
    "resilint.engine.slicing",
    "resilint.engine.traversal",
    "resilint.engine.walk",
    "resilint.fix.plan",
    "resilint.provenance.blast",
]


@pytest.mark.parametrize(("source", "loaded"), [("import json\n\nx = json.dumps(1)\n", []), ("import requests\nrequests.get(u)\n", PARSE_STAGE)])
def test_the_parse_stage_loads_with_the_first_triggered_file(tmp_path: Path, source: str, loaded: list[str]) -> None:
    (tmp_path / "a.py").write_text(source)
    probe = f"""
        import json, sys
        from resilint.cli.main import main
        main(["check", "--no-cache", "a.py"])
        print(json.dumps(sorted(m for m in {PARSE_STAGE!r} if m in sys.modules)))
    """
    assert _run(probe, tmp_path) == loaded


def test_outside_a_work_tree_the_git_history_machinery_is_not_loaded(tmp_path: Path) -> None:
    """Every file's check asks whether a line may be AI-assisted; outside any git work
    tree the answer comes from provenance/repo.py alone, without git's blame,
    history and notes (provenance/git.py) or a subprocess."""
    (tmp_path / "plain.py").write_text("import json\n")
    probe = """
        import json, sys
        from resilint.cli.main import main
        main(["check", "--no-cache", "plain.py"])
        print(json.dumps(sorted(m for m in ("resilint.provenance.git", "resilint.git", "subprocess") if m in sys.modules)))
    """
    assert _run(probe, tmp_path) == []
