"""The ``migration-operation`` check kind (REL401, REL402, REL403).

Operations that destroy or rename schema objects, in Django, Alembic and SQL.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import keyword_arg
from resilint.checks.migrations import sql
from resilint.checks.migrations.alembic import (
    AlembicOp,
)
from resilint.checks.migrations.django import (
    DjangoMigration,
)
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none, literal_bool
from resilint.rule import Param


class MigrationOperation(MigrationRule):
    """Operations that destroy or rename schema objects, in Django, Alembic and SQL."""

    kind = "migration-operation"
    description = "A migration operation (Django, Alembic or SQL) that drops or renames a table or column."
    wants_sql = True
    parameters = {
        "django": Param(list, doc="Django operation classes, e.g. ['RemoveField']"),
        "alembic": Param(list, doc="Alembic op/batch_op functions, e.g. ['drop_column']"),
        "alembic-with-keyword": Param(dict, required=False, default={}, doc="op -> keyword that makes it count"),
        "sql": Param(list, doc=f"SQL statement classes: {', '.join(sql.CLASSES)}"),
        "consequence": Param(str, doc="what the operation does to old code and data"),
        "advice": Param(str, doc="the safe pattern"),
    }

    def message(self, what: str) -> str:
        return f"{what} {self.param('consequence')}; {self.param('advice')}"

    def on_django(self, migration: DjangoMigration) -> None:
        wanted = set(self.param("django"))
        for op in migration.operations:
            if op.name in wanted and not (op.name != "DeleteModel" and migration.on_new_model(op)):
                self.report(op.call, self.message(f"{self.written(op.call)}()"))

    def on_alembic(self, op: AlembicOp) -> None:
        keyword = self.param("alembic-with-keyword").get(op.name)
        if keyword is not None:
            arg = keyword_arg(op.call, (keyword,))
            if arg is None or is_none(arg.value) or literal_bool(arg.value) is False:
                return
        elif op.name not in self.param("alembic"):
            return
        if self.table_created_here(op) and op.name != "drop_table":
            return
        self.report(op.call, self.message(f"{self.written(op.call)}()"))

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        if reverse or statement.kind not in self.param("sql"):
            return
        self.report(call, self.message(f"{self.written(call)}() runs {statement.sql!r}, which"))
