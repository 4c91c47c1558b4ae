"""Check kinds for schema changes that lock, fail during a deploy, or cannot be
undone: NOT NULL columns, column alterations, non-concurrent indexes and
irreversible migrations (Django and Alembic)."""

from __future__ import annotations

import libcst as cst

from resilint.checks._literals import literal_bool, string_literal
from resilint.checks._util import has_star_kwargs, is_none, keyword_arg
from resilint.checks.migrations import MigrationRule
from resilint.checks.migrations_alembic import AlembicOp, column_of, inert_body
from resilint.checks.migrations_django import DjangoMigration, DjangoOp, field_of
from resilint.rule import Param


def _field_label(op: DjangoOp) -> str:
    model = (string_literal(op.arg("model_name")) or "?").lower()
    name = string_literal(op.arg("name")) or "?"
    return f"{model}.{name}"


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
        defaulted = {_field_label(op) for op in migration.operations if op.name in setters}
        for op in migration.operations:
            if op.name not in self.param("django") or migration.on_new_model(op):
                continue
            field = field_of(op, self.names)
            if field is None or field.opaque or field.class_name in self.param("exempt-fields"):
                continue
            if _field_label(op) in defaulted:
                continue  # a database default is set in the same migration
            null = literal_bool(field.keyword("null"))
            if null is True or (field.keyword("null") is not None and null is None):
                continue  # nullable, or decided at run time
            db_default = field.keyword("db_default")
            if db_default is not None and not is_none(db_default):
                continue
            self.report(
                op.call,
                f"{self.written(op.call)}() adds {_field_label(op)} as NOT NULL without db_default: the old code "
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
                f"{self.written(op.call)}() leaves {_field_label(op)} NOT NULL: Django emits ALTER COLUMN ... TYPE / "
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


class NonConcurrentIndex(MigrationRule):
    kind = "non-concurrent-index"
    description = "An index built or dropped while writes to the table are blocked (PostgreSQL)."
    parameters = {
        "django-blocking": Param(list, doc="Django index operations that lock writes"),
        "django-concurrent": Param(list, doc="their concurrent forms (need atomic = False)"),
        "django-field-ops": Param(list, doc="field operations that build an index with db_index=True"),
        "index-keywords": Param(list, doc="field keywords that add an index, e.g. ['db_index']"),
        "alembic": Param(list, doc="Alembic index ops"),
        "concurrently-keyword": Param(str, doc="the Alembic keyword for a concurrent index"),
    }

    _ADVICE = "use AddIndexConcurrently/RemoveIndexConcurrently in a migration with atomic = False"

    def on_django(self, migration: DjangoMigration) -> None:
        for op in migration.operations:
            written = f"{self.written(op.call)}()"
            if op.name in self.param("django-concurrent"):
                if migration.atomic:
                    self.report(
                        op.call,
                        f"{written} inside an atomic migration fails at run time (CREATE/DROP INDEX CONCURRENTLY "
                        "cannot run in a transaction); set atomic = False on the Migration class",
                    )
            elif migration.on_new_model(op):
                continue
            elif op.name in self.param("django-blocking"):
                self.report(op.call, f"{written} builds or drops the index while writes to the table wait; {self._ADVICE}")
            elif op.name in self.param("django-field-ops"):
                field = field_of(op, self.names)
                if field is None or field.opaque:
                    continue
                if any(literal_bool(field.keyword(k)) is True for k in self.param("index-keywords")):
                    self.report(
                        op.call,
                        f"{written} with db_index=True builds the index in the same locking statement; add the "
                        f"field without it, then {self._ADVICE}",
                    )

    def on_alembic(self, op: AlembicOp) -> None:
        if op.name not in self.param("alembic") or self.table_created_here(op) or has_star_kwargs(op.call):
            return
        keyword = self.param("concurrently-keyword")
        arg = keyword_arg(op.call, (keyword,))
        value = literal_bool(arg.value) if arg is not None else False
        written = f"{self.written(op.call)}()"
        if value is False:
            self.report(
                op.call,
                f"{written} without {keyword}=True blocks writes to the table while the index is built or dropped; "
                f"pass {keyword}=True inside `with op.get_context().autocommit_block():`",
            )
        elif value is True and not self.in_autocommit:
            self.report(
                op.call,
                f"{written} with {keyword}=True outside op.get_context().autocommit_block() fails at run time "
                "(CONCURRENTLY cannot run inside the migration's transaction)",
            )


class IrreversibleMigration(MigrationRule):
    kind = "irreversible-migration"
    description = "A migration that cannot be rolled back."
    parameters = {
        "django": Param(dict, doc="operation -> the argument that reverses it, e.g. {RunPython = 'reverse_code'}"),
    }

    def on_django(self, migration: DjangoMigration) -> None:
        reverses = self.param("django")
        for op in migration.operations:
            keyword = reverses.get(op.name)
            if keyword is None or has_star_kwargs(op.call):
                continue
            value = op.arg(keyword)
            if value is None or is_none(value):
                self.report(
                    op.call,
                    f"{self.written(op.call)}() has no {keyword}: Django raises IrreversibleError when this "
                    f"migration is rolled back; pass {keyword}= (migrations.{op.name}.noop when undoing needs nothing)",
                )

    def on_downgrade(self, function: cst.FunctionDef) -> None:
        if inert_body(function):
            self.report(
                function,
                f"{function.name.value}() does nothing or only raises: this revision cannot be rolled back; "
                "write the reverse operations (or document why the data cannot come back)",
            )
