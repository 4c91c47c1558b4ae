"""The ``not-null-column`` check kind (REL404).

A column added as NOT NULL with no database-side default.
"""

from __future__ import annotations

from resilint.checks.migrations.alembic import AlembicOp, column_of
from resilint.checks.migrations.django import DjangoMigration, field_of
from resilint.checks.migrations.fields import field_label
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none, literal_bool
from resilint.rule import Param


class NotNullColumn(MigrationRule):
    kind = "not-null-column"
    description = "A column added as NOT NULL with no database-side default."
    parameters = {
        "django": Param(list, doc="operations adding a field, e.g. ['AddField']"),
        "alembic": Param(list, doc="ops adding a column, e.g. ['add_column']"),
        "exempt-fields": Param(
            list, doc="field classes that need no default: no column (ManyToManyField), computed or serial"
        ),
        "default-setters": Param(
            list, required=False, default=[], doc="operations that give a field a database default (django-add-default-value)"
        ),
    }

    def on_django(self, migration: DjangoMigration) -> None:
        setters = set(self.param("default-setters"))
        defaulted = {field_label(op) for op in migration.operations if op.name in setters}
        for op in migration.operations:
            if op.name not in self.param("django") or migration.on_new_model(op):
                continue
            field = field_of(op, self.names)
            if field is None or field.opaque or field.class_name in self.param("exempt-fields"):
                continue
            if field_label(op) in defaulted:
                continue  # a database default is set in the same migration
            null = literal_bool(field.keyword("null"))
            if null is True or (field.keyword("null") is not None and null is None):
                continue  # nullable, or decided at run time
            db_default = field.keyword("db_default")
            if db_default is not None and not is_none(db_default):
                continue
            self.report(
                op.call,
                f"{self.written(op.call)}() adds {field_label(op)} as NOT NULL without db_default: the old code "
                "still running during the deploy inserts rows without it and fails (a Python-side default= "
                "lives only in the new code); add it with null=True, backfill, then make it NOT NULL, or set db_default=",
            )

    def on_alembic(self, op: AlembicOp) -> None:
        if op.name not in self.param("alembic") or self.table_created_here(op):
            return
        column = column_of(op, self.names)
        if column is None or column.not_null() is not True or column.has_server_default():
            return
        name = column.name or "?"
        self.report(
            op.call,
            f"{self.written(op.call)}() adds NOT NULL column {name!r} without server_default: it fails on a table "
            "with rows, and old code inserting without it fails; add it nullable, backfill, then "
            "alter_column(nullable=False), or give it a server_default",
        )
