"""The ``irreversible-migration`` check kind (REL407): a migration that cannot be rolled back."""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import has_star_kwargs
from resilint.checks.migrations.alembic import inert_body
from resilint.checks.migrations.django import DjangoMigration
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import is_none
from resilint.rule import Param


class IrreversibleMigration(MigrationRule):
    kind = "irreversible-migration"
    description = "A migration that cannot be rolled back."
    parameters = {
        "django": Param(dict, doc="operation -> the argument that reverses it, e.g. {RunPython = 'reverse_code'}"),
    }

    def on_django(self, migration: DjangoMigration) -> None:
        reverses = self.param("django")
        for op in migration.operations:
            keyword = reverses.get(op.name)
            if keyword is None or has_star_kwargs(op.call):
                continue
            value = op.arg(keyword)
            if value is None or is_none(value):
                self.report(
                    op.call,
                    f"{self.written(op.call)}() has no {keyword}: Django raises IrreversibleError when this "
                    f"migration is rolled back; pass {keyword}= (migrations.{op.name}.noop when undoing needs nothing)",
                )

    def on_downgrade(self, function: cst.FunctionDef) -> None:
        if inert_body(function):
            self.report(
                function,
                f"{function.name.value}() does nothing or only raises: this revision cannot be rolled back; "
                "write the reverse operations (or document why the data cannot come back)",
            )
