"""The ``drop-with-code-removal`` check kind (REL426): in diff mode, a migration that drops or
renames a column or table in the same change that removes the model field (or model) using it.

A deploy runs the migration while the previous release is still serving: with the field and its
column gone in one change, the old code selects a column that no longer exists until the last old
process stops (strong_migrations' "removing a column": first deploy code that ignores the column,
then drop it). Adding a field together with its migration is the normal workflow and is not
reported; neither is a drop whose field was removed from the code in an earlier change (the
base revision no longer has it), a state-only removal (``SeparateDatabaseAndState``), nor a
django-safemigrate ``Safe.after_deploy()`` migration (it runs once the old code is gone).

The change's other files come from :class:`~resilint.engine.revisions.Revisions` (the engine sets
``FileContext.revisions`` in ``--diff``/``--staged``/range mode only; outside it the kind is silent):

- Django: the operation's model is looked up by class name in the app's ``models.py`` /
  ``models/`` modules that the change touched, in the base revision and in the new version. A
  ``RemoveField``/``RenameField`` counts when the class had the field assigned at class level in
  the base revision and has no assignment of that name in the new version (the class still
  there); ``DeleteModel``/``RenameModel`` when the class existed and exists no more.
- Alembic: ``drop_column``/``alter_column(new_column_name=)``/``drop_table``/``rename_table`` on a
  literal table; the model is the class whose ``__tablename__`` is that literal, in a Python file
  the change touched (migrations left out). A column is a class-level assignment of a call (its
  name the call's first string argument, else the attribute) or a ``Mapped[...]`` annotation.
  No class found: not reported (precision first: a Core ``Table(...)`` or a model the change did
  not touch says nothing about the deploy).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, ClassVar

from resilint.checks.common.arguments import keyword_arg, positional_arg
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, DjangoOp
from resilint.checks.migrations.migration_operation import MigrationOperation
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none, string_literal
from resilint.engine.revisions import Revisions
from resilint.rule import Param

if TYPE_CHECKING:
    from resilint.checks.migrations.history.pysource import ImportMap

_DJANGO = ("RemoveField", "RenameField", "DeleteModel", "RenameModel")
_ALEMBIC = ("drop_column", "alter_column", "drop_table", "rename_table")
_MIGRATION_FOLDERS = frozenset({"migrations", "versions"})
_MAPPED = frozenset({"sqlalchemy.orm.Mapped", "sqlalchemy.orm.base.Mapped"})


@dataclass(frozen=True)
class _Class:
    name: str
    path: str
    attributes: frozenset[str]  # every class-level assignment target
    fields: frozenset[str]  # class-level assignments of a call (Django fields)
    columns: frozenset[str]  # SQLAlchemy: column names (a call's first string argument, else the attribute)
    table: str | None  # __tablename__ literal
    fixed_columns: frozenset[str]  # Django fields with db_column= (a rename keeps the column)
    fixed_table: bool  # Django: class Meta sets db_table (a rename keeps the table)


class DropWithCodeRemoval(MigrationRule):
    kind = "drop-with-code-removal"
    description = "In diff mode: a migration drops or renames a column or table in the change that removes its model field."
    after_deploy_safe = True  # Safe.after_deploy(): it runs once the old code is gone
    needs_changes: ClassVar[bool] = True  # judges the change: silent outside --diff/--staged
    parameters = {
        "advice-django": Param(str, doc="the safe sequence for Django"),
        "advice-alembic": Param(str, doc="the safe sequence for Alembic"),
    }

    state_only = MigrationOperation.state_only
    _many_to_many_of = MigrationOperation._many_to_many_of

    @property
    def revisions(self) -> Revisions | None:
        return getattr(self.context, "revisions", None)

    def _relpath(self) -> PurePosixPath | None:
        revisions, file = self.revisions, self.context.file
        if revisions is None or file is None:
            return None
        try:
            return PurePosixPath(Path(file).resolve().relative_to(revisions.top.resolve()).as_posix())
        except ValueError:
            return None

    # -- Django ----------------------------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        revisions, relpath = self.revisions, self._relpath()
        if revisions is None or relpath is None or relpath.parent.name != "migrations":
            return
        ops = [op for op in migration.operations if op.name in _DJANGO and not migration.on_new_model(op)]
        if not ops:
            return
        app = relpath.parent.parent
        changed = revisions.changed_paths() or frozenset()
        paths = sorted(p for p in changed if _is_models_module(PurePosixPath(p), app))
        if not paths:
            return
        old, new = _classes(revisions.old(paths)), _classes(revisions.new(paths))
        for op in ops:
            if self.state_only(op):
                continue
            removed = self._django_removal(op, old, new)
            if removed is not None:
                what, where = removed
                self.report(op.call, f"{self.written(op.call)}() {_verb(op.name)} in the same change that removes "
                                     f"{what} from {where}: while the deploy runs, the old code still uses it and fails; "
                                     f"{self.param('advice-django')}")

    def _django_removal(self, op: DjangoOp, old: list[_Class], new: list[_Class]) -> tuple[str, str] | None:
        if op.name in ("RemoveField", "RenameField"):
            model = op.model
            name = string_literal(_keyword(op, "name", 1) if op.name == "RemoveField" else _keyword(op, "old_name", 1))
            if model is None or name is None:
                return None
            before = [c for c in old if c.name.lower() == model and name in c.fields]
            if op.name == "RenameField" and any(name in c.fixed_columns for c in before):
                return None
            after = [c for c in new if c.name.lower() == model]
            if before and after and all(name not in c.attributes for c in after):
                return f"the field {before[0].name}.{name}", before[0].path
            return None
        written = string_literal(_keyword(op, "name" if op.name == "DeleteModel" else "old_name", 0))
        if written is None:
            return None
        before = [c for c in old if c.name.lower() == written.lower()]
        if op.name == "RenameModel" and any(c.fixed_table for c in before):
            return None
        if before and not any(c.name.lower() == written.lower() for c in new):
            return f"the model {before[0].name}", before[0].path
        return None

    # -- Alembic ---------------------------------------------------------------------

    def on_alembic(self, op: AlembicOp) -> None:
        revisions = self.revisions
        if revisions is None or op.name not in _ALEMBIC:
            return
        if self.table_created_here(op) or self._created_table(op):
            return
        target = _alembic_target(op)
        if target is None:
            return
        table, column = target
        changed = revisions.changed_paths() or frozenset()
        paths = sorted(p for p in changed if _is_model_candidate(PurePosixPath(p)))
        if not paths:
            return
        old = [c for c in _classes(revisions.old(paths)) if c.table == table]
        if not old:
            return
        new = [c for c in _classes(revisions.new(paths)) if c.table == table]
        if column is None:
            if new:
                return
            what = f"the model {old[0].name} (table {table!r})"
        else:
            if not new or not any(column in c.columns for c in old) or any(column in c.columns for c in new):
                return
            what = f"the column {column!r} from the model {old[0].name}"
        verb = {"drop_column": "drops the column", "alter_column": "renames the column", "drop_table": "drops the table",
                "rename_table": "renames the table"}[op.name]
        self.report(op.call, f"{self.written(op.call)}() {verb} in the same change that removes {what} in "
                             f"{old[0].path}: while the deploy runs, the old code still uses it and fails; "
                             f"{self.param('advice-alembic')}")

    def _created_table(self, op: AlembicOp) -> bool:
        target = _alembic_target(op)
        return target is not None and target[0] in self.created_tables[-1]


def _verb(name: str) -> str:
    return {"RemoveField": "drops the column", "RenameField": "renames the column", "DeleteModel": "drops the table",
            "RenameModel": "renames the table"}[name]


def _keyword(op: DjangoOp, name: str, position: int):
    arg = keyword_arg(op.call, (name,)) or positional_arg(op.call, position)
    return arg.value if arg is not None else None


def _alembic_target(op: AlembicOp) -> tuple[str, str | None] | None:
    """``(table, column)`` the operation removes or renames (column None: the table); literals only."""
    call = op.call
    if op.batch is not None:
        table_arg = positional_arg(op.batch, 0) or keyword_arg(op.batch, ("table_name",))
        column_arg = keyword_arg(call, ("column_name",)) or positional_arg(call, 0)
    else:
        table_arg = keyword_arg(call, ("table_name", "old_table_name")) or positional_arg(call, 0)
        column_arg = keyword_arg(call, ("column_name",)) or positional_arg(call, 1)
    if op.name == "alter_column":
        renamed = keyword_arg(call, ("new_column_name",))
        if renamed is None or is_none(renamed.value):
            return None
    table = string_literal(table_arg.value) if table_arg is not None else None
    if table is None or (op.batch is not None and op.name in ("drop_table", "rename_table")):
        return None
    if op.name in ("drop_table", "rename_table"):
        return table, None
    column = string_literal(column_arg.value) if column_arg is not None else None
    return (table, column) if column is not None else None


def _is_models_module(path: PurePosixPath, app: PurePosixPath) -> bool:
    """``<app>/models.py`` or a module of the ``<app>/models/`` package."""
    if path.suffix != ".py":
        return False
    if path == app / "models.py":
        return True
    return path.is_relative_to(app / "models")


def _is_model_candidate(path: PurePosixPath) -> bool:
    """A Python file that is not a migration (where SQLAlchemy models may be declared)."""
    return path.suffix == ".py" and not (_MIGRATION_FOLDERS & set(path.parts[:-1]))


def _classes(contents: dict[str, bytes | None]) -> list[_Class]:
    """The module-level classes of each file (unparsable or absent files: none)."""
    found: list[_Class] = []
    for path, data in contents.items():
        if data is None or b"class " not in data:
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        from resilint.checks.migrations.history.pysource import ImportMap

        imports = ImportMap(tree)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found.append(_read_class(node, path, imports))
    return found


def _read_class(node: ast.ClassDef, path: str, imports: ImportMap) -> _Class:
    attributes: set[str] = set()
    fields: set[str] = set()
    columns: set[str] = set()
    fixed: set[str] = set()
    table: str | None = None
    fixed_table = False
    for statement in node.body:
        if isinstance(statement, ast.ClassDef) and statement.name == "Meta":
            fixed_table = fixed_table or any(
                isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "db_table" for t in s.targets)
                for s in statement.body
            )
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign):
            targets, value = [statement.target], statement.value
            if value is None and isinstance(statement.target, ast.Name) and _is_mapped(statement.annotation, imports):
                columns.add(statement.target.id)
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            attributes.add(name)
            if name == "__tablename__" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                table = value.value
            if isinstance(value, ast.Call):
                fields.add(name)
                if any(k.arg == "db_column" for k in value.keywords):
                    fixed.add(name)
                first = value.args[0] if value.args else None
                explicit = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
                columns.add(explicit or name)
    return _Class(node.name, path, frozenset(attributes), frozenset(fields), frozenset(columns), table,
                  frozenset(fixed), fixed_table)


def _is_mapped(annotation: ast.expr, imports: ImportMap) -> bool:
    """``Mapped[...]`` (SQLAlchemy 2.0 declarative: an annotation alone declares a column)."""
    base = annotation.value if isinstance(annotation, ast.Subscript) else None
    return base is not None and imports.resolve(base) in _MAPPED
