"""Every fixture file under fixtures/rules/ runs through the real CLI; findings
must equal the inline expectations exactly, both ways (path, line, code).

Each folder is checked in one run from inside it, so a folder may carry its
own pyproject.toml (a flag manifest, tiers, AI paths)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, run_resilint
from expectations import expectations

RULE_FIXTURES = FIXTURES / "rules"
FOLDERS = sorted({p.parent for p in RULE_FIXTURES.rglob("*.py")})


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.relative_to(RULE_FIXTURES).as_posix() for f in FOLDERS])
def test_fixture_folder(folder: Path) -> None:
    files = sorted(folder.glob("*.py"))
    run = run_resilint("check", "--format", "json", "--no-cache", "--today", "2026-06-01", *[f.name for f in files], cwd=folder)
    assert run.returncode in (0, 1), run.stderr
    report = run.json()
    assert report["errors"] == []
    got = {(f["path"], f["line"], f["code"]) for f in report["findings"]}
    wanted: set[tuple[str, int, str]] = set()
    for file in files:
        wanted |= expectations(file, file.name)
    missing = sorted(wanted - got)
    unexpected = sorted(got - wanted)
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


def test_every_rule_has_a_fixture() -> None:
    """Each built-in code appears in at least one fixture expectation (engine codes aside)."""
    from resilint.config.ruleset import build_ruleset
    from resilint.config.settings import Config

    codes = set(build_ruleset(Config(root=FIXTURES)).standards)
    expected: set[str] = set()
    # fixtures/diff/ holds the diff-mode standards' fixtures (tests/test_rel306.py runs them in git)
    for file in [*RULE_FIXTURES.rglob("*.py"), *(FIXTURES / "diff").rglob("*.py")]:
        expected |= {code for _p, _l, code in expectations(file, file.name)}
    missing = sorted(codes - expected - {"REL002"})  # REL002 is proven in tests/test_engine.py
    assert not missing, f"codes with no fixture expectation: {missing}"
