"""The ``non-concurrent-index`` check kind (REL406).

An index built or dropped while writes to the table are blocked (PostgreSQL).
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import has_star_kwargs, keyword_arg
from resilint.checks.migrations.alembic import AlembicOp
from resilint.checks.migrations.django import DjangoMigration, field_of
from resilint.checks.migrations.fixes import (
    alembic_concurrently,
    concurrent_index,
    index_only,
)
from resilint.checks.migrations.lock_context import added_column
from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.engine.literals import literal_bool, string_literal
from resilint.rule import Param


class NonConcurrentIndex(MigrationRule):
    kind = "non-concurrent-index"
    zero_downtime_safe = True  # django-pg-zero-downtime-migrations builds and drops every index CONCURRENTLY
    description = "An index built or dropped while writes to the table are blocked (PostgreSQL)."
    parameters = {
        "django-blocking": Param(list, doc="Django index operations that lock writes"),
        "django-concurrent": Param(list, doc="their concurrent forms (need atomic = False)"),
        "django-field-ops": Param(list, doc="field operations that build an index with db_index=True"),
        "index-keywords": Param(list, doc="field keywords that add an index, e.g. ['db_index']"),
        "alembic": Param(list, doc="Alembic index ops"),
        "concurrently-keyword": Param(str, doc="the Alembic keyword for a concurrent index"),
    }

    @property
    def _ADVICE(self) -> str:  # noqa: N802 - was a constant; now depends on the declared Django version
        version = self.django_version
        if version is not None and version < (3, 0):
            return ("build it with RunSQL('CREATE INDEX CONCURRENTLY ...') in a migration with atomic = False "
                    "(AddIndexConcurrently needs Django 3.0)")
        return "use AddIndexConcurrently/RemoveIndexConcurrently in a migration with atomic = False"

    # atomic = False applies to every operation of the migration: with others beside the
    # index operations there is no automatic fix, the index goes to its own migration.
    _SPLIT = " (move the index operation to a migration of its own first: atomic = False would make the other operations non-atomic)"

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statement = node  # the Alembic fix moves the statement into autocommit_block()

    def on_django(self, migration: DjangoMigration) -> None:
        if self.database != "postgresql":
            return  # MySQL (InnoDB) builds indexes online; SQLite has no concurrent build
        for op in migration.operations:
            written = f"{self.written(op.call)}()"
            if op.name in self.param("django-concurrent"):
                if migration.atomic:
                    self.report(
                        op.call,
                        f"{written} inside an atomic migration fails at run time (CREATE/DROP INDEX CONCURRENTLY "
                        "cannot run in a transaction); set atomic = False on the Migration class"
                        + ("" if index_only(self, migration) else self._SPLIT),
                        fix=concurrent_index(self, migration, op),
                    )
            elif migration.on_new_model(op):
                continue
            elif op.name in self.param("django-blocking"):
                split = "" if index_only(self, migration) else self._SPLIT
                self.report(
                    op.call,
                    f"{written} builds or drops the index while writes to the table wait; {self._ADVICE}{split}",
                    fix=concurrent_index(self, migration, op),
                )
            elif op.name in self.param("django-field-ops"):
                field = field_of(op, self.names)
                if field is None or field.opaque:
                    continue
                if op.name == "AlterField" and self._index_existed(op):
                    continue
                if any(literal_bool(field.keyword(k)) is True for k in self.param("index-keywords")):
                    self.report(
                        op.call,
                        f"{written} with db_index=True builds the index in the same locking statement; add the "
                        f"field without it, then {self._ADVICE}",
                    )

    def _indexed_column(self, op: AlembicOp) -> None:
        """``op.add_column(table, sa.Column(..., index=True))``: Alembic creates the column's index right after
        the column with a plain CREATE INDEX (toimpl.add_column runs create_index for the table's indexes;
        ``batch_op.add_column`` too, through the batch, unless the batch rebuilds the table).
        Not reported: a table created earlier in the same function, a batch with ``recreate="always"`` (the
        copy is another hazard), ``unique=True`` (a unique index: REL415's case), a primary key, ``**kwargs``."""
        if self.database != "postgresql" or self.table_created_here(op):
            return
        if op.batch is not None:  # "auto" (the default) alters a PostgreSQL table in place, like "never"
            recreate = keyword_arg(op.batch, ("recreate",))
            if has_star_kwargs(op.batch) or (recreate is not None and string_literal(recreate.value) not in ("auto", "never")):
                return
        column = added_column(op, self.names)
        if column is None or not column.index or column.unique or column.primary_key or column.opaque:
            return
        label = f"column {column.name!r}" if column.name else "a column"
        self.report(
            op.call,
            f"{self.written(op.call)}() adds {label} with index=True: Alembic then builds its index with a plain "
            "CREATE INDEX, which blocks writes to the table while it runs; add the column without index=True, then "
            f"op.create_index(..., {self.param('concurrently-keyword')}=True) inside "
            "`with op.get_context().autocommit_block():`",
        )

    def _index_existed(self, op) -> bool:
        """The history's previous definition already had the index (db_index, or a foreign key's
        implicit one): the AlterField builds nothing."""
        record = self.record(op)
        if record is None or record.previous is None or record.previous.opaque:
            return False
        model = record.model_before
        if model is not None and model.known and not model.has_table:
            return True
        base = self.facts.resolver.info(record.previous.path, record.previous.cls).base if self.facts.resolver else None
        implicit = base in ("ForeignKey", "OneToOneField")
        return record.previous.get("db_index", implicit) is True or record.previous.get("primary_key") is True

    def on_alembic(self, op: AlembicOp) -> None:
        if op.name == "add_column" and op.name not in self.param("alembic"):
            self._indexed_column(op)
            return
        if op.name not in self.param("alembic") or self.table_created_here(op) or has_star_kwargs(op.call):
            return
        if self.database != "postgresql":
            return
        keyword = self.param("concurrently-keyword")
        arg = keyword_arg(op.call, (keyword,))
        value = literal_bool(arg.value) if arg is not None else False
        written = f"{self.written(op.call)}()"
        if value is False:
            statement = getattr(self, "_statement", None)
            self.report(
                op.call,
                f"{written} without {keyword}=True blocks writes to the table while the index is built or dropped; "
                f"pass {keyword}=True inside `with op.get_context().autocommit_block():`",
                fix=alembic_concurrently(self, op.call, statement, keyword) if not self.in_autocommit else None,
            )
        elif value is True and not self.in_autocommit:
            self.report(
                op.call,
                f"{written} with {keyword}=True outside op.get_context().autocommit_block() fails at run time "
                "(CONCURRENTLY cannot run inside the migration's transaction)",
            )
