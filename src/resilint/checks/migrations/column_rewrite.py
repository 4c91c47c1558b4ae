"""The ``column-rewrite`` check kind (REL417): adding a column rewrites the whole table.

PostgreSQL 11+ adds a column with a *constant* or STABLE default (``now()``,
``CURRENT_TIMESTAMP``, Django's ``Now()``) by writing the default once into the catalog.
It still rewrites the table, under an ACCESS EXCLUSIVE lock that blocks reads and
writes, when the column's value differs per row:

- a volatile default: ``clock_timestamp()``, ``random()``, ``gen_random_uuid()``,
  ``uuid_generate_v4()``, ``nextval(...)``, or any function not known to be STABLE or
  IMMUTABLE (squawk's rule; the list is in :mod:`sql_locks`);
- a serial, identity or auto-increment column (Django ``AutoField``/``BigAutoField`` added
  to an existing model, ``sa.Identity()``, an integer ``primary_key`` column);
- a stored generated column (Django ``GeneratedField``, ``sa.Computed``, ``GENERATED ALWAYS AS
  (...) STORED``);
- on PostgreSQL before 11 (``[tool.resilint.migrations] postgresql``), any default at all.

A table created in the same migration is empty: not reported.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, DjangoOp
from resilint.checks.migrations.fields import field_label
from resilint.checks.migrations.lock_context import (
    AUTO_FIELDS,
    added_column,
    added_field,
    alembic_table,
    field_base,
    on_existing_table,
    volatile_server_default,
)
from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import NON_VOLATILE_FUNCTIONS, LockStatement
from resilint.engine.literals import is_none, string_literal
from resilint.rule import Param

_INTEGER_TYPES = frozenset({"Integer", "BigInteger", "SmallInteger", "INTEGER", "BIGINT", "SMALLINT", "INT"})


class ColumnRewrite(MigrationRule):
    kind = "column-rewrite"
    description = "Adding a column rewrites the whole table under an ACCESS EXCLUSIVE lock (PostgreSQL)."
    wants_lock_sql = True
    parameters = {
        "volatile-expressions": Param(list, doc="Django expression classes whose db_default is volatile"),
        "stable-expressions": Param(list, doc="Django expression classes whose db_default is STABLE/constant"),
        "generated-fields": Param(list, doc="Django field classes stored as generated columns"),
        "advice-default": Param(str, doc="what to do instead of a volatile default"),
        "advice-serial": Param(str, doc="what to do instead of adding a serial/identity column"),
        "advice-generated": Param(str, doc="what to do instead of a stored generated column"),
    }

    @property
    def _old_postgresql(self) -> bool:
        major = self.settings.postgresql_major
        return major is not None and major < 11

    def _lock(self) -> str:
        return "rewrites the whole table under an ACCESS EXCLUSIVE lock that blocks reads and writes"

    # -- Django ------------------------------------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        if self.database != "postgresql":
            return
        for op in migration.operations:
            if op.name != "AddField" or not on_existing_table(self, migration, op):
                continue
            field = added_field(self, op)
            if field is None:
                continue
            message = self._django(op, field)
            if message:
                self.report(op.call, f"{self.written(op.call)}() adds {field_label(op)} {message}")

    def _django(self, op: DjangoOp, field) -> str:
        base = field_base(self, op, field)
        if base in AUTO_FIELDS:
            return f"as an auto-increment ({base}) column, which {self._lock()}; {self.param('advice-serial')}"
        if base in self.param("generated-fields"):
            persist = field.keyword("db_persist")
            if not (isinstance(persist, cst.Name) and persist.value == "False"):
                return f"as a stored generated column, which {self._lock()}; {self.param('advice-generated')}"
        default = field.keyword("db_default")
        if default is None or is_none(default):
            return ""
        volatile = self._volatile_expression(default)
        if volatile:
            return (f"with db_default={volatile}, a volatile default: PostgreSQL {self._lock()}; "
                    f"{self.param('advice-default')}")
        if self._old_postgresql:
            return (f"with a db_default: before PostgreSQL 11 any default {self._lock()}; "
                    f"{self.param('advice-default')}")
        return ""

    def _volatile_expression(self, node: cst.BaseExpression) -> str:
        """The written expression when it is known to be volatile (``RandomUUID()``, ``Func(function=
        "gen_random_uuid")``); "" for constants, STABLE expressions and anything unknown."""
        if not isinstance(node, cst.Call):
            return ""
        qualname = self.names.qualified_name(node.func)
        if qualname is None:
            return ""
        name = qualname.rsplit(".", 1)[-1]
        written = f"{self.written(node)}()"
        if name in self.param("volatile-expressions"):
            return written
        if name == "Func":
            arg = next((a for a in node.args if a.keyword is not None and a.keyword.value == "function"), None)
            function = string_literal(arg.value) if arg is not None else None
            if function is not None and function.lower() not in NON_VOLATILE_FUNCTIONS:
                return f"{written[:-2]}(function={function!r})"
        return ""

    # -- Alembic -----------------------------------------------------------------------------

    def on_alembic(self, op: AlembicOp) -> None:
        if self.database != "postgresql" or op.name != "add_column":
            return
        table = alembic_table(op)
        if table is not None and table in self.created_tables[-1]:
            return
        column = added_column(op, self.names)
        if column is None or column.opaque:
            return
        label = f"column {column.name!r}" if column.name else "a column"
        written = f"{self.written(op.call)}() adds {label}"
        type_name = (column.type_name or "").rsplit(".", 1)[-1]
        if column.identity or column.sequence or (column.primary_key and type_name in _INTEGER_TYPES
                                                   and not self._autoincrement_off(column.call)):
            kind = "an identity" if column.identity else "a serial (auto-increment)"
            self.report(op.call, f"{written} as {kind} column, which {self._lock()}; {self.param('advice-serial')}")
            return
        if column.computed_stored:
            self.report(op.call, f"{written} as a stored generated column (sa.Computed), which {self._lock()}; "
                                 f"{self.param('advice-generated')}")
            return
        volatile = volatile_server_default(column, self.names)
        if volatile:
            self.report(op.call, f"{written} with server_default {volatile}(), a volatile default: PostgreSQL "
                                 f"{self._lock()}; {self.param('advice-default')}")
        elif column.server_default is not None and self._old_postgresql:
            self.report(op.call, f"{written} with a server_default: before PostgreSQL 11 any default {self._lock()}; "
                                 f"{self.param('advice-default')}")

    @staticmethod
    def _autoincrement_off(call: cst.Call) -> bool:
        arg = next((a for a in call.args if a.keyword is not None and a.keyword.value == "autoincrement"), None)
        return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "False"

    # -- SQL ---------------------------------------------------------------------------------

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.database != "postgresql" or (statement.table is not None and statement.table in place.created):
            return
        kind = statement.kind
        what = ""
        if kind == "volatile-default":
            what = f"adds a column with the volatile default {statement.detail}(): PostgreSQL {self._lock()}; " \
                   f"{self.param('advice-default')}"
        elif kind == "constant-default" and self._old_postgresql:
            what = f"adds a column with a default: before PostgreSQL 11 that {self._lock()}; {self.param('advice-default')}"
        elif kind in ("serial-column", "identity-column"):
            what = f"adds a {statement.detail or 'identity'} column, which {self._lock()}; {self.param('advice-serial')}"
        elif kind == "generated-stored":
            what = f"adds a stored generated column, which {self._lock()}; {self.param('advice-generated')}"
        if what:
            self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which {what}")
