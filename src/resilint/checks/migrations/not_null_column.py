"""The ``not-null-column`` check kind (REL404).

A column added as NOT NULL with no database-side default.
"""

from __future__ import annotations

from resilint.checks.migrations import sql
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
        from resilint.checks.migrations.history.django_changes import is_column_free

        setters = set(self.param("default-setters"))
        defaulted = {field_label(op) for op in migration.operations if op.name in setters}
        sql_defaults = self._sql_defaults(migration)
        for op in migration.operations:
            if op.name not in self.param("django") or migration.on_new_model(op):
                continue
            field = field_of(op, self.names)
            if field is None or field.opaque or field.class_name in self.param("exempt-fields"):
                continue
            if field_label(op) in defaulted:
                continue  # a database default is set in the same migration
            record = self.record(op)
            if record is not None and record.field is not None:
                model = record.model_before if record.model_before is not None and record.model_before.known else None
                if is_column_free(model, record.field, self.facts.resolver):
                    continue  # many-to-many, generic relation, taggit's manager, or a model without a table
                table = model.db_table if model is not None else None
                column = record.field.get("db_column")
                column = column if isinstance(column, str) else record.name
                if table is not None and column is not None and (table.lower(), column.lower()) in sql_defaults:
                    continue  # RunSQL ALTER TABLE ... ALTER COLUMN ... SET DEFAULT in the same migration
            null = literal_bool(field.keyword("null"))
            if null is True or (field.keyword("null") is not None and null is None):
                continue  # nullable, or decided at run time
            db_default = field.keyword("db_default")
            if db_default is not None and not is_none(db_default):
                continue
            if self._default_kept(field):
                continue
            self.report(
                op.call,
                f"{self.written(op.call)}() adds {field_label(op)} as NOT NULL without a database default: the old "
                "code still running during the deploy inserts rows without it and fails (a Python-side default= "
                f"lives only in the new code); add it with null=True, backfill, then make it NOT NULL, or "
                f"{self._default_advice()}",
            )

    def _default_kept(self, field) -> bool:
        """django-pg-zero-downtime-migrations with ZERO_DOWNTIME_MIGRATIONS_KEEP_DEFAULT = True keeps ``default=``
        as the column's database default (Django < 5.0 only; 5.0+ ignores the setting)."""
        backend = self.zero_downtime
        if backend is None or not backend.keep_default:
            return False
        default = field.keyword("default")
        version = self.django_version
        return default is not None and not is_none(default) and (version is None or version < (5, 0))

    def _default_advice(self) -> str:
        version = self.django_version
        if version is not None and version < (5, 0):
            return ("give the column a database default in the same migration (RunSQL ALTER TABLE ... ALTER COLUMN "
                    "... SET DEFAULT ...; db_default= needs Django 5.0)")
        if version is None:
            return "set db_default= (Django 5.0+)"
        return "set db_default="

    def _sql_defaults(self, migration: DjangoMigration) -> frozenset[tuple[str, str]]:
        """Columns given a default by RunSQL in this migration (its sql, all statements)."""
        found: set[tuple[str, str]] = set()
        for op in migration.operations:
            if op.name != "RunSQL":
                continue
            argument = op.arg("sql")
            if argument is None:
                continue
            for template in sql.templates(argument, self.names, sequence=True):
                found |= sql.column_defaults(template.text)
        return frozenset(found)

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
