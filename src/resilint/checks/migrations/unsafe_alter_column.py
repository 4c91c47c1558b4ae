"""The ``unsafe-alter-column`` check kind (REL405).

A column alteration that rewrites or scans the table under an exclusive lock.
"""

from __future__ import annotations

from resilint.checks.common.arguments import has_star_kwargs, keyword_arg
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, field_of
from resilint.checks.migrations.fields import field_label
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none, literal_bool
from resilint.rule import Param


class UnsafeAlterColumn(MigrationRule):
    kind = "unsafe-alter-column"
    description = "A column alteration that rewrites or scans the table under an exclusive lock."
    parameters = {
        "django": Param(list, doc="operations altering a field, e.g. ['AlterField']"),
        "alembic": Param(list, doc="ops altering a column, e.g. ['alter_column']"),
        "type-keywords": Param(list, doc="keywords that change the column type, e.g. ['type_']"),
        "no-column-fields": Param(list, doc="field classes that add no column (ManyToManyField)"),
    }

    def on_django(self, migration: DjangoMigration) -> None:
        for op in migration.operations:
            if op.name not in self.param("django") or migration.on_new_model(op):
                continue
            field = field_of(op, self.names)
            if field is None or field.opaque or field.class_name in self.param("no-column-fields"):
                continue
            if field.keyword("null") is not None and literal_bool(field.keyword("null")) is not False:
                continue  # null=True (or decided at run time) drops the constraint: safe
            self.report(
                op.call,
                f"{self.written(op.call)}() leaves {field_label(op)} NOT NULL: Django emits ALTER COLUMN ... TYPE / "
                "SET NOT NULL, which rewrites or scans the table under an ACCESS EXCLUSIVE lock; expand/contract "
                "instead (new nullable column, backfill, switch reads, drop the old one)",
            )

    def on_alembic(self, op: AlembicOp) -> None:
        if op.name not in self.param("alembic") or self.table_created_here(op) or has_star_kwargs(op.call):
            return
        problems = []
        type_arg = keyword_arg(op.call, self.param("type-keywords"))
        if type_arg is not None and not is_none(type_arg.value):
            problems.append("changes the column type (PostgreSQL rewrites the table)")
        nullable = keyword_arg(op.call, ("nullable",))
        if nullable is not None and literal_bool(nullable.value) is False:
            problems.append("sets NOT NULL (a full-table scan)")
        if problems:
            self.report(
                op.call,
                f"{self.written(op.call)}() {' and '.join(problems)} under an ACCESS EXCLUSIVE lock; add a new column "
                "and backfill it, or for NOT NULL add a CHECK constraint NOT VALID, VALIDATE it, then set NOT NULL",
            )
