"""The result cache keys on everything a result depends on: a change to any of the
inputs a check kind declares (dependency files, the flag manifest, related files)
gives fresh findings, never a stale cached answer."""

from __future__ import annotations

from pathlib import Path

from conftest import make_distribution, run_resilint

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


RELATED_PLUGIN = '''
from pathlib import Path
from resilint.hookspecs import hookimpl
from resilint.rule import Rule


class SwitchedOn(Rule):
    """Reports the module when the file `switch.txt` beside it says "on"."""

    kind = "acme-switched-on"

    @classmethod
    def triggers(cls, standard):
        return None

    @classmethod
    def related_files(cls, standard, config, file):
        return [file.with_name("switch.txt")] if file is not None else []

    def visit_Module(self, node):
        file = self.context.file
        switch = file.with_name("switch.txt") if file is not None else None
        if switch is not None and switch.is_file() and switch.read_text().strip() == "on":
            self.report(node, "switched on")


@hookimpl
def resilint_check_kinds():
    return [SwitchedOn]


@hookimpl
def resilint_standards():
    return [{"code": "ACME100", "name": "switched-on", "check": "acme-switched-on", "severity": "warning"}]
'''


def test_a_related_file_changing_invalidates_that_files_cached_result(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_distribution(site, "acme_related", "[resilint]\nacme = acme_related\n", "acme_related", RELATED_PLUGIN)
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text('[tool.resilint]\nselect = ["ACME100"]\n')
    (work / "app.py").write_text("x = 1\n")
    switch = work / "switch.txt"
    env = {"PYTHONPATH": str(site)}

    def codes() -> list[str]:
        run = run_resilint("check", "--format", "json", ".", cwd=work, env=env)
        return [f["code"] for f in run.json()["findings"]]

    assert codes() == []  # no switch file yet; the result is cached
    switch.write_text("on\n")
    assert codes() == ["ACME100"]
    switch.write_text("off\n")
    assert codes() == []
    switch.unlink()
    assert codes() == []
