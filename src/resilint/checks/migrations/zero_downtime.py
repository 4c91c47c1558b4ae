"""django-pg-zero-downtime-migrations: a database backend that makes some operations safe.

A project whose ``DATABASES`` ``ENGINE`` is ``django_zero_downtime_migrations.backends.postgres``
(or ``.postgis``) runs every Django migration through that backend's schema editor, which
(https://github.com/tbicr/django-pg-zero-downtime-migrations, README "How it works" and
``backends/postgres/schema.py``):

- builds and drops every index ``CONCURRENTLY`` (``AddIndex``, ``RemoveIndex``, ``db_index=True``,
  the index of a foreign key, ``index_together``): REL406's operation forms are safe;
- adds foreign keys and CHECK constraints ``NOT VALID``, then ``VALIDATE CONSTRAINT``: REL413 and
  REL414's operation forms are safe;
- adds UNIQUE and PRIMARY KEY constraints as ``CREATE UNIQUE INDEX CONCURRENTLY`` + ``ADD CONSTRAINT
  ... USING INDEX`` (``unique=True``, ``UniqueConstraint``, ``unique_together``, a one-to-one
  field): REL415's operation forms are safe;
- sets NOT NULL on an existing column through ``CHECK (col IS NOT NULL) NOT VALID``, ``VALIDATE``,
  ``SET NOT NULL`` (no scan under the exclusive lock on PostgreSQL 12+): REL405's set-NOT-NULL case
  is safe (its type changes are not);
- runs migrations without a transaction (``atomic=False`` forced; ``RunPython`` keeps its own): a
  schema change and a backfill no longer share one (REL425), and ``RunSQL`` is not inside one
  (``CREATE INDEX CONCURRENTLY``, ``BEGIN``/``COMMIT``, ``ALTER TYPE ... ADD VALUE`` there are fine:
  REL406's in-transaction case, REL421, REL422);
- with ``ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT = True`` (Django < 5.0 only) keeps a field's
  ``default=`` as the column's database default: an ``AddField`` NOT NULL with ``default=`` is safe
  (REL404).

It does NOT make safe: ``RunSQL`` statements (run as written: a plain ``CREATE INDEX`` there is still
REL406), drops and renames for the old code still running (REL401-REL403, REL426), exclusion
constraints (REL416), column type changes (REL405), ``ADD COLUMN NOT NULL`` without a database
default (REL404), rewriting defaults (REL417), unindexed foreign keys (REL419), unbatched backfills
(REL409), ``VACUUM FULL``/``CLUSTER``/``LOCK`` (REL420), and it sets ``lock_timeout`` only when
``ZERO_DOWNTIME_MIGRATIONS_LOCK_TIMEOUT`` is set (REL423 reads that already). With
``ZERO_DOWNTIME_MIGRATIONS_RAISE_FOR_UNSAFE = True`` the backend refuses its unsafe operations
when the migration runs; resilint still reports them when the migration is written.

The backend is read statically from the settings modules (``settings*.py``, ``settings/*.py``): a
literal ``"ENGINE": "django_zero_downtime_migrations.backends.postgres"`` (a dict entry, a
``DATABASES[...]["ENGINE"] = ...`` assignment, or ``engine=`` of a call such as
``dj_database_url.config(engine=...)``). When another PostgreSQL ENGINE literal is written as well
(test or local settings), the reading is ambiguous and the backend is not assumed.
``[tool.resilint.migrations] zero-downtime-backend = true | false`` says so explicitly. A folder
with a ``[tool.resilint]`` configuration of its own is another project and is not searched.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from resilint.config.settings import Config

BACKENDS = frozenset({
    "django_zero_downtime_migrations.backends.postgres",
    "django_zero_downtime_migrations.backends.postgis",
})
# Django's own PostgreSQL backends (and the usual third-party ones): written beside the zero-downtime
# backend, they make the reading ambiguous.
_OTHER_POSTGRESQL = frozenset({
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
    "django.contrib.gis.db.backends.postgis",
})
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "site-packages", "migrations"})


@dataclass(frozen=True)
class ZeroDowntimeBackend:
    """The backend in use, and the settings of it that change what is safe."""

    keep_default: bool = False  # ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT = True
    raise_for_unsafe: bool = False  # ZERO_DOWNTIME_MIGRATIONS_RAISE_FOR_UNSAFE = True
    source: str = ""  # the settings file that names it ("" when the configuration says so)


def backend_for(config: Config) -> ZeroDowntimeBackend | None:
    """The backend the project's Django migrations run through, or None."""
    declared = getattr(config.migrations, "zero_downtime_backend", None)
    if declared is False or config.migrations.database != "postgresql":
        return None
    found = read_settings(str(config.root))
    if declared is True:
        return found or ZeroDowntimeBackend()
    return found


def settings_files(root: str) -> tuple[Path, ...]:
    """The settings modules under ``root`` (the inputs of the verdict, for the result cache)."""
    return _settings_files(root)


@lru_cache(maxsize=16)
def _settings_files(root: str) -> tuple[Path, ...]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")
                             and not _own_configuration(Path(dirpath) / d))
        in_settings_pkg = os.path.basename(dirpath) == "settings"
        for name in sorted(filenames):
            if name.endswith(".py") and (name.startswith("settings") or in_settings_pkg):
                found.append(Path(dirpath) / name)
    return tuple(found)


def _own_configuration(folder: Path) -> bool:
    """A folder with a ``[tool.resilint]`` configuration of its own is another project: its settings
    are not this one's."""
    try:
        return "tool.resilint" in (folder / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@lru_cache(maxsize=16)
def read_settings(root: str) -> ZeroDowntimeBackend | None:
    engines: dict[str, str] = {}  # ENGINE literal -> the file it is written in
    flags: dict[str, bool] = {}
    for path in _settings_files(root):
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
            if "ENGINE" not in source and "engine" not in source and "ZERO_DOWNTIME" not in source:
                continue
            tree = ast.parse(source)
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for engine in _engine_literals(tree):
            engines.setdefault(engine, str(path))
        for name, value in _bool_settings(tree):
            flags.setdefault(name, value)
    ours = [e for e in engines if e in BACKENDS]
    if not ours or any(e in _OTHER_POSTGRESQL for e in engines):
        return None
    return ZeroDowntimeBackend(
        keep_default=flags.get("ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT", False),
        raise_for_unsafe=flags.get("ZERO_DOWNTIME_MIGRATIONS_RAISE_FOR_UNSAFE", False),
        source=engines[ours[0]],
    )


def _engine_literals(tree: ast.Module):
    """String literals given as a database ENGINE: ``{"ENGINE": "..."}``, ``X["ENGINE"] = "..."``,
    ``f(engine="...")``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if _is_str(key, "ENGINE") and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.value
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _is_str(target.slice, "ENGINE"):
                    yield node.value.value
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "engine" and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    yield keyword.value.value


def _bool_settings(tree: ast.Module):
    """Module-level ``ZERO_DOWNTIME_MIGRATIONS_* = True/False``."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.startswith("ZERO_DOWNTIME_MIGRATIONS_"):
                    yield target.id, node.value.value


def _is_str(node: ast.expr | None, text: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == text
