"""Alembic migrations, read statically.

A module that imports from ``alembic`` and defines ``upgrade()`` at module
level is a migration script. ``op.*`` calls are recognised by qualified name
(``from alembic import op``, any alias); ``batch_op.*`` by the constructor of
the receiver (``with op.batch_alter_table(...) as batch_op``); the
``with op.get_context().autocommit_block():`` block by the constructor of its
context manager. Functions named ``downgrade`` (or ``downgrade_<engine>`` in
multi-database templates) run on the way back: destructive operations there
undo an upgrade and are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from resilint.checks.common.arguments import (
    has_star_kwargs,
    keyword_arg,
    positional_arg,
)
from resilint.engine.literals import literal_bool, string_literal
from resilint.engine.names import NameResolver

OP_MODULE = "alembic.op"
BATCH = "alembic.op.batch_alter_table"
AUTOCOMMIT = "alembic.op.get_context.autocommit_block"
COLUMNS = frozenset({"sqlalchemy.Column", "sqlalchemy.schema.Column", "sqlalchemy.sql.schema.Column", "sqlmodel.Column"})

# Where the table name sits in an op's signature (batch ops take it from batch_alter_table).
_TABLE_POSITION = {"create_table": 0, "add_column": 0, "create_index": 1, "drop_index": 1, "alter_column": 0}


@dataclass(frozen=True)
class AlembicOp:
    name: str  # "add_column"
    call: cst.Call
    batch: cst.Call | None  # the op.batch_alter_table(...) call for batch_op.* operations

    @property
    def table(self) -> str | None:
        if self.batch is not None:
            arg = positional_arg(self.batch, 0) or keyword_arg(self.batch, ("table_name",))
        elif self.name in _TABLE_POSITION:
            arg = keyword_arg(self.call, ("table_name",)) or positional_arg(self.call, _TABLE_POSITION[self.name])
        else:
            return None
        return string_literal(arg.value) if arg is not None else None


def is_alembic_module(module: cst.Module, names: NameResolver) -> bool:
    """Imports alembic and defines ``upgrade()``; or, without the import (plugin frameworks that
    pass ``op`` in, like CTFd's ``def upgrade(op=None)``), declares the revision identifiers
    ``revision = "..."`` and ``down_revision = ...`` next to ``upgrade()``."""
    has_upgrade = any(isinstance(s, cst.FunctionDef) and s.name.value == "upgrade" for s in module.body)
    if not has_upgrade:
        return False
    imports_alembic = any(
        b.qualname is not None and (b.qualname == "alembic" or b.qualname.startswith("alembic."))
        for b in names.module_scope.bindings.values()
    )
    return imports_alembic or _declares_revision(module)


def _declares_revision(module: cst.Module) -> bool:
    found: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            target = small.targets[0].target if isinstance(small, cst.Assign) and len(small.targets) == 1 else (
                small.target if isinstance(small, cst.AnnAssign) else None)
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if isinstance(target, cst.Name) and target.value in ("revision", "down_revision"):
                if target.value == "revision" and string_literal(value) is None:
                    continue
                found.add(target.value)
    return found == {"revision", "down_revision"}


def is_downgrade(name: str) -> bool:
    return name == "downgrade" or name.startswith("downgrade_")


def alembic_op(call: cst.Call, names: NameResolver) -> AlembicOp | None:
    qualname = names.call_name(call)
    if qualname is not None and qualname.startswith(OP_MODULE + ".") and qualname.count(".") == 2:
        return AlembicOp(qualname.rsplit(".", 1)[1], call, None)
    if isinstance(call.func, cst.Attribute):
        receiver = names.constructor(call.func.value)
        if receiver is not None and receiver.qualname == BATCH:
            return AlembicOp(call.func.attr.value, call, receiver.call)
    return None


def is_autocommit_block(item: cst.WithItem, names: NameResolver) -> bool:
    made = names.constructor(item.item)
    return made is not None and made.qualname == AUTOCOMMIT


@dataclass(frozen=True)
class ColumnCall:
    """``sa.Column("name", sa.String(), nullable=False)``."""

    call: cst.Call

    @property
    def name(self) -> str | None:
        arg = positional_arg(self.call, 0)
        return string_literal(arg.value) if arg is not None else None

    def not_null(self) -> bool | None:
        """SQLAlchemy: ``nullable`` defaults to ``not primary_key``; None when unknown."""
        if has_star_kwargs(self.call):
            return None
        nullable = keyword_arg(self.call, ("nullable",))
        if nullable is not None:
            value = literal_bool(nullable.value)
            return None if value is None else not value
        primary = keyword_arg(self.call, ("primary_key",))
        return primary is not None and literal_bool(primary.value) is True

    def has_server_default(self) -> bool:
        arg = keyword_arg(self.call, ("server_default",))
        return arg is not None and not (isinstance(arg.value, cst.Name) and arg.value.value == "None")


def column_of(op: AlembicOp, names: NameResolver) -> ColumnCall | None:
    """The Column an ``add_column`` adds (table name first for ``op``, not for ``batch_op``)."""
    arg = keyword_arg(op.call, ("column",)) or positional_arg(op.call, 0 if op.batch is not None else 1)
    if arg is None or not isinstance(arg.value, cst.Call):
        return None
    if names.call_name(arg.value) not in COLUMNS:
        return None
    return ColumnCall(arg.value)


def inert_body(function: cst.FunctionDef) -> bool:
    """A body that does nothing but ``pass``, ``...``, a docstring or ``raise``."""
    body = function.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else ()
    if isinstance(body, cst.SimpleStatementSuite):
        statements = (cst.SimpleStatementLine(body=body.body),)
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, (cst.Pass, cst.Raise)):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)):
                continue
            return False
    return True
