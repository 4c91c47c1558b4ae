"""The ``migration-history`` check kind (REL410 broken history, REL411 unknown history).

What the migration history of a Django app says about one migration file:

* ``report = "bad-input"`` (REL410): the file depends on a migration that does
  not exist, is part of a dependency cycle, is one of two leaf migrations of its
  app (a merge migration is missing), or its app label is defined twice. The
  rest of the app is still replayed and judged. For an Alembic revision file
  (in a ``versions`` folder): its ``down_revision`` (or ``depends_on``) names no
  revision, it closes a cycle, its revision id is defined twice, or it is one of
  two heads with no merge revision (heads on distinct ``branch_labels`` are
  deliberate and not reported); reported on the assignment at fault.
* ``report = "unknown-history"`` (REL411): an operation acts on a model or field
  whose previous definition no migration the linter could read created (its
  app's migrations are neither in the project nor in its environment's
  site-packages); the other checks judged that operation without history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.migrations.django import DjangoMigration
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.snapshot import snapshot_of
from resilint.rule import Param

if TYPE_CHECKING:
    from resilint.checks.migrations.history.lookup import FileFacts

# Operations whose verdict needs the state before them.
NEEDS_HISTORY = frozenset({"AlterField", "RemoveField", "RenameField", "DeleteModel", "RenameModel"})


class MigrationHistory(MigrationRule):
    kind = "migration-history"
    description = "What the migration history says about one migration: bad input, or a predecessor not found."
    parameters = {
        "report": Param(str, doc="'bad-input' (broken graph) or 'unknown-history' (a predecessor not found)"),
    }

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        if self.framework != "alembic" or self.silenced or self.param("report") != "bad-input":
            return
        from resilint.checks.migrations.history.lookup import alembic_diagnostics

        context = self.context
        found = alembic_diagnostics(context.file, context.config.root,
                                    snapshot_of(getattr(context, "revisions", None)))
        for diag in found:
            self.report(_assignment(node, diag.attr or "revision"),
                        f"{diag.code}: {diag.message}; the rest of the revisions are still judged")

    def on_history(self, facts: FileFacts, migration: DjangoMigration) -> None:
        if facts.key is None:
            return
        if self.param("report") == "bad-input":
            for diag in facts.diagnostics:
                self.report(migration.node, f"{diag.code}: {diag.message}; the rest of the app is still judged")
            return
        for op in migration.operations:
            if op.name not in NEEDS_HISTORY:
                continue
            record = self.record(op)
            if record is None:
                continue
            model = record.model_before
            unknown_model = model is None or not model.known
            unknown_field = op.name in ("AlterField", "RemoveField", "RenameField") and record.previous is None
            if unknown_model or unknown_field:
                what = f"{record.app}.{record.model}" + (f".{record.name}" if unknown_field and record.name else "")
                missing = sorted(facts.missing_apps)
                where = (f"; apps whose migrations were found neither in the project nor in its environment: "
                         f"{', '.join(missing)}" if missing else "")
                self.report(op.call, f"{self.written(op.call)}(): no migration the linter read defines {what} "
                                     f"before this one{where}; this migration is judged without its history")
                return  # once per file


def _assignment(module: cst.Module, name: str) -> cst.CSTNode:
    """The module-level statement assigning ``name`` (``revision = "..."``), else the first statement."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, cst.AnnAssign):
                targets = [small.target]
            if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                return statement
    return module.body[0] if module.body else module
