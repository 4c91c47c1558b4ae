"""The README rule table and docs/rules.md are generated from the registered
standards; they must be current (regenerate with `python -m resilint.explain.reference`)."""

from __future__ import annotations

from pathlib import Path

from resilint.config.ruleset import build_ruleset
from resilint.config.settings import Config
from resilint.explain.reference import TABLE_BEGIN, TABLE_END, reference, rules_table

ROOT = Path(__file__).resolve().parents[1]
RULESET = build_ruleset(Config(root=ROOT))
STANDARDS = RULESET.standards.values()


def test_readme_rule_table_matches_the_standards() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == rules_table(STANDARDS), "README rule table is stale: run `python -m resilint.explain.reference`"
    for standard in STANDARDS:
        assert f"| [{standard.code}]" in table


def test_rule_reference_matches_the_standards() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == reference(STANDARDS, RULESET.kinds), "docs/rules.md is stale: run `python -m resilint.explain.reference`"


def test_readme_commands_are_the_ones_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install . && resilint check fixtures/demo" in readme
    assert 'pip install ".[test]" && python -m pytest -q' in readme
    assert "pip install .\n" in ci and "resilint check fixtures/demo" in ci
    assert 'pip install ".[test]"\npython -m pytest -q' in ci
