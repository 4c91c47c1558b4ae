"""Every standard's Valid/Invalid examples (the same ones `resilint explain`
prints) run as tests: invalid examples must be reported with that code,
valid ones must not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from resilint.config.ruleset import build_ruleset
from resilint.config.settings import Config, parse_config
from resilint.engine.core import Engine

ROOT = Path(__file__).resolve().parents[1]
RULESET = build_ruleset(Config(root=ROOT))
STANDARDS = sorted(RULESET.standards.values(), key=lambda s: s.code)
CASES = [
    pytest.param(s, kind, i, example, id=f"{s.code}-{kind}-{i}")
    for s in STANDARDS
    for kind, examples in (("invalid", s.invalid), ("valid", s.valid))
    for i, example in enumerate(examples)
]


def _engine_for(standard, tmp_path: Path) -> Engine:
    config = Config(root=tmp_path)
    for name, text in standard.example_files.items():  # e.g. the flag manifest the config names
        (tmp_path / name).write_text(text, encoding="utf-8")
    if standard.example_config:
        config = parse_config(dict(standard.example_config), tmp_path / "pyproject.toml")
    # AI-only standards can only fire on AI-assisted lines: examples run as such.
    return Engine(dataclasses.replace(config, force_ai=standard.ai_only, today=None))


@pytest.mark.parametrize("standard,kind,index,example", CASES)
def test_example(standard, kind: str, index: int, example: str, tmp_path: Path) -> None:
    engine = _engine_for(standard, tmp_path)
    if getattr(RULESET.kind_of(standard), "needs_changes", False):
        # a check of the diff mode: the example is a new file, every line of it changed
        changed = frozenset(range(1, example.count("\n") + 2))
        result = engine.check_source(example, "example.py", file=tmp_path / "example.py", changed=changed)
    else:
        result = engine.check_source(example, "example.py")
    codes = [f.code for f in result.findings]
    if kind == "invalid":
        assert standard.code in codes, f"{standard.code} invalid example {index} not reported:\n{example}"
    else:
        assert standard.code not in codes, f"{standard.code} valid example {index} reported:\n{example}\n{result.findings}"


@pytest.mark.parametrize(
    "standard", [s for s in STANDARDS if s.code not in ("REL002", "REL410", "REL411")], ids=lambda s: s.code
)
def test_every_standard_has_examples(standard) -> None:
    """REL002 (a rule crashed) cannot be shown by an example; tests/test_engine.py proves it.
    REL410/REL411 (a migration's history) need an app folder of several migrations, not one
    snippet: tests/test_migrations_history.py proves them on generated apps. REL426 (a drop in
    the change that removes the model field) needs two git revisions, not one snippet: only its
    valid examples run here, tests/test_migrations_deploy_ordering.py proves it on real repositories."""
    if standard.code != "REL426":
        assert standard.invalid, f"{standard.code} has no invalid example"
    assert standard.valid, f"{standard.code} has no valid example"
    assert standard.rationale and standard.fix and standard.summary
