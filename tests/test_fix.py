"""Autofixes (``resilint check --fix``/``--unsafe-fixes``/``--fix-diff``), through the
installed CLI on the cases in ``fixtures/fix/``: each folder holds ``before.py``, the
expected ``after.py``, optionally a ``pyproject.toml`` and ``args.txt`` (default
``--fix --unsafe-fixes``). Every case is a round trip: fix -> the result is exactly
``after.py`` -> re-check: no finding with an applicable fix and no new finding -> a
second ``--fix`` changes nothing."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, run_resilint

CASES = sorted(p.name for p in (REPO / "fixtures" / "fix").iterdir() if p.is_dir())


def _findings(folder: Path) -> list[dict]:
    run = run_resilint("check", "--no-cache", "--format", "json", "app.py", cwd=folder)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)["findings"]


@pytest.mark.parametrize("case", CASES)
def test_round_trip(case: str, tmp_path: Path) -> None:
    source = REPO / "fixtures" / "fix" / case
    folder = tmp_path / case
    shutil.copytree(source, folder)
    (folder / "before.py").rename(folder / "app.py")
    args_file = folder / "args.txt"
    args = args_file.read_text().split() if args_file.exists() else ["--fix", "--unsafe-fixes"]
    before = _findings(folder)
    run = run_resilint("check", "--no-cache", *args, "app.py", cwd=folder)
    assert run.returncode in (0, 1), run.stderr
    assert (folder / "app.py").read_bytes() == (folder / "after.py").read_bytes()
    after = _findings(folder)
    unsafe = "--unsafe-fixes" in args
    assert [f for f in after if f["fix_safety"] == "safe" or (unsafe and f["fixable"])] == []
    assert not Counter(f["code"] for f in after) - Counter(f["code"] for f in before)  # no new finding
    fixed = len(before) - len(after)
    assert f"Fixed {fixed} finding{'' if fixed == 1 else 's'}" in run.stdout
    again = run_resilint("check", "--no-cache", *args, "app.py", cwd=folder)
    assert (folder / "app.py").read_bytes() == (folder / "after.py").read_bytes()
    assert "Fixed 0 findings" in again.stdout
