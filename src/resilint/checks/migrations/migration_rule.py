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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

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
from resilint.checks.migrations.project import (
    MIGRATION_FILE_NAME_FOLDER,
    alembic_applied,
    alembic_database,
    alembic_env_files,
    alembic_ini,
    declared_version,
    file_facts,
    forward_functions,
    rebuilt_tables,
    reverse_functions,
)
from resilint.checks.migrations.safemigrate import effective_marker
from resilint.checks.migrations.sql_locks import LockStatement, lock_statements
from resilint.checks.migrations.zero_downtime import ZeroDowntimeBackend, backend_for, settings_files
from resilint.config.project import dependency_files
from resilint.config.settings import Config, MigrationsConfig
from resilint.config.standards import Standard
from resilint.engine.literals import literal_bool, string_literal
from resilint.engine.prefilter import Prefilter, Trigger
from resilint.rule import Rule

if TYPE_CHECKING:
    from resilint.checks.migrations.history.django_state import OperationRecord
    from resilint.checks.migrations.history.lookup import FileFacts

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


@dataclass(frozen=True)
class SqlPlace:
    """Where a lock-taking SQL statement runs (for :meth:`MigrationRule.on_lock_sql`)."""

    in_transaction: bool  # inside the migration's transaction (atomic Django migration, Alembic outside
    #                       autocommit_block(), or after a BEGIN in the same SQL)
    created: frozenset[str]  # tables created earlier in the same migration (empty, nobody uses them)
    holes: int  # run-time values in the SQL text (an unparsable template with holes is not news)
    operation: str  # "RunSQL", "op.execute", "cursor.execute"...: how the SQL is run, for messages


# The lock-taking statements that kinds of the operation forms report for the same change written
# as SQL (the same code): SQL ``CREATE INDEX`` is REL406 like ``AddIndex``, ``ALTER COLUMN TYPE`` REL405
# like ``AlterField``, ``ADD COLUMN ... NOT NULL`` without a default REL404 like ``AddField``. The base
# class reports them (:meth:`MigrationRule.on_lock_sql`), so the kinds' own modules stay as they are.
SQL_LOCKS_OF_KIND: dict[str, frozenset[str]] = {
    "not-null-column": frozenset({"add-not-null-column"}),
    "unsafe-alter-column": frozenset({"alter-type", "set-not-null"}),
    "non-concurrent-index": frozenset({"create-index", "drop-index", "reindex", "concurrent-index"}),
}
_CONCURRENT_ADVICE = ("run it with CONCURRENTLY outside the migration's transaction (Django: a migration with "
                      "atomic = False; Alembic: inside op.get_context().autocommit_block())")


class MigrationRule(Rule):
    """Base of the migration checks (not a kind itself: ``kind`` is empty).

    Django migrations are judged with their history (``history/``): the state
    before the migration, the markers the project put on it and whether it is
    applied already. A file the configuration marks applied, a squash
    (``replaces``) and a migration carrying django-migration-linter's
    ``IgnoreMigration()`` get no ``on_django``/``on_sql`` events at all;
    ``safe = Safe.after_deploy()`` (and what django-safemigrate's version reads as after-deploy:
    ``safe = False`` in 1.x, an unmarked migration in 2.0-4.x; safemigrate.py) silences only the
    kinds that set :attr:`after_deploy_safe` (drops and renames: the old code is gone when it runs).
    """

    wants_sql: ClassVar[bool] = False
    wants_lock_sql: ClassVar[bool] = False  # receive on_lock_sql for every statement of migration SQL
    migrations_only: ClassVar[bool] = True
    # django-safemigrate's after_deploy makes this kind's hazard harmless (the old code is gone).
    after_deploy_safe: ClassVar[bool] = False
    # django-pg-zero-downtime-migrations (zero_downtime.py) runs this kind's Django operations in
    # their safe form: on_django is not called when the project uses that backend.
    zero_downtime_safe: ClassVar[bool] = False

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        return MIGRATION_TRIGGERS if cls.migrations_only else [*MIGRATION_TRIGGERS, *sql.DESTRUCTIVE_TRIGGERS]

    @classmethod
    def related_files(cls, standard: Standard, config: Config, file: Path | None) -> Iterable[Path]:
        """The other migrations of the file's app: the state a migration acts on is theirs."""
        if file is None:
            return ()
        from resilint.checks.migrations.history.lookup import sibling_migrations, sibling_revisions

        file = file.resolve()
        if not MIGRATION_FILE_NAME_FOLDER(file):
            if file.parent.name != "versions":
                return ()
            ini = alembic_ini(file, config.root)
            # the revision graph (REL410) is read from the other revision files; env.py may set lock_timeout (REL423)
            env = [path for path in alembic_env_files(file.parent) if path.is_file()]
            return [*((ini,) if ini is not None else ()), *env, *sibling_revisions(file)]
        # the settings modules say whether django-pg-zero-downtime-migrations runs the migration
        return [*sibling_migrations(file), *settings_files(str(config.root))]

    @classmethod
    def cache_inputs(cls, standard: Standard, config: Config) -> str:
        """The commit ``applied-ref`` names (it moves without the configuration changing) and the
        declared Django version (the advice depends on it)."""
        settings = config.migrations
        parts = [settings.database, settings.postgresql or ""]
        if settings.applied_ref:
            from resilint.checks.migrations.history.lookup import ref_commit

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
        self._zero_downtime: ZeroDowntimeBackend | None | bool = False  # False: not read yet
        self._records: dict[int, OperationRecord] = {}
        self.rebuilt_tables: set[str] = set()  # Alembic: tables renamed away and re-created here
        self.rebuild_temporaries: set[str] = set()  # ... and the names they were renamed to
        self.atomic = True  # Django: the file's Migration runs in one transaction
        self._autocommit_before = False
        self.sql_created: set[str] = set()  # tables CREATE TABLE'd by this migration's SQL so far
        self.django_created: frozenset[str] = frozenset()  # tables of the models CreateModel makes here

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

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        """A statement of SQL a migration runs on the way up (``RunSQL``, ``op.execute``, a cursor in
        ``RunPython``), classified by :mod:`sql_locks`. The default reports the statement classes
        :data:`SQL_LOCKS_OF_KIND` gives this kind, on PostgreSQL."""
        wanted = SQL_LOCKS_OF_KIND.get(self.kind)
        if not wanted or statement.kind not in wanted or self.database != "postgresql":
            return
        if statement.table is not None and statement.table in place.created:
            return  # a table created earlier in this migration: empty, and no running code uses it
        what = _lock_consequence(statement, place, self.settings.postgresql_major)
        if what:
            self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which {what}")

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

    @property
    def zero_downtime(self) -> ZeroDowntimeBackend | None:
        """django-pg-zero-downtime-migrations, when the project's Django migrations run through it."""
        if self._zero_downtime is False:
            self._zero_downtime = backend_for(self.context.config) if self.framework == "django" else None
        return self._zero_downtime or None

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
                    self.safe = effective_marker(migration.safe, self.context.config.root)
                    self.reverse_functions = reverse_functions(migration)
                    self.forward_functions = forward_functions(migration)
                    self.atomic = migration.atomic
                    self.django_created = self._created_tables(migration)
        elif is_alembic_module(node, self.names):
            self.framework = "alembic"
            self.silenced = alembic_applied(self.context)
            self.rebuilt_tables, self.rebuild_temporaries = rebuilt_tables(node, self.names)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not is_migration_class(node, self.names):
            return
        self.framework = "django"
        migration = read_migration(node, self.names)
        if self.silenced or (self.after_deploy_safe
                             and effective_marker(migration.safe, self.context.config.root) == "after_deploy"):
            return
        self._align(migration)
        backend = self.zero_downtime
        if not (self.zero_downtime_safe and backend is not None):
            self.on_django(migration)
            if self.kind == "non-concurrent-index":
                self._reference_indexes(migration)
        self.on_history(self.facts, migration)
        if self.wants_sql:
            for op in migration.operations:
                if op.name == "RunSQL":
                    self._sql_argument(op.call, op.arg("sql"), sequence=True, reverse=False)
                    self._sql_argument(op.call, op.arg("reverse_sql"), sequence=True, reverse=True)
        if self.wants_locks:
            self.atomic = migration.atomic
            self.django_created = self._created_tables(migration)
            in_transaction = migration.atomic and backend is None  # the backend runs RunSQL outside a transaction
            for op in migration.operations:
                if op.name == "RunSQL" and op.arg("sql") is not None:
                    in_transaction = self._lock_sql(op.call, op.arg("sql"), in_transaction, sequence=True)

    def _reference_indexes(self, migration: DjangoMigration) -> None:
        """REL406 for ``AddField(ForeignKey)`` on an existing table (strong_migrations' "adding a
        reference"): Django builds the foreign key's index (``db_index`` defaults to True) with a
        plain CREATE INDEX in the same migration. An explicit ``db_index=True`` is the kind's own case."""
        from resilint.checks.migrations.lock_context import (
            FOREIGN_KEYS,
            added_field,
            field_base,
            on_existing_table,
        )

        if self.database != "postgresql":
            return
        for op in migration.operations:
            if op.name != "AddField" or not on_existing_table(self, migration, op):
                continue
            field = added_field(self, op)
            if field is None or field_base(self, op, field) not in FOREIGN_KEYS:
                continue
            if field.keyword("db_index") is not None or literal_bool(field.keyword("unique")) is True \
                    or field_base(self, op, field) in ("OneToOneField", "TreeOneToOneField"):
                continue  # db_index=False: no index; db_index=True: reported by the kind itself; unique: REL415
            self.report(
                op.call,
                f"{self.written(op.call)}() adds a foreign key, and Django builds its index (db_index defaults to "
                "True) with a plain CREATE INDEX that blocks writes to the table; add the field with db_index=False, "
                "then build the index with AddIndexConcurrently in a migration with atomic = False",
            )

    @property
    def wants_locks(self) -> bool:
        return self.wants_lock_sql or self.kind in SQL_LOCKS_OF_KIND

    def _created_tables(self, migration: DjangoMigration) -> frozenset[str]:
        """Tables of the models this Django migration creates: ``<app>_<model>``, or the literal ``db_table``."""
        app = self.facts.key[0] if self.facts.key is not None else None
        tables = {f"{app}_{model}" for model in migration.created_models if app is not None}
        for op in migration.operations:
            if op.name == "CreateModel":
                options = op.arg("options")
                if isinstance(options, cst.Dict):
                    for element in options.elements:
                        if (isinstance(element, cst.DictElement) and string_literal(element.key) == "db_table"
                                and string_literal(element.value)):
                            tables.add(str(string_literal(element.value)).lower())
        return frozenset(tables)

    def _lock_sql(self, call: cst.Call, argument: cst.BaseExpression, in_transaction: bool, *,
                  sequence: bool = False, formatted: bool = False) -> bool:
        """Dispatch every statement of ``argument`` to :meth:`on_lock_sql`; returns whether a
        transaction is open after it (``BEGIN``/``COMMIT`` in the SQL move it)."""
        operation = self.written(call)
        for template in sql.templates(argument, self.names, sequence=sequence, formatted=formatted):
            for statement in lock_statements(template.text):
                if statement.kind == "begin":
                    self.on_lock_sql(call, statement, self._place(in_transaction, template.holes, operation))
                    in_transaction = True
                    continue
                if statement.kind == "commit":
                    self.on_lock_sql(call, statement, self._place(in_transaction, template.holes, operation))
                    in_transaction = False
                    continue
                self.on_lock_sql(call, statement, self._place(in_transaction, template.holes, operation))
                if statement.kind == "create-table" and statement.table:
                    self.sql_created.add(statement.table)
        return in_transaction

    def _place(self, in_transaction: bool, holes: int, operation: str) -> SqlPlace:
        created = self.sql_created | self.django_created | (self.created_tables[-1] if self.created_tables else set())
        return SqlPlace(in_transaction, frozenset(t.lower() for t in created), holes, operation)

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
        self._autocommit_before = self.in_autocommit  # before this call's own COMMIT, if it runs one
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
            found = sql.unwrapped_sink(node, self.names)
            if found is not None:
                argument, source, inner = found
                if inner is not None:
                    self.wrapped.add(id(inner))
                if argument is not None:
                    formatted = sql.is_format_sink(source, self.names)
                    self._sql_argument(node, argument, sequence=False, reverse=self.in_reverse_code, formatted=formatted)
        if self.wants_locks and self.in_migration and not self.in_reverse_code and id(node) not in self.wrapped:
            self._lock_sql_call(node)

    def _lock_sql_call(self, node: cst.Call) -> None:
        found = sql.unwrapped_sink(node, self.names)
        if found is None:
            return
        argument, source, inner = found
        if inner is not None:
            self.wrapped.add(id(inner))
        if argument is None:
            return
        if self.framework == "alembic":
            in_transaction = not self._autocommit_before
        else:
            in_transaction = self.atomic
        self._lock_sql(node, argument, in_transaction, formatted=sql.is_format_sink(source, self.names))

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


def _lock_consequence(statement: LockStatement, place: SqlPlace, major: int | None) -> str:
    """What a lock statement of :data:`SQL_LOCKS_OF_KIND` does, and the safe form (empty: safe here)."""
    kind = statement.kind
    if kind == "concurrent-index":
        if not place.in_transaction:
            return ""
        return (f"fails at run time: {statement.detail} CONCURRENTLY cannot run inside a transaction block; "
                + _CONCURRENT_ADVICE.replace("run it with CONCURRENTLY ", "run it "))
    if kind in ("create-index", "drop-index", "reindex"):
        verb = {"create-index": "builds an index", "drop-index": "drops an index", "reindex": "rebuilds indexes"}[kind]
        return f"{verb} while writes to the table wait (reads too, for DROP INDEX and REINDEX); {_CONCURRENT_ADVICE}"
    if kind == "alter-type":
        return ("changes a column's type: unless the types are binary-coercible PostgreSQL rewrites the table "
                "under an ACCESS EXCLUSIVE lock that blocks reads and writes; add a new column, backfill it, "
                "switch reads, then drop the old one")
    if kind == "set-not-null":
        if major is not None and major < 12:
            advice = "backfill and set NOT NULL in a maintenance window (PostgreSQL < 12 always scans)"
        else:
            advice = ("add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later step, then "
                      "SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the CHECK")
        return f"scans the whole table under an ACCESS EXCLUSIVE lock that blocks reads and writes; {advice}"
    if kind == "add-not-null-column":
        return ("adds a NOT NULL column without a DEFAULT: it fails on a table with rows, and the old code's "
                "inserts fail; add it nullable, backfill, then set NOT NULL, or give it a DEFAULT")
    return ""
