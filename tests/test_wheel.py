"""A real, non-editable wheel installed into a fresh virtualenv finds its standards
(rules/*.toml ship inside the wheel as resilint/rules)."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_the_standards(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("resilint-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    where = subprocess.run(
        [str(python), "-c", "import resilint.config.standards as s; print(s.builtin_rules_dir())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert where.startswith(str(env_dir)) and where.endswith("resilint/rules"), where
    shipped = sorted(p.name for p in Path(where).glob("*.toml"))
    assert shipped == sorted(p.name for p in (ROOT / "rules").glob("*.toml"))
    sample = tmp_path / "sample.py"
    sample.write_text("import requests as rq\nrq.get(u)\n")
    run = subprocess.run(
        [str(env_dir / "bin" / "resilint"), "check", "--no-cache", str(sample.name)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0 and "REL101" in run.stdout, run.stdout + run.stderr
