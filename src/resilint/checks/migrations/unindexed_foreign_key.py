"""The ``unindexed-foreign-key`` check kind (REL419): a foreign key column added without an index.

PostgreSQL does not index the referencing column of a foreign key. Without an index every
``DELETE`` or key ``UPDATE`` on the referenced table scans the whole referencing table (under a
lock), and joins on the key scan too. Django indexes a ``ForeignKey`` by default: only
``db_index=False`` is reported. Alembic (SQLAlchemy) never does: a ``sa.Column`` with
``sa.ForeignKey(...)`` added by ``add_column`` or created by ``create_table`` is reported unless
it has ``index=True``, is a primary key or unique, or the same ``upgrade()`` creates an index
whose first column it is (``op.create_index``, ``sa.Index``/``sa.UniqueConstraint``/
``sa.PrimaryKeyConstraint`` in the table). A ``create_foreign_key`` on a column that already
exists is not judged: its index may come from an earlier migration.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import keyword_arg, positional_arg
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, field_of
from resilint.checks.migrations.lock_context import (
    FOREIGN_KEYS,
    SaColumn,
    added_column,
    alembic_table,
    sa_column,
)
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import literal_bool, string_literal
from resilint.rule import Param

_INDEX_CLASSES = frozenset({
    "sqlalchemy.Index", "sqlalchemy.schema.Index", "sqlalchemy.UniqueConstraint", "sqlalchemy.schema.UniqueConstraint",
    "sqlalchemy.PrimaryKeyConstraint", "sqlalchemy.schema.PrimaryKeyConstraint",
})


class UnindexedForeignKey(MigrationRule):
    kind = "unindexed-foreign-key"
    description = "A foreign key column added without an index."
    parameters = {"advice": Param(str, doc="what to do")}

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        self.indexed: set[tuple[str, str]] | None = None  # (table, first column) of indexes made in upgrade()

    # -- Django -----------------------------------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        leading = _django_index_leads(migration, self.names)
        for op in migration.operations:
            fields: list[tuple[str | None, cst.Call]] = []
            if op.name == "AddField":
                field = field_of(op, self.names)
                if field is not None and not field.opaque:
                    fields.append((string_literal(op.arg("name")), field.call))
            elif op.name == "CreateModel":
                value = op.arg("fields")
                if isinstance(value, (cst.List, cst.Tuple)):
                    for element in value.elements:
                        pair = element.value
                        if isinstance(pair, cst.Tuple) and len(pair.elements) == 2 and isinstance(
                                pair.elements[1].value, cst.Call):
                            fields.append((string_literal(pair.elements[0].value), pair.elements[1].value))
            for name, call in fields:
                qualname = self.names.qualified_name(call.func) or ""
                if qualname.rsplit(".", 1)[-1] not in FOREIGN_KEYS or qualname.rsplit(".", 1)[-1] in (
                        "OneToOneField", "TreeOneToOneField"):
                    continue
                db_index = keyword_arg(call, ("db_index",))
                constraint = keyword_arg(call, ("db_constraint",))
                if db_index is None or literal_bool(db_index.value) is not False:
                    continue
                if constraint is not None and literal_bool(constraint.value) is False:
                    continue
                if name is not None and (op.model or "", name) in leading:
                    continue
                self.report(call, f"{self.written(call)}(db_index=False) adds the foreign key column {name!r} "
                                  f"without an index; {self.param('advice')}")

    # -- Alembic ----------------------------------------------------------------------------

    def on_alembic(self, op: AlembicOp) -> None:
        if self.in_downgrade:
            return
        if self.indexed is None:
            self.indexed = _alembic_index_leads(self.context.module, self.names)
        if op.name == "add_column":
            column = added_column(op, self.names)
            table = alembic_table(op)
            if column is not None:
                self._judge(op.call, column, table, f"{self.written(op.call)}()")
        elif op.name == "create_table" and op.batch is None:
            table = alembic_table(op)
            table_leads = _table_level_leads(op.call, self.names)
            for arg in op.call.args[1:]:
                column = sa_column(arg.value, self.names)
                if column is not None and column.name not in table_leads:
                    self._judge(arg.value, column, table, f"{self.written(op.call)}() column")

    def _judge(self, node: cst.CSTNode, column: SaColumn, table: str | None, what: str) -> None:
        if not column.foreign_keys or column.opaque or column.index or column.primary_key or column.unique:
            return
        if column.name is None or (table is not None and (table, column.name) in (self.indexed or set())):
            return
        self.report(node, f"{what} {column.name!r} has a foreign key but no index; {self.param('advice')}")


def _django_index_leads(migration: DjangoMigration, names) -> set[tuple[str, str]]:
    """(model, first field) of every index / unique constraint / unique_together in the migration."""
    out: set[tuple[str, str]] = set()
    for op in migration.operations:
        model = op.model or ""
        for node in _walk(op.call):
            if isinstance(node, cst.Call):
                qualname = names.qualified_name(node.func) or ""
                if qualname.rsplit(".", 1)[-1] in ("Index", "UniqueConstraint", "GinIndex", "BTreeIndex",
                                                   "HashIndex", "GistIndex", "BrinIndex"):
                    fields = keyword_arg(node, ("fields",))
                    first = _first_string(fields.value) if fields is not None else None
                    if first:
                        out.add((model, first.lstrip("-")))
            if isinstance(node, cst.DictElement) and string_literal(node.key) in ("unique_together", "index_together"):
                first = _first_string(node.value)
                if first:
                    out.add((model, first))
        if op.name in ("AlterUniqueTogether", "AlterIndexTogether"):
            value = keyword_arg(op.call, ("unique_together", "index_together")) or positional_arg(op.call, 1)
            first = _first_string(value.value) if value is not None else None
            if first:
                out.add((model, first))
    return out


def _first_string(node: cst.BaseExpression) -> str | None:
    """The first string of a (nested) list/tuple/set literal."""
    while isinstance(node, (cst.List, cst.Tuple, cst.Set)) and node.elements:
        node = node.elements[0].value
    return string_literal(node)


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _alembic_index_leads(module: cst.Module, names) -> set[tuple[str, str]]:
    """(table, first column) of every ``op.create_index`` / ``batch_op.create_index`` in upgrade()."""
    out: set[tuple[str, str]] = set()
    for statement in module.body:
        if not (isinstance(statement, cst.FunctionDef) and statement.name.value == "upgrade"):
            continue
        for node in _walk(statement):
            if not isinstance(node, cst.Call):
                continue
            qualname = names.call_name(node) or ""
            is_index = qualname in ("alembic.op.create_index", "alembic.op.create_unique_constraint",
                                    "alembic.op.create_primary_key")
            if not is_index:
                continue
            table = string_literal((keyword_arg(node, ("table_name",)) or positional_arg(node, 1) or
                                    cst.Arg(cst.Name("None"))).value)
            columns = keyword_arg(node, ("columns",)) or positional_arg(node, 2)
            first = _first_string(columns.value) if columns is not None else None
            if table and first:
                out.add((table, first))
    return out


def _table_level_leads(call: cst.Call, names) -> set[str]:
    """First columns of ``sa.Index``/``sa.UniqueConstraint``/``sa.PrimaryKeyConstraint`` inside create_table."""
    out: set[str] = set()
    for arg in call.args:
        value = arg.value
        if isinstance(value, cst.Call) and (names.call_name(value) or "") in _INDEX_CLASSES:
            strings = [string_literal(a.value) for a in value.args if a.keyword is None]
            strings = [s for s in strings if s]
            qualname = names.call_name(value) or ""
            first = strings[1] if qualname.endswith("Index") and len(strings) > 1 else (strings[0] if strings else None)
            if first:
                out.add(first)
    return out
