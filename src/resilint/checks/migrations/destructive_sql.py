"""The ``destructive-sql`` check kind (REL408, and its rollback note REL412).

SQL that destroys data wholesale. In application code: any of the configured
statement classes reaching an execute-like sink, unless the enclosing function's
name states exactly that (``delete_all()``, ``drop_table()``), or, for a DROP
TABLE, the same function creates that table again (``DROP TABLE IF EXISTS t``
then ``CREATE TABLE t``: a rebuild of derived data, such as a search index or
a cache, not the loss of a table the application lives on). In a
migration the classes are narrower (``sql-in-migrations``): destroying data
(TRUNCATE, DROP DATABASE/SCHEMA, DELETE without WHERE). A DROP TABLE there is
REL401's, a full-table UPDATE is REL409's (a backfill, not destruction). What a
migration runs on the way back (Alembic ``downgrade()``, ``RunSQL(reverse_sql=)``,
a ``RunPython`` reverse function) is reported only by the standard whose
``reverse = "only"`` (REL412, a note): undoing an upgrade is what it is for.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations import sql
from resilint.checks.migrations.migration_rule import (
    MIGRATION_FILE,
    SQL_DESCRIPTIONS,
    MigrationRule,
)
from resilint.checks.migrations.sql_locks import lock_statements
from resilint.rule import Param

# Function names that state exactly what the statement does (``delete_all()``, ``drop_table()``):
# the author asked for it. Broader words (reset, purge, cleanup) are not enough: a purge_expired()
# that also empties another table is the bug this rule is for.
INTENT_NAMES = {
    "delete-without-where": ("delete_all", "clear_all", "truncate", "drop_table"),
    "truncate": ("truncate", "delete_all", "clear_all"),
    "drop-table": ("drop_table", "drop_tables"),
}


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
        "sql": Param(list, doc="statement classes reported in application code"),
        "sql-outside-migrations": Param(list, required=False, default=[], doc="more classes reported outside migrations only"),
        "sql-in-migrations": Param(list, required=False, default=None,
                                   doc="the classes reported in migrations (default: `sql`)"),
        "reverse": Param(str, required=False, default="skip",
                         doc="'skip': not in downgrade()/reverse code; 'only': only there (a rollback note)"),
    }

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        # per function (the module first): DROP TABLEs waiting for the end of the function, and
        # the tables the function creates through any sink
        self._frames: list[tuple[list[tuple[cst.Call, sql.Statement]], set[str]]] = [([], set())]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self._frames.append(([], set()))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._flush(self._frames.pop())
        super().leave_FunctionDef(original_node)

    def leave_Module(self, original_node: cst.Module) -> None:
        self._flush(self._frames[0])

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        if self.in_migration:
            return
        found = sql.unwrapped_sink(node, self.names)
        if found is None or found[0] is None:
            return
        argument, source, _inner = found
        formatted = sql.is_format_sink(source, self.names)
        for template in sql.templates(argument, self.names, formatted=formatted):
            for statement in lock_statements(template.text):
                if statement.kind == "create-table" and statement.table and "__rlhole" not in statement.table:
                    self._frames[-1][1].add(statement.table)

    def _flush(self, frame: tuple[list[tuple[cst.Call, sql.Statement]], set[str]]) -> None:
        pending, created = frame
        for call, statement in pending:
            if statement.tables and all(t in created for t in statement.tables):
                continue  # dropped and created again by the same function: a rebuild
            self._report(call, statement, reverse=False)
        pending.clear()

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        kind = statement.kind
        if self.in_migration:
            if reverse != (self.param("reverse") == "only"):
                return
            wanted = self.param("sql-in-migrations")
            if kind not in (self.param("sql") if wanted is None else wanted):
                return
        else:
            if self.param("reverse") == "only":
                return
            if kind not in self.param("sql") and kind not in self.param("sql-outside-migrations"):
                return
            if self._intent_stated(kind):
                return
            if kind == "drop-table":
                self._frames[-1][0].append((call, statement))  # judged once the function is read
                return
        self._report(call, statement, reverse=reverse)

    def _report(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        kind = statement.kind
        what = SQL_DESCRIPTIONS.get(kind, kind)
        when = " on rollback" if reverse and self.in_migration else ""
        self.report(
            call,
            f"{self.written(call)}() runs {statement.sql!r}{when}, which {what}: "
            "the database executes it at once, with no undo",
        )

    def _intent_stated(self, kind: str) -> bool:
        """Inside a function whose name says it does exactly this (``delete_all``, ``drop_table``)."""
        words = INTENT_NAMES.get(kind, ())
        return any(w in name.lower() for name in self.functions[-1:] for w in words)
