"""The ``transaction-control`` check kind (REL421): ``BEGIN``/``COMMIT``/``ROLLBACK`` in SQL that a
migration runs inside its own transaction.

Django runs an atomic migration (the default) in one transaction, Alembic runs ``upgrade()`` in
one on PostgreSQL. A ``BEGIN`` there is nested (PostgreSQL warns and ignores it; squawk's
``transaction-nesting``), a ``COMMIT`` ends the migration's transaction half-way: what ran before
is committed even if the rest fails, and the framework's own bookkeeping (``django_migrations``,
``alembic_version``) runs outside the transaction it thinks it has. ``op.execute("COMMIT")`` is an
old Alembic trick to run ``CREATE INDEX CONCURRENTLY`` or ``ALTER TYPE ... ADD VALUE``; Alembic
1.2+ has ``autocommit_block()`` for it. A ``BEGIN ... COMMIT`` pair in a non-atomic migration
(its own transaction) is fine.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import LockStatement
from resilint.rule import Param


class TransactionControl(MigrationRule):
    kind = "transaction-control"
    description = "BEGIN/COMMIT/ROLLBACK in SQL run inside the migration's own transaction."
    wants_lock_sql = True
    parameters = {"advice-django": Param(str, doc="the Django way"), "advice-alembic": Param(str, doc="the Alembic way")}

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        self.own = False  # a transaction the migration's SQL opened itself (BEGIN outside the migration's)

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        advice = self.param("advice-alembic" if self.framework == "alembic" else "advice-django")
        if statement.kind == "begin":
            if place.in_transaction:
                self.report(call, f"{self.written(call)}() runs {statement.sql!r} inside the migration's transaction: "
                                  f"the BEGIN is nested (ignored with a warning) and a later COMMIT ends the "
                                  f"migration's transaction half-way; {advice}")
            else:
                self.own = True
        elif statement.kind == "commit":
            if place.in_transaction and not self.own:
                self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which ends the migration's own "
                                  f"transaction half-way: what ran before stays committed if the rest fails; {advice}")
            self.own = False
