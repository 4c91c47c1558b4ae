"""The ``unsafe-alter-column`` check kind (REL405).

A column alteration that rewrites or scans the table under an exclusive lock.

With the migration history, a Django ``AlterField`` is compared with the
field's previous definition (``history/django_changes.py``) and reported only
when the database really rewrites or scans the table: a type change that is not
binary-coercible, a numeric scale change or precision decrease, NOT NULL set on
an existing column, a collation or primary-key change. Changes Django emits no
SQL for, metadata-only widenings (varchar(n) -> varchar(m >= n), varchar ->
text) and index-only changes (REL406's business) are not reported. Without a
history (the previous definition is unknown) the field is judged as before: an
``AlterField`` that leaves the column NOT NULL is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resilint.checks.common.arguments import has_star_kwargs, keyword_arg
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, DjangoOp, field_of
from resilint.checks.migrations.fields import field_label
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none, literal_bool
from resilint.rule import Param

if TYPE_CHECKING:
    from resilint.checks.migrations.history.django_changes import AlterFieldChange

# What a rewrite or scan is, in the history's classification (ChangeKind values,
# which are strings: history/ is imported only when a migration is judged).
REPORTED = frozenset({"rewrite", "set_not_null"})
# Alembic type pairs PostgreSQL changes without a rewrite (binary-coercible), by SQLAlchemy class.
_VARCHAR = frozenset({"String", "VARCHAR", "Unicode", "NVARCHAR"})
_TEXT = frozenset({"Text", "TEXT", "UnicodeText"})


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
        if self.database == "sqlite":
            return  # SQLite rebuilds the table for any AlterField; there is no lock-free alternative
        for op in migration.operations:
            if op.name not in self.param("django") or migration.on_new_model(op):
                continue
            field = field_of(op, self.names)
            if field is None or field.opaque or field.class_name in self.param("no-column-fields"):
                continue
            change = self.change(op)
            if change is not None:
                if change.kind in REPORTED and not self._zero_downtime_not_null(change):
                    self.report(op.call, self._message(op, change))
                continue
            if field.keyword("null") is not None and literal_bool(field.keyword("null")) is not False:
                continue  # null=True (or decided at run time) drops the constraint: safe
            self.report(
                op.call,
                f"{self.written(op.call)}() leaves {field_label(op)} NOT NULL: Django emits ALTER COLUMN ... TYPE / "
                "SET NOT NULL, which rewrites or scans the table under an ACCESS EXCLUSIVE lock; expand/contract "
                "instead (new nullable column, backfill, switch reads, drop the old one)",
            )

    def _zero_downtime_not_null(self, change: AlterFieldChange) -> bool:
        """Only NOT NULL is set, and django-pg-zero-downtime-migrations sets it through CHECK (col IS NOT NULL)
        NOT VALID + VALIDATE first (no scan under the exclusive lock on PostgreSQL 12+)."""
        if self.zero_downtime is None or self.database != "postgresql":
            return False
        major = self.settings.postgresql_major
        reported = {k for k in change.facets if k in REPORTED} or {change.kind}
        return reported == {"set_not_null"} and (major is None or major >= 12)

    def change(self, op: DjangoOp) -> AlterFieldChange | None:
        """What the AlterField does to the database, when the history knows the previous definition
        and can tell (None: judge without history)."""
        from resilint.checks.migrations.history.django_changes import (
            AlterFieldChange,
            ChangeKind,
            FieldContext,
            classify_alter_field,
        )

        record = self.record(op)
        if record is None or record.field is None or record.previous is None:
            return None
        model = record.model_before
        if model is not None and model.known and not model.has_table:
            return AlterFieldChange(ChangeKind.STATE_ONLY, (), ("no table",), None, "", None, None, ())
        history, key = self.facts.history, self.facts.key
        if history is None or key is None:
            return None
        state = history.state_before(*key)
        context = FieldContext(state, record.app, model, record.name)
        change = classify_alter_field(record.previous, record.field, self.database, context=context,
                                      resolver=self.facts.resolver)
        return None if change.kind == ChangeKind.UNKNOWN else change

    def _message(self, op: DjangoOp, change: AlterFieldChange) -> str:
        reasons = [r for k, r in zip(change.facets, change.reasons, strict=False) if k in REPORTED] or list(change.reasons)
        what = "; ".join(change.reasons) if not reasons else "; ".join(reasons)
        lock = ("MySQL copies the table, blocking writes" if self.database == "mysql"
                else "the table is rewritten or scanned under an ACCESS EXCLUSIVE lock")
        if change.kind == "set_not_null" and self.database == "postgresql":
            major = self.settings.postgresql_major
            advice = ("add a CHECK (col IS NOT NULL) NOT VALID constraint, VALIDATE it, then set NOT NULL"
                      if major is None or major >= 12 else "backfill and set NOT NULL in a maintenance window")
        else:
            advice = "expand/contract instead (new column, backfill, switch reads, drop the old one)"
        return (f"{self.written(op.call)}() on {field_label(op)}: {what}, was {change.old}, now {change.new}: "
                f"{lock}; {advice}")

    def on_alembic(self, op: AlembicOp) -> None:
        if op.name not in self.param("alembic") or self.table_created_here(op) or has_star_kwargs(op.call):
            return
        if self.database == "sqlite":
            return
        problems = []
        type_arg = keyword_arg(op.call, self.param("type-keywords"))
        if type_arg is not None and not is_none(type_arg.value) and not self._widening(op, type_arg.value):
            problems.append("changes the column type (PostgreSQL rewrites the table)")
        nullable = keyword_arg(op.call, ("nullable",))
        existing = keyword_arg(op.call, ("existing_nullable",))
        if nullable is not None and literal_bool(nullable.value) is False and not (
            existing is not None and literal_bool(existing.value) is False
        ):
            problems.append("sets NOT NULL (a full-table scan)")
        if problems:
            self.report(
                op.call,
                f"{self.written(op.call)}() {' and '.join(problems)} under an ACCESS EXCLUSIVE lock; add a new column "
                "and backfill it, or for NOT NULL add a CHECK constraint NOT VALID, VALIDATE it, then set NOT NULL",
            )

    def _widening(self, op: AlembicOp, new_type) -> bool:
        """``existing_type=sa.String(50), type_=sa.String(100)`` (or ``sa.Text()``): PostgreSQL only
        updates the catalog. Anything else, or an unknown existing type, is a rewrite."""
        if self.database != "postgresql":
            return False
        existing = keyword_arg(op.call, ("existing_type",))
        if existing is None:
            return False
        old, new = _sa_type(existing.value, self.names), _sa_type(new_type, self.names)
        if old is None or new is None:
            return False
        (ocls, olen), (ncls, nlen) = old, new
        if ocls in _VARCHAR and ncls in _TEXT:
            return True
        if ocls in _VARCHAR and ncls in _VARCHAR:
            return nlen is None or (olen is not None and nlen >= olen)
        return ocls in _TEXT and ncls in _TEXT


def _sa_type(node, names) -> tuple[str, int | None] | None:
    """``sa.String(length=50)`` -> ("String", 50); only SQLAlchemy's classes, resolved through imports."""
    import libcst as cst

    call = node if isinstance(node, cst.Call) else None
    target = call.func if call is not None else node
    qualname = names.qualified_name(target)
    if qualname is None or not qualname.startswith("sqlalchemy."):
        return None
    cls = qualname.rsplit(".", 1)[1]
    length: int | None = None
    if call is not None:
        arg = keyword_arg(call, ("length",)) or (call.args[0] if call.args and call.args[0].keyword is None else None)
        if len(call.args) > (1 if arg is not None else 0):
            return None  # collation, timezone, precision...: not a plain length change
        if arg is not None:
            if not isinstance(arg.value, cst.Integer):
                return None
            length = int(arg.value.value)
    return cls, length
