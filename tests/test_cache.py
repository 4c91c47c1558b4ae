"""The result cache keys on everything a result depends on: a change to any of the
inputs a check kind declares (dependency files, the flag manifest, related files)
gives fresh findings, never a stale cached answer."""

from __future__ import annotations

from pathlib import Path

from conftest import run_resilint

REDIS = 'import redis\ncache = redis.Redis(host="cache")\n'


def _codes(folder: Path) -> list[str]:
    run = run_resilint("check", "--format", "json", "--select", "REL106", ".", cwd=folder)
    return [f["code"] for f in run.json()["findings"]]


def test_editing_requirements_in_a_subfolder_invalidates_cached_results(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    (tmp_path / "requirements").mkdir()
    pins = tmp_path / "requirements" / "base.txt"
    pins.write_text("redis==8.0.1\n")  # 8.0 has finite timeouts by default: silent
    (tmp_path / "app.py").write_text(REDIS)
    assert _codes(tmp_path) == []
    assert (tmp_path / ".resilint_cache").is_dir()  # the run above filled the cache
    pins.write_text("redis==7.2.4\n")  # before 8.0: no timeout by default
    assert _codes(tmp_path) == ["REL106"]
    pins.write_text("redis==8.0.1\n")
    assert _codes(tmp_path) == []


def test_a_lock_file_appearing_invalidates_cached_results(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = ["redis"]\n[tool.resilint]\n')
    (tmp_path / "app.py").write_text(REDIS)
    assert _codes(tmp_path) == ["REL106"]  # any redis version may be installed
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "redis"\nversion = "8.0.1"\n')
    assert _codes(tmp_path) == []
