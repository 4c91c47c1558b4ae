"""The ``destructive-sql`` check kind (REL408).

SQL that destroys data wholesale, anywhere in the code.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations import sql
from resilint.checks.migrations.migration_rule import (
    MIGRATION_FILE,
    SQL_DESCRIPTIONS,
    MigrationRule,
)
from resilint.rule import Param


class DestructiveSql(MigrationRule):
    """SQL that destroys data wholesale, anywhere in the code."""

    kind = "destructive-sql"
    description = "SQL reaching an execute-like sink that truncates, drops or touches every row."
    wants_sql = True
    migrations_only = False
    sliceable = True  # the SQL of one call decides, and whether the file is a migration

    @classmethod
    def sliceable_in(cls, text: str) -> bool:
        return not MIGRATION_FILE.matches(text)  # a migration is judged whole (upgrade() may be empty)
    parameters = {
        "sql": Param(list, doc="statement classes reported everywhere"),
        "sql-outside-migrations": Param(list, required=False, default=[], doc="classes reported outside migrations only"),
    }

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        kind = statement.kind
        if kind in self.param("sql") or (kind in self.param("sql-outside-migrations") and not self.in_migration):
            what = SQL_DESCRIPTIONS.get(kind, kind)
            self.report(
                call,
                f"{self.written(call)}() runs {statement.sql!r}, which {what}: "
                "the database executes it at once, with no undo",
            )
