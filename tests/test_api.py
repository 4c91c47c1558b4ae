"""One API object: every front end goes through resilint.api, which builds a
configuration once per folder and a ruleset and engine once per configuration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from resilint import api
from resilint.engine import core

SRC = Path(__file__).resolve().parents[1] / "src" / "resilint"
BAD_CALL = "import requests\nrequests.get(u)\n"


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count configuration loads and engine constructions (the real ones run)."""
    seen = {"config": 0, "engine": 0}
    load_config = api.load_config
    engine_init = core.Engine.__init__

    def counting_load(*args, **kwargs):
        seen["config"] += 1
        return load_config(*args, **kwargs)

    def counting_init(self, *args, **kwargs):
        seen["engine"] += 1
        engine_init(self, *args, **kwargs)

    monkeypatch.setattr(api, "load_config", counting_load)
    monkeypatch.setattr(core.Engine, "__init__", counting_init)
    return seen


def test_five_check_source_calls_build_config_and_engine_once(tmp_path: Path, counts: dict[str, int]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    results = [api.check_source(BAD_CALL, tmp_path / f"m{i}.py") for i in range(5)]
    assert [[f.code for f in r] for r in results] == [["REL101"]] * 5
    assert counts == {"config": 1, "engine": 1}


def test_a_changed_pyproject_is_reloaded(tmp_path: Path, counts: dict[str, int]) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.resilint]\n")
    assert [f.code for f in api.check_source(BAD_CALL, tmp_path / "m.py")] == ["REL101"]
    config.write_text('[tool.resilint]\nignore = ["REL101"]\n# longer: the size changes too\n')
    assert api.check_source(BAD_CALL, tmp_path / "m.py") == []
    assert counts == {"config": 2, "engine": 2}


def test_flake8_on_several_files_builds_config_and_engine_once(
    tmp_path: Path, counts: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flake8.main.application import Application

    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    files = []
    for i in range(4):
        path = tmp_path / f"m{i}.py"
        path.write_text(BAD_CALL)
        files.append(str(path))
    monkeypatch.chdir(tmp_path)
    app = Application()
    app.run(["--select=REL", "--jobs=1", "--isolated", *files])
    assert app.result_count == 4
    assert counts == {"config": 1, "engine": 1}


def _calls(tree: ast.AST, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in names:
                found.append(name)
    return found


# Who may build what: the API owns configurations and engines. The rule-reference
# generator builds the built-in ruleset of an empty configuration on purpose (the
# docs must not depend on the folder it runs in), as the kind index records triggers
# under the default configuration; an Engine given no ruleset (the engine's own unit
# tests) builds one.
ALLOWED = {
    "engine/core.py": {"build_ruleset"},
    "api.py": {"load_config", "Engine", "build_ruleset"},
    "config/settings.py": {"Config", "load_config"},
    "config/ruleset.py": {"build_ruleset"},
    "explain/reference.py": {"Config", "build_ruleset"},
    "checks/index.py": {"Config"},
}


def test_no_front_end_runner_or_diff_mode_builds_config_or_engine_itself() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        allowed = ALLOWED.get(relative, set())
        for name in _calls(ast.parse(path.read_text(encoding="utf-8")), {"Config", "load_config", "Engine", "build_ruleset"}):
            if name not in allowed:
                offenders.append(f"{relative}: {name}()")
    assert offenders == []
