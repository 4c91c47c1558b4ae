"""The ``validated-constraint`` check kind (REL413 foreign key, REL414 CHECK, REL415 UNIQUE /
PRIMARY KEY, REL416 exclusion constraint).

A constraint added to a table that already has rows, in the form that checks every row (or
builds an index) while the table is locked. PostgreSQL only; each standard picks one
``constraint`` family:

- ``foreign-key``: ``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`` without ``NOT VALID`` takes a
  SHARE ROW EXCLUSIVE lock on *both* tables and scans the referencing one. Django's
  ``AddField(ForeignKey)`` always emits it (no ``NOT VALID`` form), Alembic's ``create_foreign_key``
  unless ``postgresql_not_valid=True``, ``sa.Column(..., sa.ForeignKey(...))`` in ``add_column``, SQL
  ``ADD CONSTRAINT ... FOREIGN KEY`` and ``ADD COLUMN ... REFERENCES``. ``NOT VALID`` followed by
  ``VALIDATE CONSTRAINT`` in the *same* transaction keeps the lock through the validation (squawk):
  reported as well.
- ``check``: the same for ``CHECK`` (ACCESS EXCLUSIVE while every row is checked).
- ``unique``: a UNIQUE or PRIMARY KEY constraint builds its unique index under an ACCESS EXCLUSIVE
  lock; the safe form is ``CREATE UNIQUE INDEX CONCURRENTLY`` then ``ADD CONSTRAINT ... USING
  INDEX``. Django: ``AddConstraint(UniqueConstraint)``, ``AddField(unique=True)`` or a OneToOneField,
  an ``AlterField`` that adds ``unique=True``, ``AlterUniqueTogether`` adding a set (the last two
  only with the history that shows the change); Alembic ``create_unique_constraint``,
  ``create_primary_key``, ``Column(unique=True / primary_key=True)`` in ``add_column``.
- ``exclusion``: an exclusion constraint cannot be added ``NOT VALID`` at all.

A table created earlier in the same migration is empty and unused: not reported.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import has_star_kwargs
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, DjangoOp
from resilint.checks.migrations.fields import field_label
from resilint.checks.migrations.lock_context import (
    FOREIGN_KEYS,
    ONE_TO_ONE,
    added_column,
    added_field,
    alembic_table,
    constraint_class,
    field_base,
    keyword_false,
    keyword_true,
    on_existing_table,
    previous_base,
    true_keyword,
)
from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import LockStatement
from resilint.rule import Param

FAMILIES = ("foreign-key", "check", "unique", "exclusion")
_SQL = {
    "foreign-key": ("add-foreign-key",),
    "check": ("add-check",),
    "unique": ("add-unique", "add-primary-key"),
    "exclusion": ("add-exclusion",),
}
_NOT_VALID = {"foreign-key": "not-valid-foreign-key", "check": "not-valid-check"}


class ValidatedConstraint(MigrationRule):
    kind = "validated-constraint"
    description = "A constraint added to an existing table in the form that locks it while every row is checked."
    wants_lock_sql = True
    parameters = {
        "constraint": Param(str, doc=f"which constraints: {', '.join(FAMILIES)}"),
        "alembic": Param(list, doc="Alembic operations that add such a constraint"),
        "django-constraints": Param(list, required=False, default=[], doc="AddConstraint classes, e.g. ['CheckConstraint']"),
        "advice-django": Param(str, doc="the safe form in Django"),
        "advice-alembic": Param(str, doc="the safe form in Alembic"),
        "advice-sql": Param(str, doc="the safe form in SQL"),
        "consequence": Param(str, doc="what the statement does to the table"),
    }

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        self.not_valid: dict[str, bool] = {}  # function/constraint -> added NOT VALID inside a transaction

    def _scope(self, constraint: str) -> str:
        """One transaction: the Alembic function (or the Django migration) the SQL runs in."""
        return f"{self.functions[0] if self.functions else ''}/{constraint}"

    @property
    def family(self) -> str:
        return self.param("constraint")

    @property
    def zero_downtime_safe(self) -> bool:  # type: ignore[override]
        """django-pg-zero-downtime-migrations adds foreign keys and CHECKs NOT VALID + VALIDATE and UNIQUE /
        PRIMARY KEY through a concurrent index; exclusion constraints stay as Django writes them."""
        return self.family in ("foreign-key", "check", "unique")

    def _message(self, what: str, advice_key: str) -> str:
        return f"{what} {self.param('consequence')}; {self.param(advice_key)}"

    # -- Django ----------------------------------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        if self.database != "postgresql":
            return
        for op in migration.operations:
            if not on_existing_table(self, migration, op):
                continue
            what = self._django_hazard(op)
            if what is not None:
                complete = what.startswith("!")  # a message of its own, not "<what> <consequence>; <advice>"
                self.report(op.call, what[1:] if complete else self._message(what, "advice-django"))

    def _django_hazard(self, op: DjangoOp) -> str | None:
        written = f"{self.written(op.call)}()"
        family = self.family
        if op.name == "AddConstraint":
            found = constraint_class(op, self.names)
            if found is not None and found[0] in self.param("django-constraints"):
                if found[0] == "UniqueConstraint" and self._partial(found[1]):
                    return (f"!{written} adds a UniqueConstraint with a condition or expressions: Django builds it "
                            f"as a unique index with a plain CREATE UNIQUE INDEX, which blocks writes while it runs; "
                            f"run RunSQL('CREATE UNIQUE INDEX CONCURRENTLY ...') in a migration with atomic = False "
                            f"and keep the AddConstraint in state_operations of SeparateDatabaseAndState")
                return f"{written} adds a {found[0]}, which"
            return None
        if op.name not in ("AddField", "AlterField"):
            if op.name == "AlterUniqueTogether" and family == "unique" and self._unique_together_grows(op):
                return f"{written} adds a UNIQUE constraint, which"
            return None
        field = added_field(self, op)
        if field is None:
            return None
        base = field_base(self, op, field)
        label = field_label(op)
        if family == "foreign-key" and base in FOREIGN_KEYS and not keyword_false(field, "db_constraint"):
            if op.name == "AddField":
                return f"{written} adds {label} with a foreign key constraint, which"
            before = previous_base(self, op)
            record = self.record(op)
            was_constrained = before in FOREIGN_KEYS and record is not None and record.previous is not None \
                and record.previous.get("db_constraint", True) is not False
            if before is not None and not was_constrained:
                return f"{written} turns {label} into a foreign key with a constraint, which"
        if family == "unique":
            unique = keyword_true(field, "unique") or keyword_true(field, "primary_key") or base in ONE_TO_ONE
            if not unique:
                return None
            if op.name == "AddField":
                return f"{written} adds {label} with a UNIQUE constraint, which"
            record = self.record(op)
            if record is None or record.previous is None or record.previous.opaque:
                return None  # without the previous definition, the index may exist already
            previous = record.previous
            was_unique = previous.get("unique") is True or previous.get("primary_key") is True \
                or previous_base(self, op) in ONE_TO_ONE
            if not was_unique:
                return f"{written} makes {label} unique, which"
        return None

    @staticmethod
    def _partial(call: cst.Call) -> bool:
        # Positional arguments are expressions; ``**opts`` may hold anything, so it says nothing either way.
        return any(a.keyword is not None and a.keyword.value in ("condition", "expressions") for a in call.args) or any(
            a.keyword is None and a.star != "**" for a in call.args)

    def _unique_together_grows(self, op: DjangoOp) -> bool:
        record = self.record(op)
        if record is None or record.model_before is None or not record.model_before.known:
            return False
        new = _pairs(record.extra.get("unique_together"))
        old = _pairs(record.model_before.options.get("unique_together"))
        return new is not None and old is not None and bool(new - old)

    # -- Alembic ---------------------------------------------------------------------------

    def on_alembic(self, op: AlembicOp) -> None:
        if self.database != "postgresql":
            return
        table = alembic_table(op)
        if table is not None and table in self.created_tables[-1]:
            return
        written = f"{self.written(op.call)}()"
        family = self.family
        if op.name in self.param("alembic"):
            if family in ("foreign-key", "check") and (
                true_keyword(op.call, "postgresql_not_valid") or has_star_kwargs(op.call)  # **opts may carry it
            ):
                return
            self.report(op.call, self._message(f"{written} on {table or 'the table'}", "advice-alembic"))
            return
        if op.name != "add_column":
            return
        column = added_column(op, self.names)
        if column is None:
            return
        label = f"column {column.name!r}" if column.name else "a column"
        if family == "foreign-key" and column.foreign_keys:
            self.report(op.call, self._message(f"{written} adds {label} with sa.ForeignKey(...), which", "advice-alembic"))
        elif family == "unique" and column.unique:  # Alembic adds a column's UNIQUE constraint after it (not its PK)
            self.report(op.call, self._message(f"{written} adds {label} with a UNIQUE constraint, which", "advice-alembic"))

    # -- SQL -------------------------------------------------------------------------------

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.database != "postgresql":
            return
        family = self.family
        if statement.table is not None and statement.table in place.created:
            return
        if statement.kind == _NOT_VALID.get(family):
            if statement.detail:
                self.not_valid[self._scope(statement.detail)] = place.in_transaction
            return
        if statement.kind == "validate-constraint" and self.not_valid.get(self._scope(statement.detail)) \
                and place.in_transaction:
            self.report(call, f"{self.written(call)}() runs {statement.sql!r} in the same transaction that added the "
                              f"constraint NOT VALID: the lock taken by ADD CONSTRAINT is held until the validation "
                              f"ends; validate in a separate migration (or after COMMIT)")
            return
        if statement.kind in _SQL[family]:
            self.report(call, self._message(f"{self.written(call)}() runs {statement.sql!r}, which", "advice-sql"))


def _pairs(value) -> frozenset[tuple[str, ...]] | None:
    """``unique_together`` as a set of field-name tuples (one tuple or a tuple of tuples)."""
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return frozenset({tuple(value)})
    if isinstance(value, (list, tuple, set, frozenset)):
        out = set()
        for item in value:
            if not isinstance(item, (list, tuple)) or not all(isinstance(v, str) for v in item):
                return None
            out.add(tuple(item))
        return frozenset(out)
    return None



