"""The ``enum-value-in-transaction`` check kind (REL422): ``ALTER TYPE ... ADD VALUE`` inside the
migration's transaction.

Before PostgreSQL 12 the statement fails inside a transaction block. From 12 on it runs, but the
new value cannot be used until the transaction commits: a data migration, a default or a
backfill in the same migration that uses it fails with "unsafe use of new value". The safe form
runs it outside the transaction: Django ``atomic = False`` (or its own migration), Alembic
``with op.get_context().autocommit_block():``.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import LockStatement
from resilint.rule import Param


class EnumValueInTransaction(MigrationRule):
    kind = "enum-value-in-transaction"
    description = "ALTER TYPE ... ADD VALUE inside the migration's transaction (PostgreSQL)."
    wants_lock_sql = True
    parameters = {"advice": Param(str, doc="how to run it outside the transaction")}

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.database != "postgresql" or statement.kind != "enum-add-value" or not place.in_transaction:
            return
        major = self.settings.postgresql_major
        if major is not None and major < 12:
            what = "fails: before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block"
        else:
            what = ("runs inside the migration's transaction, where the new value cannot be used until it commits "
                    "(anything in this migration that uses it fails with \"unsafe use of new value\"; before "
                    "PostgreSQL 12 the statement itself fails)")
        self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which {what}; {self.param('advice')}")
