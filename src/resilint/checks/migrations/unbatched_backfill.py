"""The ``unbatched-backfill`` check kind (REL409).

A migration that updates every row of a table in one statement: an
``UPDATE`` without ``WHERE`` in ``op.execute``/``RunSQL``, or
``Model.objects.all().update(...)`` / ``Model.objects.update(...)`` in a
``RunPython`` function. Nothing is destroyed (that is REL408), but the rows
stay locked until the migration's transaction ends, and one huge transaction
bloats the table and the WAL. Not reported in reverse code (downgrade(),
reverse_sql, a RunPython reverse function) nor on a table created earlier in
the same Alembic function (it is empty).
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations import sql
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.rule import Param


class UnbatchedBackfill(MigrationRule):
    kind = "unbatched-backfill"
    description = "A migration updates every row of a table in one transaction."
    wants_sql = True
    parameters = {
        "sql": Param(list, doc="statement classes that touch every row, e.g. ['update-without-where']"),
        "managers": Param(list, doc="manager attribute names whose unfiltered update() touches every row"),
        "advice": Param(str, doc="how to do it instead"),
    }

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        if reverse or not self.in_migration or statement.kind not in self.param("sql"):
            return
        self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which updates every row in the "
                          f"migration's transaction; {self.param('advice')}")

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        if self.framework != "django" or self.silenced or not self.functions:
            return
        if self.functions[0] not in self.forward_functions or self.functions[0] in self.reverse_functions:
            return
        if self._unfiltered_update(node):
            self.report(node, f"{self.written(node)}() updates every row of the table in the migration's "
                              f"transaction; {self.param('advice')}")

    def _unfiltered_update(self, node: cst.Call) -> bool:
        """``<model>.objects.update(...)`` or ``<model>.objects.all().update(...)``."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "update"):
            return False
        receiver = func.value
        if (isinstance(receiver, cst.Call) and not receiver.args and isinstance(receiver.func, cst.Attribute)
                and receiver.func.attr.value == "all"):
            receiver = receiver.func.value
        return (isinstance(receiver, cst.Attribute) and receiver.attr.value in self.param("managers")
                and self._is_model(receiver.value))

    def _is_model(self, expr: cst.BaseExpression) -> bool:
        """A model class as a data migration gets one: ``apps.get_model(...)`` (called
        in place or bound to the name), or an imported class. Not a local class or
        any other object that happens to have an ``objects`` attribute."""
        if _is_get_model(expr) or self.names.qualified_name(expr) is not None:
            return True
        if isinstance(expr, cst.Name):
            binding = self.names.lookup(expr.value)
            return binding is not None and binding.value is not None and _is_get_model(binding.value)
        return False


def _is_get_model(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get_model"
