"""The generated kind index (checks/index.py): the engine imports a check kind only
when a file needs its code, using recorded facts for the rest. The index must be
current, must never vouch for a standard it was not generated from, and a run must
import exactly the kinds its files trigger."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from resilint.checks import builtin_kinds
from resilint.checks.index import (
    KindIndex,
    KindTable,
    data_path,
    generate,
    kind_index,
    params_digest,
)
from resilint.config.ruleset import build_ruleset
from resilint.config.settings import Config, load_config
from resilint.engine.core import Engine
from resilint.errors import ConfigError


def test_the_index_is_current() -> None:
    assert data_path().read_text(encoding="utf-8") == generate(), "run: python -m resilint.checks.index"


def test_every_built_in_kind_is_indexed_with_its_facts() -> None:
    refs = kind_index().refs
    kinds = {k.kind: k for k in builtin_kinds()}
    assert set(refs) == set(kinds)
    for name, kind in kinds.items():
        ref = refs[name]
        assert ref.load() is kind
        assert (ref.event, ref.reviews_suppressions) == (kind.event, kind.reviews_suppressions)
    assert [n for n, r in refs.items() if r.eager] == []  # the flag kinds name the table they read:
    assert sorted(n for n, r in refs.items() if r.config_section == "flags") == [
        "flag-default-type", "flag-key-in-manifest", "flag-key-not-expired", "flag-key-static", "flag-requires-fallback",
    ]  # fmt: skip


def test_recorded_triggers_are_the_kinds_own(tmp_path: Path) -> None:
    # The same ruleset once through the index and once with every kind's code.
    ruleset = build_ruleset(Config(root=tmp_path))
    assert len(ruleset.facts) == len(ruleset.standards) == 56
    for standard in ruleset.standards.values():
        live = ruleset.kind_of(standard).triggers_for(standard, ruleset.config)
        recorded = ruleset.triggers(standard)
        assert (None if live is None else sorted(map(repr, live))) == (
            None if recorded is None else sorted(map(repr, recorded))
        ), standard.code
        assert [s.code for s in standard.linked] == list(ruleset.facts[standard.code].linked)


def test_the_index_vouches_only_for_the_standard_it_recorded() -> None:
    standard = next(s for s in build_ruleset(Config(root=Path.cwd())).standards.values() if s.code == "REL101")
    index = KindIndex({}, {"REL101": ("call-requires-keyword", params_digest(standard.params), ["requests"], [])})
    assert index.facts(standard) is not None
    changed = {**standard.params, "keyword": "deadline"}
    import dataclasses

    assert index.facts(dataclasses.replace(standard, params=changed)) is None
    assert index.facts(dataclasses.replace(standard, check="timeout-disabled")) is None
    assert index.facts(dataclasses.replace(standard, code="ACME1")) is None


def _acme_standard(folder: Path, keyword: str) -> None:
    """A project's own standard of the built-in call-requires-keyword kind."""
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [[tool.resilint.standards]]
            code = "ACME101"
            name = "acme-call-without-deadline"
            check = "call-requires-keyword"
            category = "timeouts"
            severity = "error"
            summary = "acme calls need a deadline"
            targets = ["acme.call"]
            keyword = {keyword}
            """
        )
    )


def test_a_projects_own_standard_of_a_built_in_kind_is_validated(tmp_path: Path) -> None:
    _acme_standard(tmp_path, "5")
    with pytest.raises(ConfigError, match=r"ACME101\.keyword.*expected str"):
        build_ruleset(load_config(tmp_path))


def test_a_project_standard_of_a_built_in_kind_runs(tmp_path: Path) -> None:
    _acme_standard(tmp_path, '"deadline"')
    engine = Engine(load_config(tmp_path))
    assert "ACME101" not in engine.ruleset.facts
    result = engine.check_source("import acme\n\nacme.call(1)\nacme.call(1, deadline=2)\n", "x.py")
    assert [(f.code, f.span.line) for f in result.findings] == [("ACME101", 3)]


IMPORTED = """
    import json, sys
    from resilint.cli.main import main
    status = main(["check", "--no-cache", "--fail-on", "note", *{paths!r}])
    kinds = sorted(m for m in sys.modules if m.count(".") == 3 and m.startswith("resilint.checks.")
                   and m.split(".")[2] in {{"ai", "destructive", "engine", "errors", "flags", "migrations", "retries", "timeouts"}})
    print(json.dumps({{"status": status, "kinds": kinds}}))
"""


def _imported(tmp_path: Path, *paths: str, cache: bool = False) -> dict[str, object]:
    code = IMPORTED.format(paths=list(paths))
    if cache:
        code = code.replace('"--no-cache", ', "")
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_a_file_without_a_trigger_imports_no_kind(tmp_path: Path, cache: bool) -> None:
    (tmp_path / "plain.py").write_text("import json\n\n\ndef dump(x):\n    return json.dumps(x, indent=2)\n")
    for _ in range(2 if cache else 1):  # with the cache: filling it, then reading it
        assert _imported(tmp_path, "plain.py", cache=cache) == {"status": 0, "kinds": []}


def test_configured_flags_load_the_flag_kinds_up_front(tmp_path: Path) -> None:
    """The flag kinds read [tool.resilint.flags]: an in-house evaluator's package is a
    trigger, and a manifest is loaded before any file (a malformed one ends the run
    even when no file triggers a flag rule)."""
    (tmp_path / "pyproject.toml").write_text('[tool.resilint.flags]\nevaluators = ["acme_flags.is_on"]\n')
    (tmp_path / "plain.py").write_text("import json\n")
    (tmp_path / "app.py").write_text('import acme_flags\n\nacme_flags.is_on(f"beta-{user}")\n')
    result = _imported(tmp_path, "plain.py")
    assert result["status"] == 0 and "resilint.checks.flags.flag_key_static" in result["kinds"]  # type: ignore[operator]
    run = subprocess.run(
        [sys.executable, "-m", "resilint", "check", "--no-cache", "--format", "json", "app.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert [(f["code"], f["line"]) for f in json.loads(run.stdout)["findings"]] == [("REL303", 3)]
    (tmp_path / "pyproject.toml").write_text('[tool.resilint.flags]\nmanifest = "flags.toml"\n')
    (tmp_path / "flags.toml").write_text("[flags.old-search\n")
    run = subprocess.run(
        [sys.executable, "-m", "resilint", "check", "--no-cache", "plain.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 2 and "flags.toml" in run.stderr and "invalid TOML" in run.stderr


def test_a_triggered_file_imports_the_kinds_it_triggers(tmp_path: Path) -> None:
    text = "import requests\n\n\ndef get(url):\n    return requests.get(url)\n"
    (tmp_path / "client.py").write_text(text)
    result = _imported(tmp_path, "client.py")
    engine = Engine(Config(root=tmp_path))
    human = tuple(s for s in engine.ruleset.active if not s.ai_only)  # no line here is AI-assisted
    triggered = {kind_index().refs[s.check].module for s in engine._triggered(text, human)}
    kind_modules = {ref.module for ref in kind_index().refs.values()}
    imported = set(result["kinds"]) & kind_modules  # type: ignore[arg-type]
    assert result["status"] == 1
    assert "resilint.checks.timeouts.call_requires_keyword" in triggered
    assert imported == triggered
    assert not any(".migrations." in m for m in result["kinds"])  # type: ignore[union-attr]


def test_a_plugin_may_return_the_built_in_class_itself(tmp_path: Path) -> None:
    from resilint.config.plugins import build_registry
    from resilint.hookspecs import hookimpl

    kind = kind_index().refs["nested-retry"].load()

    class Plugin:
        @hookimpl
        def resilint_check_kinds(self) -> list[type]:
            return [kind]

    registry = build_registry([Plugin()])
    assert registry.errors == []
    assert KindTable(registry.kinds)["nested-retry"] is kind


def test_the_prebuilt_rules_are_current_and_equal_to_parsing() -> None:
    from resilint.checks.index import generate_prebuilt, prebuilt_path
    from resilint.config import _toml
    from resilint.config.standards import builtin_rules_dir

    assert prebuilt_path().read_text(encoding="utf-8") == generate_prebuilt(), "run: python -m resilint.checks.index"
    files = sorted(builtin_rules_dir().rglob("*.toml"))
    assert len(files) == 11
    for path in files:
        text = path.read_text(encoding="utf-8")
        first = _toml.loads_builtin(text)
        assert first == _toml.loads(text), path
        first.clear()  # each call builds fresh tables: a caller's change is its own
        assert _toml.loads_builtin(text) == _toml.loads(text), path


def test_an_edited_rules_file_is_parsed_not_taken_from_the_prebuilt_copy() -> None:
    from resilint.config import _toml
    from resilint.config.standards import builtin_rules_dir

    text = (builtin_rules_dir() / "overrides.toml").read_text(encoding="utf-8")
    edited = text + '\n[[overrides]]\nname = "acme"\npaths = ["acme/**"]\nignore = ["REL1"]\n'
    assert _toml.loads_builtin(edited)["overrides"][-1] == {"name": "acme", "paths": ["acme/**"], "ignore": ["REL1"]}


def test_active_standards_per_path_are_computed_once_per_set_of_overrides(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.resilint]\n[[tool.resilint.overrides]]\npaths = ["legacy/**"]\nignore = ["REL1"]\n'
    )
    config = load_config(tmp_path)
    shared = build_ruleset(config)
    paths = ["app/a.py", "tests/test_a.py", "legacy/a.py", "tests/test_b.py", "legacy/b.py", "legacy/tests/test_c.py"]
    for path in paths:  # the shared ruleset answers from its cache after the first file of a set
        assert [s.code for s in shared.active_for(path)] == [s.code for s in build_ruleset(config).active_for(path)], path
    assert shared.active_for("app/a.py") is shared.active
    assert shared.active_for("tests/test_b.py") is shared.active_for("tests/test_a.py")
    assert shared.active_for("legacy/b.py") is shared.active_for("legacy/a.py")
    assert len(shared._active_by_overrides) == 3  # computed for: tests, legacy, both


def test_a_standard_whose_linked_standard_changed_is_not_vouched_for() -> None:
    """REL102's triggers include those of the standards it links (REL101's calls):
    when REL101 is not the indexed one, REL102's recorded triggers are not used."""
    import dataclasses

    from resilint.config.plugins import Registry, default_registry

    builtin = default_registry()
    changed = [
        dataclasses.replace(s, params={**s.params, "keyword": "deadline"}) if s.code == "REL101" else s
        for s in builtin.standards
    ]
    registry = Registry(kinds=dict(builtin.kinds), standards=changed)
    ruleset = build_ruleset(Config(root=Path.cwd()), registry)
    assert "REL101" not in ruleset.facts and "REL102" not in ruleset.facts and "REL103" in ruleset.facts
    rel102 = ruleset.standards["REL102"]
    assert set(map(repr, ruleset.triggers(rel102))) == set(map(repr, ruleset.kind_of(rel102).triggers_for(rel102, ruleset.config)))
