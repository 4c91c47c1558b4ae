"""Check kinds for migrations and the SQL they (or any code) run.

:class:`MigrationRule` does the walking once per rule: it knows whether the
file is a Django or an Alembic migration, reads each Django ``Migration``
class when it is reached, follows Alembic ``op``/``batch_op`` calls with their
context (``downgrade()``, ``autocommit_block()``, tables created earlier in
the same function), and classifies SQL reaching a sink. Subclasses receive
``on_django`` / ``on_alembic`` / ``on_sql`` / ``on_downgrade`` events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.migrations import sql
from resilint.checks.migrations.alembic import (
    AlembicOp,
    alembic_op,
    is_alembic_module,
    is_autocommit_block,
    is_downgrade,
)
from resilint.checks.migrations.django import (
    DjangoMigration,
    is_migration_class,
    read_migration,
)
from resilint.config.standards import Standard
from resilint.engine.prefilter import Prefilter, Trigger
from resilint.rule import Rule

# What a migration file always holds (prefilter.py): a Django migration subclasses
# django.db.migrations.Migration; an Alembic one imports alembic and defines upgrade()
# at module level (is_alembic_module).
MIGRATION_TRIGGERS: tuple[Trigger, ...] = (
    ("import:django.db.migrations", "Migration"),
    ("import:alembic.op", r"re:(?m:^(?:async[ \t]+)?def[ \t]+upgrade\b)"),
)


MIGRATION_FILE = Prefilter.compile(MIGRATION_TRIGGERS)


SQL_DESCRIPTIONS = {
    "drop-table": "drops a table and all its rows",
    "drop-column": "drops a column and its data",
    "rename": "renames a table or column",
    "truncate": "empties the table",
    "drop-database": "drops a whole database",
    "drop-schema": "drops a schema and everything in it",
    "delete-without-where": "deletes every row (no WHERE)",
    "update-without-where": "updates every row (no WHERE)",
}


class MigrationRule(Rule):
    """Base of the migration checks (not a kind itself: ``kind`` is empty)."""

    wants_sql: ClassVar[bool] = False
    migrations_only: ClassVar[bool] = True

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        return MIGRATION_TRIGGERS if cls.migrations_only else [*MIGRATION_TRIGGERS, *sql.DESTRUCTIVE_TRIGGERS]

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        self.framework: str | None = None  # "django" | "alembic" | None
        self.functions: list[str] = []
        self.created_tables: list[set[str]] = [set()]  # per function frame, for Alembic
        self.autocommit: list[cst.With] = []
        self.committed: list[bool] = [False]  # per function frame: op.execute("COMMIT") seen
        self.wrapped: set[int] = set()  # text(...) calls already classified with their execute()

    # -- events for subclasses ---------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        pass

    def on_alembic(self, op: AlembicOp) -> None:
        pass

    def on_downgrade(self, function: cst.FunctionDef) -> None:
        pass

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        pass

    # -- helpers -------------------------------------------------------------------

    @property
    def in_migration(self) -> bool:
        return self.framework is not None

    @property
    def in_downgrade(self) -> bool:
        return self.framework == "alembic" and any(is_downgrade(f) for f in self.functions)

    @property
    def in_autocommit(self) -> bool:
        return bool(self.autocommit) or self.committed[-1]

    def table_created_here(self, op: AlembicOp) -> bool:
        """The table was created earlier in this same function: it is empty and unused."""
        table = op.table
        return table is not None and table in self.created_tables[-1]

    def written(self, call: cst.Call) -> str:
        return source_of(self.context.module, call.func)

    # -- traversal -----------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        if any(isinstance(s, cst.ClassDef) and is_migration_class(s, self.names) for s in node.body):
            self.framework = "django"
        elif is_alembic_module(node, self.names):
            self.framework = "alembic"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not is_migration_class(node, self.names):
            return
        self.framework = "django"
        migration = read_migration(node, self.names)
        self.on_django(migration)
        if self.wants_sql:
            for op in migration.operations:
                if op.name == "RunSQL":
                    self._sql_argument(op.call, op.arg("sql"), sequence=True, reverse=False)
                    self._sql_argument(op.call, op.arg("reverse_sql"), sequence=True, reverse=True)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.framework == "alembic" and not self.functions and is_downgrade(node.name.value):
            self.on_downgrade(node)
        self.functions.append(node.name.value)
        self.created_tables.append(set())
        self.committed.append(False)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.created_tables.pop()
        self.committed.pop()

    def visit_With(self, node: cst.With) -> None:
        if self.framework == "alembic" and any(is_autocommit_block(item, self.names) for item in node.items):
            self.autocommit.append(node)

    def leave_With(self, original_node: cst.With) -> None:
        if self.autocommit and self.autocommit[-1] is original_node:
            self.autocommit.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if self.framework == "alembic" and not self.in_downgrade:
            op = alembic_op(node, self.names)
            if op is not None:
                self.on_alembic(op)
                if op.name == "create_table" and op.table is not None:
                    self.created_tables[-1].add(op.table)
                elif op.name == "execute" and op.batch is None:
                    argument = sql.sink_argument(node, self.names)
                    found = sql.templates(argument, self.names) if argument is not None else []
                    if any(sql.ends_transaction(t.text) for t in found):
                        self.committed[-1] = True
        if self.wants_sql and (self.in_migration or not self.migrations_only) and id(node) not in self.wrapped:
            argument = sql.sink_argument(node, self.names)
            source = node
            inner = sql.wrapped_sink(argument, self.names) if argument is not None else None
            if inner is not None:
                self.wrapped.add(id(inner))
                argument, source = sql.sink_argument(inner, self.names), inner
            if argument is not None:
                formatted = sql.is_format_sink(source, self.names)
                self._sql_argument(node, argument, sequence=False, reverse=self.in_downgrade, formatted=formatted)

    def _sql_argument(
        self, call: cst.Call, argument: cst.BaseExpression | None, *, sequence: bool, reverse: bool, formatted: bool = False
    ) -> None:
        if argument is None:
            return
        seen: set[tuple[str, str]] = set()
        for template in sql.templates(argument, self.names, sequence=sequence, formatted=formatted):
            for statement in sql.classify(template):
                if (statement.kind, statement.sql) not in seen:
                    seen.add((statement.kind, statement.sql))
                    self.on_sql(call, statement, reverse=reverse)
