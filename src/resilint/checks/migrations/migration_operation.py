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
    DjangoOp,
)
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none, literal_bool, string_literal
from resilint.rule import Param


class MigrationOperation(MigrationRule):
    """Operations that destroy or rename schema objects, in Django, Alembic and SQL."""

    kind = "migration-operation"
    description = "A migration operation (Django, Alembic or SQL) that drops or renames a table or column."
    wants_sql = True
    after_deploy_safe = True  # Safe.after_deploy(): the old code is gone when the drop or rename runs
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
                if self.state_only(op):
                    continue
                self.report(op.call, self.message(f"{self.written(op.call)}()"))

    def state_only(self, op: DjangoOp) -> bool:
        """The history shows the operation changes Django's state but no table or column:
        a proxy or unmanaged model, a column-free field (many-to-many, generic relation,
        taggit's manager), a rename whose db_column/db_table is fixed."""
        from resilint.checks.migrations.history.django_changes import is_column_free

        record = self.record(op)
        if record is None or record.model_before is None or not record.model_before.known:
            return False
        model = record.model_before
        if not model.has_table:
            return True
        resolver = self.facts.resolver
        if op.name == "RemoveField":
            return record.previous is not None and is_column_free(model, record.previous, resolver)
        if op.name == "RenameField":
            previous = record.previous
            return previous is not None and (
                is_column_free(model, previous, resolver) or isinstance(previous.get("db_column"), str)
            )
        if op.name == "RenameModel":
            return isinstance(model.options.get("db_table"), str) and not self._many_to_many_of(record)
        if op.name == "AlterModelTable":
            new = record.extra.get("db_table")
            return isinstance(new, str) and new == model.db_table
        return False

    def _many_to_many_of(self, record) -> bool:
        """RenameModel also renames the columns of auto-created many-to-many tables named after
        the model: any many-to-many field on it or pointing at it keeps the rename real."""
        from resilint.checks.migrations.history.django_state import model_key

        history, key = self.facts.history, self.facts.key
        model = record.model_before
        if history is None or key is None:
            return True
        resolver = self.facts.resolver
        state = history.state_before(*key)
        own = (model.app, model.name_lower)
        for (app, _name), other in state.models.items():
            for f in other.fields.values():
                if resolver.info(f.path, f.cls).base != "ManyToManyField":
                    continue
                if other is model or model_key(f.get("to"), app, state.auth_user_model) == own:
                    return True
        return False

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
        if self._rebuild_step(op):
            return
        self.report(op.call, self.message(f"{self.written(op.call)}()"))

    def _rebuild_step(self, op: AlembicOp) -> bool:
        """SQLite's table rebuild (rename to a temporary name, create the table again, copy,
        drop the temporary): the table keeps its name and its rows."""
        args = [string_literal(a.value) for a in op.call.args if a.keyword is None]
        if op.name == "rename_table":
            return bool(args) and args[0] in self.rebuilt_tables
        if op.name == "drop_table":
            return bool(args) and args[0] in self.rebuild_temporaries
        return False

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        if reverse or statement.kind not in self.param("sql"):
            return
        self.report(call, self.message(f"{self.written(call)}() runs {statement.sql!r}, which"))
