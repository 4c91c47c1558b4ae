"""The ``schema-and-data-migration`` check kind (REL425): a data backfill runs in the same
transaction as a schema change on an existing table, after it.

The schema change takes an ACCESS EXCLUSIVE lock on the table (Django ``AddField``,
``AlterField``, ``AddConstraint``...; Alembic ``add_column``, ``alter_column``...), and a lock is
held until the transaction ends: the backfill that follows (``RunPython``, ``RunSQL``/``op.execute``
with ``UPDATE``/``INSERT``/``DELETE``, ``op.bulk_insert``) then runs with the table locked for
every reader and writer (strong_migrations, "backfilling data"; django-migration-linter warns about
mixed schema and data migrations). Not reported in a non-atomic Django migration, inside Alembic's
``autocommit_block()``, or when the schema change is on a table created in the same migration.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations import sql
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, DjangoOp
from resilint.checks.migrations.lock_context import alembic_table, on_existing_table
from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import (
    BLOCKING,
    LockStatement,
    lock_statements,
)
from resilint.rule import Param


class SchemaAndDataMigration(MigrationRule):
    kind = "schema-and-data-migration"
    zero_downtime_safe = True  # django-pg-zero-downtime-migrations runs schema changes outside a transaction
    description = "A data backfill runs in the same transaction as a schema change on an existing table."
    wants_lock_sql = True
    parameters = {
        "django-schema": Param(list, doc="Django operations that lock an existing table"),
        "alembic-schema": Param(list, doc="Alembic operations that lock an existing table"),
        "alembic-data": Param(list, doc="Alembic operations that write rows, e.g. ['bulk_insert']"),
        "advice-django": Param(str, doc="the Django way"),
        "advice-alembic": Param(str, doc="the Alembic way"),
    }

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        self.locked: str | None = None  # the first schema operation that locked an existing table (Alembic)
        self.reported = False

    # -- Django ------------------------------------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        if not migration.atomic or self.database != "postgresql":
            return  # MySQL commits each DDL statement itself; SQLite locks the whole file for any write
        locker: DjangoOp | None = None
        for op in migration.operations:
            if locker is None and op.name in self.param("django-schema") and on_existing_table(self, migration, op) \
                    and not self._state_only(op):
                locker = op
                continue
            if locker is None:
                continue
            if self._is_data(op):
                self.report(op.call, f"{self.written(op.call)}() writes data in the same transaction as "
                                     f"{self.written(locker.call)}(), which keeps the table "
                                     f"locked for every reader and writer until the backfill ends; "
                                     f"{self.param('advice-django')}")
                return

    def _state_only(self, op: DjangoOp) -> bool:
        """No table (proxy/unmanaged), or an AlterField Django emits no SQL for (choices, help_text...)."""
        record = self.record(op)
        if record is None or record.model_before is None or not record.model_before.known:
            return False
        if not record.model_before.has_table:
            return True
        if op.name != "AlterField" or record.previous is None or record.field is None:
            return False
        history, key = self.facts.history, self.facts.key
        if history is None or key is None:
            return False
        from resilint.checks.migrations.history.django_changes import (
            ChangeKind,
            FieldContext,
            classify_alter_field,
        )

        context = FieldContext(history.state_before(*key), record.app, record.model_before, record.name)
        change = classify_alter_field(record.previous, record.field, self.database, context=context,
                                      resolver=self.facts.resolver)
        return change.kind == ChangeKind.STATE_ONLY

    def _is_data(self, op: DjangoOp) -> bool:
        if op.name == "RunPython":
            code = op.arg("code")
            qualname = self.names.qualified_name(code) if code is not None else None
            return code is not None and not (qualname or "").endswith("RunPython.noop") and not (
                isinstance(code, cst.Attribute) and code.attr.value == "noop")
        if op.name == "RunSQL":
            argument = op.arg("sql")
            if argument is None:
                return False
            for template in sql.templates(argument, self.names, sequence=True):
                if any(s.kind == "dml" for s in lock_statements(template.text)):
                    return True
        return False

    # -- Alembic -----------------------------------------------------------------------------

    def on_alembic(self, op: AlembicOp) -> None:
        if self.database != "postgresql" or self.in_autocommit or self.reported:
            return
        if op.name in self.param("alembic-schema") and self.locked is None:
            table = alembic_table(op)
            if table is None or table not in self.created_tables[-1]:
                self.locked = f"{self.written(op.call)}()"
            return
        if op.name in self.param("alembic-data") and self.locked is not None:
            self._report_alembic(op.call)

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.framework != "alembic" or self.reported or not place.in_transaction or self.database != "postgresql":
            return
        if statement.kind == "dml" and self.locked is not None:
            self._report_alembic(call)
        elif statement.kind in BLOCKING and self.locked is None and not (
                statement.table is not None and statement.table in place.created):
            self.locked = f"{self.written(call)}({statement.sql!r})"

    def _report_alembic(self, call: cst.Call) -> None:
        self.reported = True
        self.report(call, f"{self.written(call)}() writes data in the same transaction as {self.locked}, which keeps "
                          f"the table locked for every reader and writer until the backfill ends; "
                          f"{self.param('advice-alembic')}")
