"""The ``json-column`` check kind (REL418): a ``json`` column added where ``jsonb`` is meant.

PostgreSQL's ``json`` type has no equality operator: the application's existing queries that
compare rows (``SELECT DISTINCT``, ``UNION``, ``GROUP BY`` over the whole row) fail once the
table has a ``json`` column (strong_migrations, "adding a json column"). Django's ``JSONField``
is ``jsonb`` on PostgreSQL; Alembic's ``sa.JSON`` / ``postgresql.JSON`` and SQL ``json`` are not.
A table created in the same migration has no existing queries: not reported.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.lock_context import SA_JSON, added_column, alembic_table
from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import LockStatement
from resilint.rule import Param


class JsonColumn(MigrationRule):
    kind = "json-column"
    description = "A json column added to an existing table where jsonb is meant (PostgreSQL)."
    wants_lock_sql = True
    parameters = {"advice": Param(str, doc="what to use instead")}

    def on_alembic(self, op: AlembicOp) -> None:
        if self.database != "postgresql" or op.name != "add_column":
            return
        table = alembic_table(op)
        if table is not None and table in self.created_tables[-1]:
            return
        column = added_column(op, self.names)
        if column is None or column.type_name not in SA_JSON:
            return
        label = f"column {column.name!r}" if column.name else "a column"
        self.report(op.call, f"{self.written(op.call)}() adds {label} of type json: json has no equality operator, "
                             f"so existing SELECT DISTINCT / UNION / GROUP BY queries on the table fail; "
                             f"{self.param('advice')}")

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.database != "postgresql" or statement.kind != "json-column":
            return
        if statement.table is not None and statement.table in place.created:
            return
        self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which adds a json column: json has no "
                          f"equality operator, so existing SELECT DISTINCT / UNION queries on the table fail; "
                          f"{self.param('advice')}")
