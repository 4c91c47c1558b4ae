"""What the lock checks of "every lock-taking migration" share: which Django class a field
behaves as, whether an operation acts on a table that already exists, the constraint an
``AddConstraint`` adds, the table of an Alembic constraint operation, and what an
``sa.Column(...)`` carries (foreign keys, identity, computed, unique, index).

Everything is resolved through imports (:class:`~resilint.engine.names.NameResolver`) and the
migration history; never by the text of a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.common.arguments import has_star_kwargs, keyword_arg, positional_arg
from resilint.checks.migrations.alembic import COLUMNS, AlembicOp
from resilint.checks.migrations.django import DjangoMigration, DjangoOp, FieldCall, field_of
from resilint.engine.literals import is_none, literal_bool, string_literal
from resilint.engine.names import NameResolver

if TYPE_CHECKING:
    from resilint.checks.migrations.migration_rule import MigrationRule

# Django field classes that add a foreign key constraint (and, by default, an index).
FOREIGN_KEYS = frozenset({"ForeignKey", "OneToOneField", "TreeForeignKey", "TreeOneToOneField", "ParentalKey"})
ONE_TO_ONE = frozenset({"OneToOneField", "TreeOneToOneField"})
AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
CONSTRAINT_MODULES = frozenset({
    "django.db.models", "django.db.models.constraints", "django.contrib.postgres.constraints",
})
SA_FOREIGN_KEY = frozenset({"sqlalchemy.ForeignKey", "sqlalchemy.schema.ForeignKey", "sqlalchemy.sql.schema.ForeignKey"})
SA_IDENTITY = frozenset({"sqlalchemy.Identity", "sqlalchemy.schema.Identity", "sqlalchemy.sql.schema.Identity"})
SA_COMPUTED = frozenset({"sqlalchemy.Computed", "sqlalchemy.schema.Computed", "sqlalchemy.sql.schema.Computed"})
SA_SEQUENCE = frozenset({"sqlalchemy.Sequence", "sqlalchemy.schema.Sequence", "sqlalchemy.sql.schema.Sequence"})
SA_JSON = frozenset({
    "sqlalchemy.JSON", "sqlalchemy.types.JSON", "sqlalchemy.sql.sqltypes.JSON", "sqlalchemy.dialects.postgresql.JSON",
    "sqlalchemy.dialects.postgresql.json.JSON",
})
SA_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})
SA_FUNC = "sqlalchemy.func"


def field_base(rule: MigrationRule, op: DjangoOp, field: FieldCall) -> str:
    """The Django class the added/altered field behaves as (a project-local subclass of ForeignKey
    is a ForeignKey), from the history's resolver when it knows the field, else the class written."""
    record = rule.record(op)
    resolver = rule.facts.resolver
    if record is not None and record.field is not None and resolver is not None:
        base = resolver.info(record.field.path, record.field.cls).base
        if base:
            return base
    return field.class_name


def previous_base(rule: MigrationRule, op: DjangoOp) -> str | None:
    record = rule.record(op)
    resolver = rule.facts.resolver
    if record is None or record.previous is None or record.previous.opaque or resolver is None:
        return None
    return resolver.info(record.previous.path, record.previous.cls).base


def on_existing_table(rule: MigrationRule, migration: DjangoMigration, op: DjangoOp) -> bool:
    """The operation's model existed before this migration and has a table of its own (not created
    here, not proxy/unmanaged). Without a history the model is taken to exist."""
    if migration.on_new_model(op):
        return False
    record = rule.record(op)
    model = record.model_before if record is not None else None
    return not (model is not None and model.known and not model.has_table)


def added_field(rule: MigrationRule, op: DjangoOp) -> FieldCall | None:
    """The field an AddField/AlterField writes, None when ``**kwargs`` hide its options."""
    field = field_of(op, rule.names)
    return None if field is None or field.opaque else field


def keyword_true(field: FieldCall, name: str) -> bool:
    return literal_bool(field.keyword(name)) is True


def keyword_false(field: FieldCall, name: str) -> bool:
    return literal_bool(field.keyword(name)) is False


def constraint_class(op: DjangoOp, names: NameResolver) -> tuple[str, cst.Call] | None:
    """``AddConstraint(model_name, constraint=models.CheckConstraint(...))``: ("CheckConstraint", call)."""
    value = keyword_arg(op.call, ("constraint",)) or positional_arg(op.call, 1)
    if value is None or not isinstance(value.value, cst.Call):
        return None
    qualname = names.qualified_name(value.value.func)
    if qualname is None or "." not in qualname:
        return None
    module, name = qualname.rsplit(".", 1)
    return (name, value.value) if module in CONSTRAINT_MODULES else None


# -- Alembic ------------------------------------------------------------------------------

# op.<name>(...) -> position of the table argument (batch_op.<name> takes it from the batch).
_CONSTRAINT_TABLE = {
    "create_foreign_key": 1, "create_check_constraint": 1, "create_unique_constraint": 1,
    "create_primary_key": 1, "create_exclude_constraint": 1, "add_column": 0, "create_index": 1,
    "drop_constraint": 1, "drop_column": 0, "alter_column": 0, "drop_index": 1, "rename_table": 0,
    "drop_table": 0, "create_table": 0,
}
_TABLE_KEYWORDS = {"create_foreign_key": "source_table", "create_check_constraint": "table_name",
                   "create_unique_constraint": "table_name", "create_primary_key": "table_name",
                   "create_exclude_constraint": "table_name"}


def alembic_table(op: AlembicOp) -> str | None:
    """The table an Alembic operation acts on (literal names only)."""
    if op.batch is not None:
        arg = positional_arg(op.batch, 0) or keyword_arg(op.batch, ("table_name",))
    elif op.name in _CONSTRAINT_TABLE:
        arg = keyword_arg(op.call, (_TABLE_KEYWORDS.get(op.name, "table_name"),)) or positional_arg(
            op.call, _CONSTRAINT_TABLE[op.name])
    else:
        return None
    return string_literal(arg.value) if arg is not None else None


def true_keyword(call: cst.Call, name: str) -> bool:
    arg = keyword_arg(call, (name,))
    return arg is not None and literal_bool(arg.value) is True


@dataclass(frozen=True)
class SaColumn:
    """What an ``sa.Column(...)`` passed to ``add_column``/``create_table`` carries."""

    call: cst.Call
    name: str | None
    type_name: str | None  # qualified name of the type ("sqlalchemy.JSON")
    foreign_keys: tuple[cst.Call, ...]
    identity: bool
    computed_stored: bool
    sequence: bool
    unique: bool
    primary_key: bool
    index: bool
    server_default: cst.BaseExpression | None
    opaque: bool


def sa_column(node: cst.BaseExpression | None, names: NameResolver) -> SaColumn | None:
    if not isinstance(node, cst.Call) or names.call_name(node) not in COLUMNS:
        return None
    name: str | None = None
    type_name: str | None = None
    fks: list[cst.Call] = []
    identity = computed = sequence = False
    for i, arg in enumerate(node.args):
        if arg.keyword is not None or arg.star:
            continue
        value = arg.value
        if i == 0 and string_literal(value) is not None:
            name = string_literal(value)
            continue
        target = value.func if isinstance(value, cst.Call) else value
        qualname = names.qualified_name(target)
        if qualname in SA_FOREIGN_KEY and isinstance(value, cst.Call):
            fks.append(value)
        elif qualname in SA_IDENTITY:
            identity = True
        elif qualname in SA_COMPUTED and isinstance(value, cst.Call):
            persisted = keyword_arg(value, ("persisted",))
            computed = persisted is None or literal_bool(persisted.value) is not False  # PostgreSQL: STORED
        elif qualname in SA_SEQUENCE:
            sequence = True
        elif type_name is None and qualname is not None and qualname.startswith("sqlalchemy"):
            type_name = qualname
    default = keyword_arg(node, ("server_default",))
    server_default = default.value if default is not None and not is_none(default.value) else None
    return SaColumn(node, name, type_name, tuple(fks), identity, computed, sequence, true_keyword(node, "unique"),
                    true_keyword(node, "primary_key"), true_keyword(node, "index"), server_default,
                    has_star_kwargs(node))


def added_column(op: AlembicOp, names: NameResolver) -> SaColumn | None:
    """The Column of ``op.add_column(table, Column(...))`` / ``batch_op.add_column(Column(...))``."""
    arg = keyword_arg(op.call, ("column",)) or positional_arg(op.call, 0 if op.batch is not None else 1)
    return sa_column(arg.value if arg is not None else None, names)


def volatile_server_default(column: SaColumn, names: NameResolver) -> str | None:
    """The volatile function of a ``server_default``: ``sa.text("gen_random_uuid()")`` or
    ``sa.func.gen_random_uuid()`` (the SQL classifier decides which functions are volatile)."""
    from resilint.checks.migrations.sql_locks import lock_statements

    value = column.server_default
    if value is None:
        return None
    text: str | None = None
    if isinstance(value, cst.Call) and names.call_name(value) in SA_TEXT and value.args:
        text = string_literal(value.args[0].value)
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        qualname = names.qualified_name(value.func)
        if qualname is not None and qualname.startswith(SA_FUNC + ".") and qualname.count(".") == 2:
            text = qualname.rsplit(".", 1)[1] + "()"
    if text is None:
        return None
    for statement in lock_statements(f"ALTER TABLE t ADD COLUMN c int DEFAULT {text}"):
        if statement.kind == "volatile-default":
            return statement.detail
    return None
