"""What the migration checks know about the checked project beyond the file:
its migration history (``history/lookup.py``), the declared library versions,
the applied-migrations setting, and a few whole-file facts read before the
walk (reverse functions, the SQLite table-rebuild idiom)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.migrations.django import DjangoMigration
from resilint.config.project import project_info
from resilint.engine.literals import string_literal
from resilint.engine.names import NameResolver
from resilint.engine.snapshot import snapshot_of
from resilint.engine.walk import walk

if TYPE_CHECKING:
    from resilint.checks.migrations.history.lookup import FileFacts

_LOCAL = threading.local()
_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


def MIGRATION_FILE_NAME_FOLDER(file: Path) -> bool:  # noqa: N802 - reads as a predicate constant
    """The file sits in a Django app's ``migrations`` folder."""
    return file.parent.name == "migrations"


def file_facts(context) -> FileFacts:
    """The history's facts for the file being checked, computed once per file and shared by
    every migration rule walking it (they share the :class:`FileContext`)."""
    last = getattr(_LOCAL, "last", None)
    if last is not None and last[0] is context:
        return last[1]
    from resilint.checks.migrations.history.lookup import NO_FACTS, facts_for, files_at_ref

    config = context.config
    facts = NO_FACTS
    file = context.file.resolve() if context.file is not None else None
    if file is not None and MIGRATION_FILE_NAME_FOLDER(file):
        settings = config.migrations
        applied_paths = files_at_ref(config.root, settings.applied_ref) if settings.applied_ref else None
        facts = facts_for(file, context.source, config.root, settings.applied, applied_paths,
                          snapshot_of(getattr(context, "revisions", None)))
    _LOCAL.last = (context, facts)
    return facts


def alembic_applied(context) -> bool:
    """An Alembic revision file present at ``applied-ref``."""
    settings = context.config.migrations
    if not settings.applied_ref or context.file is None:
        return False
    from resilint.checks.migrations.history.lookup import files_at_ref

    paths = files_at_ref(context.config.root, settings.applied_ref)
    if paths is None:
        return False
    try:
        rel = context.file.resolve().relative_to(context.config.root.resolve()).as_posix()
    except ValueError:
        return False
    return rel in paths


def declared_version(root: Path, distribution: str) -> tuple[int, int] | None:
    """The lowest version of ``distribution`` the project allows (a lock or ``==`` pin, else the
    lower bound of its specifier), or None when it declares none."""
    dep = project_info(root).get(distribution)
    if dep is None:
        return None
    text = dep.locked or ""
    if not text:
        for part in dep.specifier.split(","):
            if part.startswith((">=", "~=", "==", ">")):
                text = part.lstrip(">=~")
                break
    match = _VERSION.match(text)
    if match is None:
        return None
    return int(match[1]), int(match[2] or 0)


def reverse_functions(migration: DjangoMigration) -> set[str]:
    """Names of module-level functions passed as ``RunPython(..., reverse_code=f)``."""
    out: set[str] = set()
    for op in migration.operations:
        if op.name == "RunPython":
            value = op.arg("reverse_code")
            if isinstance(value, cst.Name):
                out.add(value.value)
    return out


def forward_functions(migration: DjangoMigration) -> set[str]:
    """Names of module-level functions passed as ``RunPython(code)``."""
    out: set[str] = set()
    for op in migration.operations:
        if op.name == "RunPython":
            value = op.arg("code")
            if isinstance(value, cst.Name):
                out.add(value.value)
    return out


def rebuilt_tables(module: cst.Module, names: NameResolver) -> tuple[set[str], set[str]]:
    """The SQLite table-rebuild idiom in an Alembic ``upgrade()``: ``rename_table(t, t_tmp)``,
    ``create_table(t, ...)``, copy the rows, ``drop_table(t_tmp)``. The table keeps its name and
    its rows; returns the rebuilt tables and their temporary names."""
    renames: list[tuple[str, str]] = []
    created: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "upgrade":
            collector = _OpCalls(names)
            walk(statement, collector.enter, _ignore)
            renames.extend(collector.renames)
            created |= collector.created
    rebuilt = {old for old, _new in renames if old in created}
    temporaries = {new for old, new in renames if old in created}
    return rebuilt, temporaries


def upgrade_operations(module: cst.Module, names: NameResolver) -> set[str]:
    """The Alembic operations ``upgrade()`` calls (``op.X`` and ``batch_op.X``), by name."""
    found: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "upgrade":
            collector = _OpCalls(names)
            walk(statement, collector.enter, _ignore)
            found |= collector.ops
    return found


def _ignore(node: cst.CSTNode) -> None:
    pass


class _OpCalls:
    """Collects the Alembic operations a function calls (read-only walk)."""

    def __init__(self, names: NameResolver) -> None:
        self.names = names
        self.renames: list[tuple[str, str]] = []
        self.created: set[str] = set()
        self.ops: set[str] = set()
        self.batches: set[str] = set()  # names bound by ``with op.batch_alter_table(...) as name``

    def enter(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.WithItem):
            self._with_item(node)
        elif isinstance(node, cst.Call):
            self._call(node)

    def _with_item(self, node: cst.WithItem) -> None:
        if (isinstance(node.item, cst.Call) and self.names.call_name(node.item) == "alembic.op.batch_alter_table"
                and node.asname is not None and isinstance(node.asname.name, cst.Name)):
            self.batches.add(node.asname.name.value)

    def _call(self, node: cst.Call) -> None:
        qualname = self.names.call_name(node)
        if qualname is not None and qualname.startswith("alembic.op.") and qualname.count(".") == 2:
            self.ops.add(qualname.rsplit(".", 1)[1])
        elif (isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
              and node.func.value.value in self.batches):
            self.ops.add(node.func.attr.value)
        if qualname not in ("alembic.op.rename_table", "alembic.op.create_table"):
            return
        args = [string_literal(a.value) for a in node.args if a.keyword is None]
        if qualname.endswith("rename_table") and len(args) >= 2 and args[0] and args[1]:
            self.renames.append((args[0], args[1]))
        elif qualname.endswith("create_table") and args and args[0]:
            self.created.add(args[0])


_INI_URL = re.compile(r"^\s*sqlalchemy\.url\s*=\s*(\w+)", re.MULTILINE)
_INI_CACHE: dict[str, tuple[Path | None, str | None]] = {}


def alembic_env_files(versions: Path) -> tuple[Path, Path]:
    """Where Alembic's ``env.py`` may sit for a ``versions`` folder: beside it or one up."""
    return versions / "env.py", versions.parent / "env.py"


def alembic_ini(file: Path, root: Path) -> Path | None:
    """The ``alembic.ini`` nearest above an Alembic revision file (within ``root``)."""
    return _ini_lookup(file, root)[0]


def alembic_database(file: Path | None, root: Path) -> str | None:
    """"sqlite"/"mysql"/"postgresql" when the nearest ``alembic.ini`` names a literal URL of that
    database (``sqlalchemy.url = sqlite:////var/lib/app/db.sqlite``), else None."""
    if file is None:
        return None
    return _ini_lookup(file, root)[1]


def _ini_lookup(file: Path, root: Path) -> tuple[Path | None, str | None]:
    folder = str(file.parent)
    if folder not in _INI_CACHE:
        found: tuple[Path | None, str | None] = (None, None)
        here = file.parent.resolve()
        top = root.resolve()
        for _ in range(5):
            ini = here / "alembic.ini"
            if ini.is_file():
                try:
                    text = ini.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
                match = _INI_URL.search(text)
                scheme = match[1].lower() if match else ""
                database = ("sqlite" if scheme.startswith("sqlite") else "mysql" if scheme.startswith(("mysql", "mariadb"))
                            else "postgresql" if scheme.startswith("postgres") else None)
                found = (ini, database)
                break
            if here == top or here.parent == here:
                break
            here = here.parent
        _INI_CACHE[folder] = found
    return _INI_CACHE[folder]
