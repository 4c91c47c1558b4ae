"""Django migrations, read statically: no settings, no database, no imports.

A migration is a class whose base resolves (through imports and aliases) to
``django.db.migrations.Migration``; its ``operations = [...]`` list holds calls
to operation classes, recognised by qualified name whatever the import form
(``migrations.AddField``, ``from django.db.migrations import AddField``,
``from django.contrib.postgres.operations import AddIndexConcurrently``).
``SeparateDatabaseAndState`` is opened: its ``database_operations`` run against
the database and are checked, its ``state_operations`` only change Django's
model state and are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from resilint.checks.common.arguments import (
    has_star_kwargs,
    keyword_arg,
    positional_arg,
)
from resilint.engine.literals import string_literal
from resilint.engine.names import NameResolver, dotted_name

# How Django spells its migration API (recognition, shared by every migration check).
MIGRATION_BASES = frozenset({"django.db.migrations.Migration", "django.db.migrations.migration.Migration"})
SEPARATE = "SeparateDatabaseAndState"

# Signatures: positional index of the arguments the checks read.
_POSITIONS = {
    ("AddField", "model_name"): 0,
    ("AddField", "name"): 1,
    ("AddField", "field"): 2,
    ("*", "model_name"): 0,
    ("*", "name"): 1,
    ("AlterField", "model_name"): 0,
    ("AlterField", "name"): 1,
    ("AlterField", "field"): 2,
    ("RemoveField", "model_name"): 0,
    ("AddIndex", "model_name"): 0,
    ("AddIndexConcurrently", "model_name"): 0,
    ("CreateModel", "name"): 0,
    ("AddConstraint", "model_name"): 0,
    ("AddConstraint", "constraint"): 1,
    ("RemoveConstraint", "model_name"): 0,
    ("RemoveIndex", "model_name"): 0,
    ("RenameField", "model_name"): 0,
    ("AlterUniqueTogether", "name"): 0,
    ("AlterIndexTogether", "name"): 0,
    ("RunPython", "code"): 0,
    ("RunPython", "reverse_code"): 1,
    ("RunSQL", "sql"): 0,
    ("RunSQL", "reverse_sql"): 1,
    (SEPARATE, "database_operations"): 0,
    (SEPARATE, "state_operations"): 1,
}


@dataclass(frozen=True)
class DjangoOp:
    name: str  # a Django operation class ("AddField"), else the qualified name of a third-party one
    call: cst.Call

    def arg(self, keyword: str) -> cst.BaseExpression | None:
        """An argument by keyword or by its position in Django's signature."""
        found = keyword_arg(self.call, (keyword,))
        position = _POSITIONS.get((self.name, keyword))
        if position is None and "." in self.name:  # third-party operations: (model_name, name, ...)
            position = _POSITIONS.get(("*", keyword))
        if found is None and position is not None:
            found = positional_arg(self.call, position)
        return found.value if found is not None else None

    @property
    def model(self) -> str | None:
        """The model the operation works on, lower-cased (Django's own convention)."""
        by_name = self.name in ("CreateModel", "AlterUniqueTogether", "AlterIndexTogether")
        text = string_literal(self.arg("name") if by_name else self.arg("model_name"))
        return text.lower() if text is not None else None


# Markers the ecosystem uses to say a migration is already taken care of.
SAFE_CLASS = "django_safemigrate.Safe"  # safe = Safe.after_deploy() / Safe.after_deploy (< 5.0)
SAFE_VALUES = frozenset({"after_deploy", "before_deploy", "always"})
IGNORE_MIGRATION = frozenset({"django_migration_linter.IgnoreMigration", "django_migration_linter.operations.IgnoreMigration"})


@dataclass(frozen=True)
class DjangoMigration:
    node: cst.ClassDef
    atomic: bool
    operations: tuple[DjangoOp, ...]  # those that touch the database, in order
    created_models: frozenset[str] = field(default_factory=frozenset)
    squashed: bool = False  # ``replaces = [...]`` is not empty: a squash of reviewed migrations
    # django-safemigrate as written: "after_deploy" | "before_deploy" | "always" (Safe.*), "true" |
    # "false" (a bare boolean, 1.x); what it means for the project: safemigrate.effective_marker
    safe: str | None = None
    ignored: bool = False  # django-migration-linter's IgnoreMigration() among the operations

    def on_new_model(self, op: DjangoOp) -> bool:
        """The operation's model is created by this same migration: no old code uses it."""
        return op.model is not None and op.model in self.created_models


def is_migration_class(node: cst.ClassDef, names: NameResolver) -> bool:
    for base in node.bases:
        if base.keyword is not None:
            continue
        if _resolve(base.value, names) in MIGRATION_BASES:
            return True
    return False


def _resolve(expr: cst.BaseExpression, names: NameResolver, depth: int = 0) -> str | None:
    """A qualified name, following one module-level alias (``Base = migrations.Migration``)."""
    qualname = names.qualified_name(expr)
    if qualname is not None or depth > 2 or not isinstance(expr, cst.Name):
        return qualname
    binding = names.lookup(expr.value)
    if binding is not None and binding.value is not None and dotted_name(binding.value) is not None:
        return _resolve(binding.value, names, depth + 1)
    return None


def read_migration(node: cst.ClassDef, names: NameResolver) -> DjangoMigration:
    """The database operations of a migration class, its ``atomic`` flag and the models it creates."""
    atomic = True
    squashed = False
    safe: str | None = None
    operations: list[DjangoOp] = []
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            target, value = _assignment(small)
            if target == "atomic" and isinstance(value, cst.Name) and value.value in ("True", "False"):
                atomic = value.value == "True"
            elif target == "operations" and value is not None:
                operations.extend(_operations(value, names))
            elif target == "replaces" and isinstance(value, (cst.List, cst.Tuple)):
                squashed = bool(value.elements)
            elif target == "safe" and value is not None:
                safe = safe_marker(value, names)
    ignored = any(op.name in IGNORE_MIGRATION for op in operations)
    created = frozenset(m for op in operations if op.name == "CreateModel" and (m := op.model) is not None)
    return DjangoMigration(node, atomic, tuple(operations), created, squashed, safe, ignored)


def safe_marker(value: cst.BaseExpression, names: NameResolver) -> str | None:
    """``Safe.after_deploy()`` (django-safemigrate 5+), ``Safe.after_deploy`` (2.0-4.x),
    with ``Safe`` imported from django_safemigrate: the marker's name; ``safe = True`` /
    ``safe = False`` (1.x): ``"true"``/``"false"``; else None."""
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value.lower()
    target = value.func if isinstance(value, cst.Call) else value
    qualname = names.qualified_name(target)
    if qualname is None or "." not in qualname:
        return None
    owner, name = qualname.rsplit(".", 1)
    return name if owner == SAFE_CLASS and name in SAFE_VALUES else None


def _assignment(small: cst.BaseSmallStatement) -> tuple[str | None, cst.BaseExpression | None]:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value, small.value
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        return small.target.value, small.value
    return None, None


def _operations(value: cst.BaseExpression, names: NameResolver) -> Iterator[DjangoOp]:
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        yield from _operations(value.left, names)
        yield from _operations(value.right, names)
        return
    if not isinstance(value, (cst.List, cst.Tuple)):
        return
    for element in value.elements:
        if not isinstance(element.value, cst.Call):
            continue
        name = operation_name(element.value, names)
        if name is None:
            continue
        op = DjangoOp(name, element.value)
        if name == SEPARATE:
            database = op.arg("database_operations")
            if database is not None:
                yield from _operations(database, names)
            continue  # state_operations change Django's state only
        yield op


def operation_name(call: cst.Call, names: NameResolver) -> str | None:
    """``"AddField"`` for Django's operations, the qualified name for others
    (``"django_add_default_value.AddDefaultValue"``), None if not imported."""
    qualname = names.qualified_name(call.func)
    if qualname is None or "." not in qualname:
        return None
    from resilint.checks.migrations.history.django_state import OPERATION_MODULES

    module, name = qualname.rsplit(".", 1)
    return name if module in OPERATION_MODULES else qualname


# -- fields -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldCall:
    """``models.CharField(max_length=20, null=True)`` as far as the checks need it."""

    class_name: str  # last component of the field class ("CharField"), "" if unknown
    call: cst.Call

    def keyword(self, name: str) -> cst.BaseExpression | None:
        arg = keyword_arg(self.call, (name,))
        return arg.value if arg is not None else None

    @property
    def opaque(self) -> bool:
        """``**kwargs`` may carry any option: the checks do not judge such a field."""
        return has_star_kwargs(self.call)


def field_of(op: DjangoOp, names: NameResolver) -> FieldCall | None:
    value = op.arg("field")
    if not isinstance(value, cst.Call):
        return None
    qualname = names.qualified_name(value.func) or dotted_name(value.func) or ""
    return FieldCall(qualname.rsplit(".", 1)[-1], value)
