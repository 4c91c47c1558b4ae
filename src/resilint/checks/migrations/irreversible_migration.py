"""The ``irreversible-migration`` check kind (REL407): a migration that cannot be rolled back."""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import has_star_kwargs
from resilint.checks.migrations.alembic import inert_body
from resilint.checks.migrations.django import DjangoMigration
from resilint.checks.migrations.fixes import reverse_noop
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.checks.migrations.project import upgrade_operations
from resilint.engine.literals import is_none
from resilint.rule import Param

# Alembic operations after which an empty downgrade() leaves the old code facing a schema it
# cannot use. After additive ones (add_column, create_table, create_index), data-only or empty
# upgrades (seeds, backfills, merge revisions) an empty downgrade() rolls back without harm.
NON_ADDITIVE = frozenset({"drop_column", "drop_table", "alter_column", "rename_table", "drop_constraint",
                          "drop_index", "drop_table_comment", "drop_column_comment"})


def _raises(function: cst.FunctionDef) -> bool:
    """The body raises: ``alembic downgrade`` fails here."""
    body = function.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else ()
    small = [s for st in statements if isinstance(st, cst.SimpleStatementLine) for s in st.body]
    if isinstance(body, cst.SimpleStatementSuite):
        small = list(body.body)
    return any(isinstance(s, cst.Raise) for s in small)


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
                    fix=reverse_noop(self, op, self.written(op.call)),
                )

    def on_downgrade(self, function: cst.FunctionDef) -> None:
        if not inert_body(function):
            return
        raises = _raises(function)
        if raises or NON_ADDITIVE & upgrade_operations(self.context.module, self.names):
            self.report(
                function,
                f"{function.name.value}() does nothing or only raises: this revision cannot be rolled back; "
                "write the reverse operations (or document why the data cannot come back)",
            )
