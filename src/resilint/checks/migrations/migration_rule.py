"""Check kinds for migrations and the SQL they (or any code) run.

:class:`MigrationRule` does the walking once per rule: it knows whether the
file is a Django or an Alembic migration, reads each Django ``Migration``
class when it is reached, follows Alembic ``op``/``batch_op`` calls with their
context (``downgrade()``, ``autocommit_block()``, tables created earlier in
the same function), and classifies SQL reaching a sink. Subclasses receive
``on_django`` / ``on_alembic`` / ``on_sql`` / ``on_downgrade`` events.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.migrations import sql
from resilint.checks.migrations.alembic import (
    AlembicOp,
    alembic_op,
    is_alembic_module,
    is_autocommit_block,
    is_downgrade,
)
from resilint.checks.migrations.django import (
    DjangoMigration,
    DjangoOp,
    is_migration_class,
    read_migration,
)
from resilint.checks.migrations.history.django_state import OperationRecord
from resilint.checks.migrations.history.lookup import FileFacts, ref_commit, sibling_migrations
from resilint.checks.migrations.project import (
    MIGRATION_FILE_NAME_FOLDER,
    alembic_applied,
    alembic_database,
    alembic_ini,
    declared_version,
    file_facts,
    forward_functions,
    rebuilt_tables,
    reverse_functions,
)
from resilint.config.project import dependency_files
from resilint.config.settings import Config, MigrationsConfig
from resilint.config.standards import Standard
from resilint.engine.prefilter import Prefilter, Trigger
from resilint.rule import Rule

# What a migration file always holds (prefilter.py): a Django migration subclasses
# django.db.migrations.Migration; an Alembic one imports alembic and defines upgrade()
# at module level (is_alembic_module).
MIGRATION_TRIGGERS: tuple[Trigger, ...] = (
    ("import:django.db.migrations", "Migration"),
    ("import:alembic.op", r"re:(?m:^(?:async[ \t]+)?def[ \t]+upgrade\b)"),
    # a revision whose framework passes op in (no alembic import): is_alembic_module
    (r"re:(?m:^down_revision\b)", r"re:(?m:^(?:async[ \t]+)?def[ \t]+upgrade\b)"),
)


MIGRATION_FILE = Prefilter.compile(MIGRATION_TRIGGERS)


SQL_DESCRIPTIONS = {
    "drop-table": "drops a table and all its rows",
    "drop-column": "drops a column and its data",
    "rename": "renames a table or column",
    "truncate": "empties the table",
    "drop-database": "drops a whole database",
    "drop-schema": "drops a schema and everything in it",
    "delete-without-where": "deletes every row (no WHERE)",
    "update-without-where": "updates every row (no WHERE)",
}


class MigrationRule(Rule):
    """Base of the migration checks (not a kind itself: ``kind`` is empty).

    Django migrations are judged with their history (``history/``): the state
    before the migration, the markers the project put on it and whether it is
    applied already. A file the configuration marks applied, a squash
    (``replaces``) and a migration carrying django-migration-linter's
    ``IgnoreMigration()`` get no ``on_django``/``on_sql`` events at all;
    ``safe = Safe.after_deploy()`` silences only the kinds that set
    :attr:`after_deploy_safe` (drops and renames: the old code is gone when it runs).
    """

    wants_sql: ClassVar[bool] = False
    migrations_only: ClassVar[bool] = True
    # django-safemigrate's after_deploy makes this kind's hazard harmless (the old code is gone).
    after_deploy_safe: ClassVar[bool] = False

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        return MIGRATION_TRIGGERS if cls.migrations_only else [*MIGRATION_TRIGGERS, *sql.DESTRUCTIVE_TRIGGERS]

    @classmethod
    def related_files(cls, standard: Standard, config: Config, file: Path | None) -> Iterable[Path]:
        """The other migrations of the file's app: the state a migration acts on is theirs."""
        if file is None:
            return ()
        file = file.resolve()
        if not MIGRATION_FILE_NAME_FOLDER(file):
            ini = alembic_ini(file, config.root) if file.parent.name == "versions" else None
            return (ini,) if ini is not None else ()
        return sibling_migrations(file)

    @classmethod
    def cache_inputs(cls, standard: Standard, config: Config) -> str:
        """The commit ``applied-ref`` names (it moves without the configuration changing) and the
        declared Django version (the advice depends on it)."""
        settings = config.migrations
        parts = [settings.database, settings.postgresql or ""]
        if settings.applied_ref:
            parts.append(ref_commit(config.root, settings.applied_ref))
        return "|".join(parts)

    @classmethod
    def input_files(cls, standard: Standard, config: Config) -> Iterable[Path]:
        return dependency_files(config.root)

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        self.framework: str | None = None  # "django" | "alembic" | None
        self.functions: list[str] = []
        self.created_tables: list[set[str]] = [set()]  # per function frame, for Alembic
        self.autocommit: list[cst.With] = []
        self.committed: list[bool] = [False]  # per function frame: op.execute("COMMIT") seen
        self.wrapped: set[int] = set()  # text(...) calls already classified with their execute()
        self.silenced = False  # applied, squashed or ignored: nothing is reported in this file
        self.safe: str | None = None  # django-safemigrate marker of the file's migration
        self.reverse_functions: set[str] = set()  # RunPython reverse_code functions of this file
        self.forward_functions: set[str] = set()  # RunPython code functions of this file
        self._facts: FileFacts | None = None
        self._records: dict[int, OperationRecord] = {}
        self.rebuilt_tables: set[str] = set()  # Alembic: tables renamed away and re-created here
        self.rebuild_temporaries: set[str] = set()  # ... and the names they were renamed to

    # -- events for subclasses ---------------------------------------------------

    def on_django(self, migration: DjangoMigration) -> None:
        pass

    def on_alembic(self, op: AlembicOp) -> None:
        pass

    def on_downgrade(self, function: cst.FunctionDef) -> None:
        pass

    def on_sql(self, call: cst.Call, statement: sql.Statement, *, reverse: bool) -> None:
        pass

    def on_history(self, facts: FileFacts, migration: DjangoMigration) -> None:
        """After :meth:`on_django`: the history's answers for this file (bad input, notes)."""

    # -- history ---------------------------------------------------------------------

    @property
    def facts(self) -> FileFacts:
        """What the migration history says about this file (``NO_FACTS`` outside a Django app)."""
        if self._facts is None:
            self._facts = file_facts(self.context)
        return self._facts

    def record(self, op: DjangoOp) -> OperationRecord | None:
        """The replayed record of a database operation of this file (its state before)."""
        return self._records.get(id(op.call))

    def _align(self, migration: DjangoMigration) -> None:
        """Pair the libcst operations with the history's records, in order, by kind."""
        records = self.facts.database_records()
        j = 0
        for op in migration.operations:
            for k in range(j, len(records)):
                if records[k].kind == op.name:
                    self._records[id(op.call)] = records[k]
                    j = k + 1
                    break

    @property
    def settings(self) -> MigrationsConfig:
        return self.context.config.migrations

    @property
    def database(self) -> str:
        """The database the migrations run on: ``[tool.resilint.migrations] database`` when written,
        else for Alembic the URL scheme of the nearest ``alembic.ini``, else PostgreSQL."""
        settings = self.settings
        if not settings.database_set and self.framework == "alembic":
            found = alembic_database(self.context.file, self.context.config.root)
            if found is not None:
                return found
        return settings.database

    @property
    def django_version(self) -> tuple[int, int] | None:
        return declared_version(self.context.config.root, "django")

    # -- helpers -------------------------------------------------------------------

    @property
    def in_migration(self) -> bool:
        return self.framework is not None

    @property
    def in_downgrade(self) -> bool:
        return self.framework == "alembic" and any(is_downgrade(f) for f in self.functions)

    @property
    def in_autocommit(self) -> bool:
        return bool(self.autocommit) or self.committed[-1]

    def table_created_here(self, op: AlembicOp) -> bool:
        """The table was created earlier in this same function: it is empty and unused."""
        table = op.table
        return table is not None and table in self.created_tables[-1]

    def written(self, call: cst.Call) -> str:
        return source_of(self.context.module, call.func)

    # -- traversal -----------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        if any(isinstance(s, cst.ClassDef) and is_migration_class(s, self.names) for s in node.body):
            self.framework = "django"
            for s in node.body:
                if isinstance(s, cst.ClassDef) and is_migration_class(s, self.names):
                    migration = read_migration(s, self.names)
                    self.silenced = migration.squashed or migration.ignored or self.facts.applied
                    self.safe = migration.safe
                    self.reverse_functions = reverse_functions(migration)
                    self.forward_functions = forward_functions(migration)
        elif is_alembic_module(node, self.names):
            self.framework = "alembic"
            self.silenced = alembic_applied(self.context)
            self.rebuilt_tables, self.rebuild_temporaries = rebuilt_tables(node, self.names)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not is_migration_class(node, self.names):
            return
        self.framework = "django"
        migration = read_migration(node, self.names)
        if self.silenced or (self.after_deploy_safe and migration.safe == "after_deploy"):
            return
        self._align(migration)
        self.on_django(migration)
        self.on_history(self.facts, migration)
        if self.wants_sql:
            for op in migration.operations:
                if op.name == "RunSQL":
                    self._sql_argument(op.call, op.arg("sql"), sequence=True, reverse=False)
                    self._sql_argument(op.call, op.arg("reverse_sql"), sequence=True, reverse=True)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.framework == "alembic" and not self.functions and is_downgrade(node.name.value) and not self.silenced:
            self.on_downgrade(node)
        self.functions.append(node.name.value)
        self.created_tables.append(set())
        self.committed.append(False)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.created_tables.pop()
        self.committed.pop()

    def visit_With(self, node: cst.With) -> None:
        if self.framework == "alembic" and any(is_autocommit_block(item, self.names) for item in node.items):
            self.autocommit.append(node)

    def leave_With(self, original_node: cst.With) -> None:
        if self.autocommit and self.autocommit[-1] is original_node:
            self.autocommit.pop()

    @property
    def in_reverse_code(self) -> bool:
        """Inside Alembic's downgrade() or a Django RunPython reverse_code function."""
        return self.in_downgrade or (
            self.framework == "django" and bool(self.functions) and self.functions[0] in self.reverse_functions
        )

    def visit_Call(self, node: cst.Call) -> None:
        if self.silenced or (self.after_deploy_safe and self.safe == "after_deploy"):
            return
        if self.framework == "alembic" and not self.in_downgrade:
            op = alembic_op(node, self.names)
            if op is not None:
                self.on_alembic(op)
                if op.name == "create_table" and op.table is not None:
                    self.created_tables[-1].add(op.table)
                elif op.name == "execute" and op.batch is None:
                    argument = sql.sink_argument(node, self.names)
                    found = sql.templates(argument, self.names) if argument is not None else []
                    if any(sql.ends_transaction(t.text) for t in found):
                        self.committed[-1] = True
        if self.wants_sql and (self.in_migration or not self.migrations_only) and id(node) not in self.wrapped:
            argument = sql.sink_argument(node, self.names)
            source = node
            inner = sql.wrapped_sink(argument, self.names) if argument is not None else None
            if inner is not None:
                self.wrapped.add(id(inner))
                argument, source = sql.sink_argument(inner, self.names), inner
            if argument is not None:
                formatted = sql.is_format_sink(source, self.names)
                self._sql_argument(node, argument, sequence=False, reverse=self.in_reverse_code, formatted=formatted)

    def _sql_argument(
        self, call: cst.Call, argument: cst.BaseExpression | None, *, sequence: bool, reverse: bool, formatted: bool = False
    ) -> None:
        if argument is None:
            return
        seen: set[tuple[str, str]] = set()
        for template in sql.templates(argument, self.names, sequence=sequence, formatted=formatted):
            for statement in sql.classify(template):
                if (statement.kind, statement.sql) not in seen:
                    seen.add((statement.kind, statement.sql))
                    self.on_sql(call, statement, reverse=reverse)
