"""What the migration checks ask the history: one answer per checked file.

The checks walk one file with libcst; the history (graph, replayed state) is
built from *all* migration files of the project, read with ``ast`` and never
imported. This module sits between them:

* :func:`facts_for` finds the project the file belongs to, loads and replays
  its history once per process (:class:`_ProjectCache`: kept while the stats
  of the file's own app folder are unchanged, every folder re-checked at most
  every ``RECHECK_SECONDS``), and answers for that one file: its operation
  records, its diagnostics (bad input), whether it is applied already.
* Migrations of apps outside the project (``auth``, ``contenttypes``,
  third-party apps) are read, statically too, from the checked project's
  environment: a virtualenv inside the project (``.venv``, ``venv``, ``env``),
  ``$VIRTUAL_ENV``, else the ``site-packages`` folders on ``sys.path``. An app
  found nowhere stays unknown; the checks then judge as they would without a
  history, and say so (REL411).
* The project's files are read from the version of the repository the run
  checks: the work tree, or in ``--staged``/pre-commit mode the index (a
  pre-commit range: its last commit), so a staged migration is judged with the
  staged versions of its app's other migrations, never with unstaged edits
  (:class:`~resilint.engine.snapshot.Snapshot`; one ``git cat-file --batch``
  per snapshot, histories kept per snapshot token).
* The checked file's own text wins over those files (an unsaved editor
  buffer): when they differ the project is replayed again with that text (kept
  for the last few texts).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from resilint.git import git_output

from . import diagnostics as d
from .alembic_graph import discover_version_dirs, load_alembic
from .diagnostics import Diagnostic
from .django_fields import FieldClassResolver
from .django_graph import (
    SKIP_DIRS,
    WORK_TREE,
    DjangoProject,
    Files,
    Key,
    MigrationFile,
    discover_migration_files,
    discover_settings,
    read_migration,
)
from .django_state import OperationRecord, ProjectHistory
from .pysource import gc_paused

if TYPE_CHECKING:
    from resilint.engine.snapshot import Snapshot

RECHECK_SECONDS = 2.0
_VENV_DIRS = (".venv", "venv", "env", ".env")


@dataclass(frozen=True)
class FileFacts:
    """What the history says about one migration file."""

    key: Key | None  # (app, name) when the file is a migration the history knows
    records: tuple[OperationRecord, ...] = ()  # its operations, replayed (database-side and state)
    diagnostics: tuple[Diagnostic, ...] = ()  # bad input found in this file (REL410)
    applied: bool = False  # marked applied by [tool.resilint.migrations]
    history: ProjectHistory | None = None
    resolver: FieldClassResolver | None = None
    missing_apps: frozenset[str] = frozenset()  # apps its history needed and nobody could find

    def database_records(self) -> list[OperationRecord]:
        """Records in the order the libcst walker lists operations: top-level operations and
        ``SeparateDatabaseAndState.database_operations`` (not the container, not state-only ones)."""
        return [
            r for r in self.records
            if r.scope != "state_operations" and r.kind != "SeparateDatabaseAndState"
        ]


NO_FACTS = FileFacts(None)


# -- where things are -----------------------------------------------------------------


def app_folder(file: Path) -> Path | None:
    """The ``migrations`` folder a Django migration file sits in, else None."""
    parent = file.parent
    return parent if parent.name == "migrations" else None


def sibling_migrations(file: Path | None) -> list[Path]:
    """The other migration modules of the file's app (the cross-file inputs of its verdict)."""
    if file is None:
        return []
    folder = app_folder(file)
    return [] if folder is None else _other_modules(folder, file)


def sibling_revisions(file: Path) -> list[Path]:
    """The other Alembic revision files of the ``versions`` folder the file sits in."""
    folder = file.parent
    return _other_modules(folder, file) if folder.name == "versions" else []


def _other_modules(folder: Path, file: Path) -> list[Path]:
    """The ``.py`` modules of ``folder`` other than ``file`` and ``__init__.py``, sorted."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".py") and n != "__init__.py")
    except OSError:
        return []
    return [folder / n for n in names if folder / n != file]


def environment_roots(root: Path) -> list[Path]:
    """``site-packages`` folders of the checked project's environment."""
    found: list[Path] = []
    candidates = [root / v for v in _VENV_DIRS]
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]))
    for venv in candidates:
        if (venv / "pyvenv.cfg").is_file():
            found.extend(sorted(venv.glob("lib/python*/site-packages")))
            found.extend(sorted(venv.glob("Lib/site-packages")))
    if not found:
        found = [Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)]
    return list(dict.fromkeys(found))


def find_app_dirs(label: str, roots: Iterable[Path]) -> list[Path]:
    """Package folders under ``roots`` that hold migrations of app ``label``:
    ``<label>/``, ``django/contrib/<label>/`` and one package level down (``allauth/account``)."""
    out: list[Path] = []
    for base in roots:
        for candidate in (base / label, base / "django" / "contrib" / label):
            if (candidate / "migrations").is_dir():
                out.append(candidate)
        if out:
            continue
        try:
            tops = sorted(e.name for e in os.scandir(base) if e.is_dir() and not e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        for top in tops:
            candidate = base / top / label
            if (candidate / "migrations").is_dir():
                out.append(candidate)
    return out


# -- loading ---------------------------------------------------------------------------


@dataclass
class _Loaded:
    project: DjangoProject
    history: ProjectHistory
    resolver: FieldClassResolver
    by_path: dict[str, Key]
    stats: dict[str, tuple[int, int]]  # migrations folder -> stat signature of its .py files
    missing_apps: frozenset[str]
    checked_at: float = 0.0
    overlays: OrderedDict[tuple[str, str], _Loaded] = field(default_factory=OrderedDict)


def _folder_signature(folder: str) -> tuple[int, int]:
    """A cheap signature of a migrations folder: the folder's mtime (files added/removed)
    and the sum of its files' mtimes and sizes (files edited)."""
    try:
        total = 0
        with os.scandir(folder) as it:
            for e in it:
                if e.name.endswith(".py"):
                    st = e.stat()
                    total += st.st_mtime_ns + st.st_size
        return (os.stat(folder).st_mtime_ns, total)
    except OSError:
        return (-1, -1)


def _wanted(root: Path):
    """The files a history reads, for one batched read of a snapshot: migration modules,
    ``apps.py`` (app labels) and settings modules (``AUTH_USER_MODEL``) under ``root``."""
    prefix = str(root) + os.sep

    def wanted(path: str) -> bool:
        if not path.startswith(prefix) or not path.endswith(".py"):
            return False
        folder, name = os.path.split(path)
        base = os.path.basename(folder)
        return base in ("migrations", "settings") or name == "apps.py" or name.startswith("settings")

    return wanted


def _load(root: Path, overlay: tuple[str, str] | None = None, source_files: Files = WORK_TREE) -> _Loaded:
    with gc_paused():
        source_files.prefetch(_wanted(root))
        settings, notes = discover_settings(root, source_files)
        files: list[MigrationFile] = []
        seen: dict[Key, str] = {}
        folders: set[str] = set()
        for app, path in discover_migration_files(root, source_files):
            source = overlay[1] if overlay is not None and str(path) == overlay[0] else None
            mf, file_notes = read_migration(app, path, settings, source=source, files=source_files)
            if mf.tree is not None and mf.klass is None and not path.name[:1].isdigit():
                continue
            folders.add(str(path.parent))
            notes.extend(file_notes)
            if mf.key in seen:
                notes.append(Diagnostic(d.DUPLICATE, f"{app}.{mf.name} also defined in {seen[mf.key]}; this copy is "
                                        "ignored (two folders with one app label?)", "warning", str(path), None, app,
                                        mf.name))
                continue
            seen[mf.key] = str(path)
            files.append(mf)
        missing = _read_external(root, files, settings, seen)
        project = DjangoProject(str(root), tuple(files), settings, tuple(notes))
        by_path = {f.path: f.key for f in files if not f.external}
        stats = {f: _folder_signature(f) for f in folders} if source_files is WORK_TREE else {}
        return _Loaded(project, ProjectHistory(project), FieldClassResolver(root), by_path, stats,
                       frozenset(missing), time.monotonic())


def _read_external(root: Path, files: list[MigrationFile], settings, seen: dict[Key, str]) -> set[str]:
    """Add the migrations of apps the project depends on but does not hold; return the labels
    found nowhere."""
    apps = {f.app for f in files}
    roots: list[Path] | None = None
    missing: set[str] = set()
    pending = {dep.app for f in files for dep in f.dependencies} - apps
    while pending:
        label = pending.pop()
        if roots is None:
            roots = environment_roots(root)
        dirs = find_app_dirs(label, roots)
        if not dirs:
            missing.add(label)
            apps.add(label)
            continue
        for app_dir in dirs[:1]:
            for app, path in discover_migration_files(app_dir):
                mf, _notes = read_migration(app, path, settings, external=True)
                if mf.klass is None or mf.key in seen:
                    continue
                seen[mf.key] = str(path)
                files.append(mf)
                apps.add(app)
                pending |= {dep.app for dep in mf.dependencies} - apps - missing
        apps.add(label)
    return missing


_SNAPSHOTS_KEPT = 4  # histories of index/commit snapshots kept (each is immutable)


class _ProjectCache:
    """Loaded histories per project root (and snapshot), for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Loaded] = {}
        self._snapshots: OrderedDict[tuple[str, str], _Loaded] = OrderedDict()

    def get(self, root: Path, file: Path, source_files: Files = WORK_TREE) -> _Loaded:
        if source_files is not WORK_TREE:
            return self._get_snapshot(root, source_files)
        key = str(root)
        with self._lock:
            entry = self._entries.get(key)
            now = time.monotonic()
            if entry is not None:
                own = str(file.parent)
                stale = own in entry.stats and _folder_signature(own) != entry.stats[own]
                if not stale and own not in entry.stats and app_folder(file) is not None:
                    stale = True  # a new app folder appeared
                if not stale and now - entry.checked_at > RECHECK_SECONDS:
                    stale = any(_folder_signature(f) != sig for f, sig in entry.stats.items())
                    entry.checked_at = now
                if not stale:
                    return entry
            entry = _load(root)
            self._entries[key] = entry
            return entry

    def _get_snapshot(self, root: Path, snapshot: Files) -> _Loaded:
        """A snapshot's files never change: its history is kept under its token, never re-checked."""
        key = (str(root), snapshot.token)
        with self._lock:
            entry = self._snapshots.get(key)
            if entry is not None:
                self._snapshots.move_to_end(key)
                return entry
        entry = _load(root, source_files=snapshot)
        with self._lock:
            self._snapshots[key] = entry
            while len(self._snapshots) > _SNAPSHOTS_KEPT:
                self._snapshots.popitem(last=False)
        return entry

    def with_text(self, entry: _Loaded, root: Path, file: Path, text: str, source_files: Files = WORK_TREE) -> _Loaded:
        """The project as it is with ``file`` holding ``text`` (an unsaved buffer)."""
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        okey = (str(file), digest)
        with self._lock:
            if okey in entry.overlays:
                entry.overlays.move_to_end(okey)
                return entry.overlays[okey]
        loaded = _load(root, (str(file), text), source_files)
        with self._lock:
            entry.overlays[okey] = loaded
            while len(entry.overlays) > 4:
                entry.overlays.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._snapshots.clear()
        ALEMBIC.clear()


PROJECTS = _ProjectCache()


# -- answers ------------------------------------------------------------------------------


def project_root(file: Path, config_root: Path) -> Path:
    """The folder whose migrations form the file's project: the configuration's root when the
    file is inside it, else the folder above the app."""
    try:
        file.relative_to(config_root)
        return config_root
    except ValueError:
        return file.parent.parent.parent


def _same_text(file: Path, text: str, source_files: Files = WORK_TREE) -> bool:
    return source_files.read_text(file) == text


def facts_for(file: Path | None, text: str, config_root: Path, applied: Mapping[str, str] | None = None,
              applied_paths: frozenset[str] | None = None, snapshot: Snapshot | None = None) -> FileFacts:
    """The history's answers for one Django migration file (``NO_FACTS`` when it is not one);
    the app's other migrations are read from ``snapshot`` (None: the work tree)."""
    if file is None:
        return NO_FACTS
    file = file.resolve()
    if app_folder(file) is None:
        return NO_FACTS
    root = project_root(file, config_root.resolve())
    if any(part in SKIP_DIRS for part in file.relative_to(root).parts[:-1]):
        return NO_FACTS
    source_files: Files = snapshot if snapshot is not None else WORK_TREE
    entry = PROJECTS.get(root, file, source_files)
    if str(file) not in entry.by_path:
        return NO_FACTS
    if not _same_text(file, text, source_files):
        entry = PROJECTS.with_text(entry, root, file, text, source_files)
        if str(file) not in entry.by_path:
            return NO_FACTS
    key = entry.by_path[str(file)]
    history = entry.history
    try:
        records = history.operations(*key)
    except KeyError:
        records = ()
    return FileFacts(
        key=key,
        records=records,
        diagnostics=tuple(_diagnostics_for(entry, str(file))),
        applied=_is_applied(entry, key, str(file), root, applied or {}, applied_paths),
        history=history,
        resolver=entry.resolver,
        missing_apps=entry.missing_apps,
    )


# A file that does not parse is the engine's to report (REL001, with the checked interpreter's
# grammar: a migration valid on a newer Python, e.g. PEP 758's ``except A, B:``, must not be
# called broken because this interpreter's ``ast`` cannot read it).
_BAD_INPUT = frozenset({d.MISSING_DEPENDENCY, d.CYCLE, d.MULTIPLE_LEAVES, d.DUPLICATE})


def _diagnostics_for(entry: _Loaded, path: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    graph = entry.project.graph
    for diag in (*entry.project.diagnostics, *graph.diagnostics):
        if diag.code in _BAD_INPUT and diag.path == path and diag not in out:
            out.append(diag)
    return out


def _is_applied(entry: _Loaded, key: Key, path: str, root: Path, applied: Mapping[str, str],
                applied_paths: frozenset[str] | None) -> bool:
    if applied_paths is not None:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if rel in applied_paths:
            return True
    if not applied:
        return False
    graph = entry.project.graph
    for app, name in applied.items():
        mark = graph.resolve((app, name))
        if mark == key:
            return True
        if mark not in graph.nodes:
            if key[0] == app and key[1] <= name:  # the marked migration is gone (squashed away): by name
                return True
            continue
        if key in _ancestors(graph, mark):
            return True
    # A squashed-away original is applied when its squash is.
    squash = graph.replaced_by.get(key)
    return squash is not None and squash in graph.nodes and any(
        squash == graph.resolve((a, n)) or (graph.resolve((a, n)) in graph.nodes
                                            and squash in _ancestors(graph, graph.resolve((a, n))))
        for a, n in applied.items())


# -- Alembic ------------------------------------------------------------------------------

# What breaks `alembic upgrade head`: reported (REL410) on the revision file concerned. Two heads on
# distinct branch labels are a note of the graph (deliberate branches), two bases are harmless.
_ALEMBIC_BAD_INPUT = frozenset({d.MISSING_REVISION, d.CYCLE, d.DUPLICATE, d.MULTIPLE_HEADS})


@dataclass
class _AlembicLoaded:
    by_path: dict[str, tuple[Diagnostic, ...]]  # revision file -> its bad input
    stats: dict[str, tuple[int, int]]  # versions folder -> signature (work tree only)
    checked_at: float = 0.0


def _load_alembic(root: Path, source_files: Files) -> _AlembicLoaded:
    by_path: dict[str, list[Diagnostic]] = {}
    for history in load_alembic(root, source_files):
        missing = any(x.code == d.MISSING_REVISION for x in history.diagnostics)
        for diag in history.diagnostics:
            if diag.code not in _ALEMBIC_BAD_INPUT or diag.severity != "error" or diag.path is None:
                continue
            if diag.code == d.MULTIPLE_HEADS and missing:
                continue  # a revision cut off by a missing down_revision is a head too: one cause, said once
            by_path.setdefault(diag.path, []).append(diag)
    stats = ({str(v): _folder_signature(str(v)) for v in discover_version_dirs(root)}
             if source_files is WORK_TREE else {})
    return _AlembicLoaded({k: tuple(v) for k, v in by_path.items()}, stats, time.monotonic())


class _AlembicCache:
    """Alembic revision graphs per project root (and snapshot), like :class:`_ProjectCache`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], _AlembicLoaded] = OrderedDict()

    def get(self, root: Path, file: Path, source_files: Files) -> _AlembicLoaded:
        key = (str(root), source_files.token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and source_files is WORK_TREE:
                own = str(file.parent)
                now = time.monotonic()
                stale = own not in entry.stats or _folder_signature(own) != entry.stats[own]
                if not stale and now - entry.checked_at > RECHECK_SECONDS:
                    stale = any(_folder_signature(f) != sig for f, sig in entry.stats.items())
                    entry.checked_at = now
                if stale:
                    entry = None
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        entry = _load_alembic(root, source_files)
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > _SNAPSHOTS_KEPT + 1:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


ALEMBIC = _AlembicCache()


def alembic_diagnostics(file: Path | None, config_root: Path, snapshot: Snapshot | None = None
                        ) -> tuple[Diagnostic, ...]:
    """Bad input of the Alembic revision graph found in ``file`` (a revision in a ``versions``
    folder): a down_revision or depends_on naming no revision, a cycle, a revision id defined twice,
    two heads without a merge. The graph is every ``versions`` folder of the project (folders that
    reference each other are one graph), read from ``snapshot`` (None: the work tree)."""
    if file is None:
        return ()
    file = file.resolve()
    if file.parent.name != "versions":
        return ()
    root = project_root(file, config_root.resolve())
    if any(part in SKIP_DIRS for part in file.relative_to(root).parts[:-1]):
        return ()
    source_files: Files = snapshot if snapshot is not None else WORK_TREE
    return ALEMBIC.get(root, file, source_files).by_path.get(str(file), ())


_ANCESTORS: dict[tuple[int, Key], frozenset[Key]] = {}


def _ancestors(graph, key: Key) -> frozenset[Key]:
    memo = (id(graph), key)
    if memo not in _ANCESTORS:
        seen: set[Key] = set()
        stack = list(graph.parents.get(key, ()))
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            stack.extend(graph.parents.get(k, ()))
        _ANCESTORS[memo] = frozenset(seen)
    return _ANCESTORS[memo]


# -- applied-ref ----------------------------------------------------------------------------


_REF_FILES: dict[tuple[str, str], frozenset[str] | None] = {}


def files_at_ref(root: Path, ref: str) -> frozenset[str] | None:
    """Paths (relative to ``root``, "/" separators) of the Python files present at git ``ref``;
    None when ``root`` is not in a git work tree or the ref does not exist."""
    memo = (str(root), ref)
    if memo not in _REF_FILES:
        top = git_output(["rev-parse", "--show-toplevel"], root, timeout=30)
        listing = git_output(["ls-tree", "-r", "-z", "--name-only", "--full-tree", ref], root, timeout=60)
        if top is None or listing is None:
            _REF_FILES[memo] = None
            return None
        toplevel = Path(os.fsdecode(top).strip()).resolve()
        try:
            prefix = root.resolve().relative_to(toplevel).as_posix()
        except ValueError:
            prefix = ""
        prefix = "" if prefix == "." else prefix + "/" if prefix else ""
        names = (os.fsdecode(p) for p in listing.split(b"\0") if p)
        _REF_FILES[memo] = frozenset(p[len(prefix):] for p in names if p.endswith(".py") and p.startswith(prefix))
    return _REF_FILES[memo]


def ref_commit(root: Path, ref: str) -> str:
    """The commit ``ref`` names now (part of the result-cache key), or ``"?"``."""
    out = git_output(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], root, timeout=30)
    return (os.fsdecode(out).strip() if out is not None else "") or "?"
