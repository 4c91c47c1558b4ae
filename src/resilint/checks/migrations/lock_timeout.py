"""The ``lock-timeout`` check kind (REL423): a migration takes an ACCESS EXCLUSIVE lock (or
builds an index without CONCURRENTLY) without a ``lock_timeout``.

A schema change waits for its lock behind every running transaction on the table, and
everything that arrives afterwards queues behind the waiting migration: one long-running query
turns a millisecond ``ALTER TABLE`` into an outage. ``SET lock_timeout`` makes the migration give
up (and be retried) instead; ``statement_timeout`` bounds the statement itself (squawk's
``require-timeout-settings``, strong_migrations' timeouts).

Reported once per migration, at its first lock-taking operation on an existing table, unless
the timeout is set before it in the migration's own SQL (``SET lock_timeout``), or the project
sets it for every migration: ``[tool.resilint.migrations] sets-lock-timeout = true`` (a role
setting, the deploy script...), or, read statically, a literal ``lock_timeout`` in a Django
settings module (``DATABASES[...]["OPTIONS"]["options"] = "-c lock_timeout=5s"``,
django-pg-zero-downtime-migrations' ``ZERO_DOWNTIME_MIGRATIONS_LOCK_TIMEOUT``) or in the Alembic
``env.py`` next to the revisions.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import libcst as cst

from resilint.checks.common.arguments import keyword_arg
from resilint.checks.migrations import sql
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration
from resilint.checks.migrations.lock_context import alembic_table, on_existing_table
from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.project import alembic_env_files
from resilint.checks.migrations.sql_locks import (
    BLOCKING,
    LockStatement,
    lock_statements,
)
from resilint.checks.migrations.zero_downtime import settings_files
from resilint.engine.literals import literal_bool
from resilint.rule import Param


class LockTimeout(MigrationRule):
    kind = "lock-timeout"
    description = "A migration takes an exclusive lock without a lock_timeout."
    wants_lock_sql = True
    parameters = {
        "django": Param(list, doc="Django operations that lock an existing table"),
        "alembic": Param(list, doc="Alembic operations that lock an existing table"),
        "advice-django": Param(str, doc="how to set it in Django"),
        "advice-alembic": Param(str, doc="how to set it in Alembic"),
    }

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        self.timeout_set = False
        self.done = False

    def _off(self) -> bool:
        if self.database != "postgresql" or self.settings.sets_lock_timeout:
            return True
        alembic = self.framework == "alembic" and self.context.file is not None
        return project_sets_lock_timeout(str(self.context.config.root), self.framework or "",
                                         str(self.context.file.parent) if alembic else "")

    def _report(self, node: cst.CSTNode, what: str) -> None:
        if self.done or self.timeout_set:
            return
        self.done = True
        if self._off():
            return
        advice = self.param("advice-alembic" if self.framework == "alembic" else "advice-django")
        self.report(node, f"{what} takes an exclusive lock with no lock_timeout (nor statement_timeout) set: "
                          f"waiting behind one long transaction, it blocks every query on the table; {advice}")

    def on_django(self, migration: DjangoMigration) -> None:
        for op in migration.operations:
            if op.name == "RunSQL":
                argument = op.arg("sql")
                for template in sql.templates(argument, self.names, sequence=True) if argument is not None else ():
                    for statement in lock_statements(template.text):
                        if statement.kind == "set-lock-timeout":
                            self.timeout_set = True
                        elif statement.kind in BLOCKING:
                            self._report(op.call, f"{self.written(op.call)}() ({statement.sql!r})")
            elif op.name in self.param("django") and on_existing_table(self, migration, op):
                record = self.record(op)
                if record is not None and record.model_before is not None and record.model_before.known \
                        and not record.model_before.has_table:
                    continue
                self._report(op.call, f"{self.written(op.call)}()")

    def on_alembic(self, op: AlembicOp) -> None:
        if op.name not in self.param("alembic") or self.in_autocommit:
            return
        table = alembic_table(op)
        if table is not None and table in self.created_tables[-1]:
            return
        concurrent = keyword_arg(op.call, ("postgresql_concurrently",))
        if concurrent is not None and literal_bool(concurrent.value) is True:
            return
        self._report(op.call, f"{self.written(op.call)}()")

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.framework == "django":
            return  # RunSQL is judged in on_django, in operation order
        if statement.kind == "set-lock-timeout":
            self.timeout_set = True
        elif statement.kind in BLOCKING and not (statement.table is not None and statement.table in place.created):
            self._report(call, f"{self.written(call)}() ({statement.sql!r})")


@lru_cache(maxsize=64)
def project_sets_lock_timeout(root: str, framework: str, folder: str) -> bool:
    """A literal ``lock_timeout`` in the project's Django settings modules, or in the Alembic
    ``env.py`` above the revisions folder (string constants and assigned names, never comments)."""
    if framework == "alembic":
        return any(candidate.is_file() and _mentions_lock_timeout(candidate) for candidate in alembic_env_files(Path(folder)))
    # the same settings modules the zero-downtime marker reads (and the result cache keys on)
    return any(_mentions_lock_timeout(path) for path in settings_files(root))


def _mentions_lock_timeout(path: Path) -> bool:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "lock_timeout" in node.value.lower():
            return True
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "ZERO_DOWNTIME_MIGRATIONS_LOCK_TIMEOUT" for t in node.targets):
            return not (isinstance(node.value, ast.Constant) and node.value.value is None)
    return False
