"""django-pg-zero-downtime-migrations as a marker: a project whose migrations run through that
backend (its DATABASES ENGINE, read statically from the settings modules, or
``zero-downtime-backend`` in [tool.resilint.migrations]) gets no findings for the Django
operations the backend runs safely (REL406, REL413-REL415, REL405's SET NOT NULL, REL425, REL404
with ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT), and keeps every other one. The fixture folder
fixtures/rules/migrations_zero_downtime/ is the project; tests/test_fixtures.py checks it as is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_resilint

from resilint.checks.migrations.zero_downtime import ZeroDowntimeBackend, read_settings

PROJECT = FIXTURES / "rules" / "migrations_zero_downtime"
SAFE = "0002_made_safe_by_the_backend.py"
KEPT = "0003_still_reported.py"
KEPT_FINDINGS = [(KEPT, 11, "REL406"), (KEPT, 13, "REL404"), (KEPT, 15, "REL405"), (KEPT, 17, "REL416"),
                 (KEPT, 19, "REL402"), (KEPT, 20, "REL403")]
# what the same migrations get without the backend: each silenced operation is a real finding
WITHOUT_BACKEND = [
    (SAFE, 15, "REL406"), (SAFE, 17, "REL406"), (SAFE, 17, "REL413"), (SAFE, 19, "REL414"), (SAFE, 21, "REL415"),
    (SAFE, 23, "REL405"), (SAFE, 25, "REL404"), (SAFE, 27, "REL406"), (SAFE, 30, "REL425"),
]


def _project(tmp_path: Path, *, pyproject: str = "", settings: str | None = None, requirements: str | None = None) -> Path:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    if pyproject:
        with (project / "pyproject.toml").open("a") as out:
            out.write(pyproject)
    if settings is not None:
        (project / "settings.py").write_text(settings)
    if requirements is not None:
        (project / "requirements.txt").write_text(requirements)
    return project


def _found(project: Path) -> list[tuple[str, int, str]]:
    run = run_resilint("check", "--format", "json", "--no-cache", ".", cwd=project / "zdshop" / "migrations")
    assert run.returncode in (0, 1), run.stderr
    assert run.json()["errors"] == []
    return sorted((f["path"], f["line"], f["code"]) for f in run.json()["findings"])


def test_backend_from_the_settings(tmp_path: Path) -> None:
    assert _found(_project(tmp_path)) == KEPT_FINDINGS


def test_configuration_turns_it_off(tmp_path: Path) -> None:
    project = _project(tmp_path, pyproject="[tool.resilint.migrations]\nzero-downtime-backend = false\n")
    assert _found(project) == sorted(WITHOUT_BACKEND + KEPT_FINDINGS)


def test_configuration_turns_it_on_without_settings(tmp_path: Path) -> None:
    """Declared without a readable settings module: the backend is on, its settings at their defaults
    (KEEP_DEFAULT False: the AddField with default= is REL404 again)."""
    project = _project(tmp_path, pyproject="[tool.resilint.migrations]\nzero-downtime-backend = true\n", settings="")
    assert _found(project) == sorted([(SAFE, 25, "REL404"), *KEPT_FINDINGS])


def test_plain_backend_reports_everything(tmp_path: Path) -> None:
    settings = 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n'
    assert _found(_project(tmp_path, settings=settings)) == sorted(WITHOUT_BACKEND + KEPT_FINDINGS)


def test_keep_default_does_nothing_on_django_5(tmp_path: Path) -> None:
    """ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT is ignored by the backend on Django 5.0+ (db_default is the way)."""
    project = _project(tmp_path, requirements="django>=5.0\n")
    assert _found(project) == sorted([(SAFE, 25, "REL404"), *KEPT_FINDINGS])


def test_postgresql_before_12_still_scans_for_not_null(tmp_path: Path) -> None:
    """The CHECK (col IS NOT NULL) trick lets SET NOT NULL skip the scan on PostgreSQL 12+ only."""
    project = _project(tmp_path, pyproject='[tool.resilint.migrations]\npostgresql = "11"\n')
    assert (SAFE, 23, "REL405") in _found(project)


# -- reading the settings ---------------------------------------------------------------------


def _read(tmp_path: Path, files: dict[str, str]) -> ZeroDowntimeBackend | None:
    root = tmp_path / "root"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return read_settings(str(root))


@pytest.mark.parametrize(
    "files",
    [
        {"proj/settings.py": 'DATABASES = {"default": {"ENGINE": "django_zero_downtime_migrations.backends.postgis"}}'},
        {"proj/settings/base.py": 'DATABASES = {}\nDATABASES["default"] = {}\n'
                                  'DATABASES["default"]["ENGINE"] = "django_zero_downtime_migrations.backends.postgres"\n'},
        {"settings_prod.py": "import dj_database_url\nDATABASES = {'default': dj_database_url.config("
                             "engine='django_zero_downtime_migrations.backends.postgres')}\n"},
    ],
    ids=["dict-postgis", "subscript", "dj-database-url"],
)
def test_engine_forms(tmp_path: Path, files: dict[str, str]) -> None:
    assert _read(tmp_path, files) == ZeroDowntimeBackend(source=str(tmp_path / "root" / next(iter(files))))


@pytest.mark.parametrize(
    "files",
    [
        # an environment variable decides; the literal is only its fallback
        {"settings.py": 'import os\nDATABASES = {"default": {"ENGINE": os.environ.get("DB_ENGINE", '
                        '"django_zero_downtime_migrations.backends.postgres")}}\n'},
        # another PostgreSQL backend written too (test or local settings): ambiguous
        {"settings/prod.py": 'DATABASES = {"default": {"ENGINE": "django_zero_downtime_migrations.backends.postgres"}}\n',
         "settings/test.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n'},
        # not a settings module
        {"proj/config.py": 'DATABASES = {"default": {"ENGINE": "django_zero_downtime_migrations.backends.postgres"}}\n'},
        # a folder with a resilint configuration of its own is another project
        {"other/pyproject.toml": "[tool.resilint]\n",
         "other/settings.py": 'DATABASES = {"default": {"ENGINE": "django_zero_downtime_migrations.backends.postgres"}}\n'},
    ],
    ids=["env-fallback", "ambiguous", "not-settings", "nested-project"],
)
def test_engine_near_misses(tmp_path: Path, files: dict[str, str]) -> None:
    assert _read(tmp_path, files) is None


def test_backend_settings_are_read(tmp_path: Path) -> None:
    files = {"settings.py": 'DATABASES = {"default": {"ENGINE": "django_zero_downtime_migrations.backends.postgres"}}\n'
                            "ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT = True\nZERO_DOWNTIME_MIGRATIONS_RAISE_FOR_UNSAFE = True\n"}
    assert _read(tmp_path, files) == ZeroDowntimeBackend(True, True, str(tmp_path / "root" / "settings.py"))
