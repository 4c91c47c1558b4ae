"""The Django migration graph, read from the files as text.

Django builds its graph from imported ``Migration`` classes and the database's
applied set. A linter has neither, so this module reads ``dependencies``,
``replaces``, ``run_before`` and ``initial`` with ``ast`` and rebuilds the same
graph under the assumption Django makes for a fresh database:

* ``__first__``/``__latest__`` resolve to the root/leaf node of the other app
  (``__first__`` on the migration's own app is ignored, as Django does, #22325);
* ``swappable_dependency(settings.AUTH_USER_MODEL)`` becomes
  ``(<app of the user model>, "__first__")``; the setting is read from a literal
  in the project's settings modules, else Django's default ``auth.User``;
* a squashed migration (``replaces = [...]``): Django's loader keeps the squash
  and drops the replaced nodes when *all or none* of them are applied, and with
  no database that is "none" -- so the squash replaces its originals and every
  reference to an original points at the squash. The *expanded* view does the
  opposite where all originals still exist (what an existing database that
  applied the originals went through); the linter needs both, because it checks
  the original files too.

Everything that goes wrong is a ``Diagnostic``; the graph is still built from
what could be read.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from resilint.engine.snapshot import WORK_TREE, Snapshot, WorkTree

from . import diagnostics as d
from .diagnostics import Diagnostic
from .pysource import ImportMap, dotted, gc_paused, module_constants, string
from .toposort import parents_first

Key = tuple[str, str]  # (app_label, migration_name)
Files = WorkTree | Snapshot  # where files are read: the work tree, or the index/a commit (``--staged``)

MIGRATION_FILE = re.compile(r"^\d+_[\w-]*\.py$")  # always a migration (reported if it is not one)
OTHER_MODULE = re.compile(r"^[^_~.][\w-]*\.py$")  # Django loads any module; kept when it has a Migration class
SKIP_DIRS = frozenset(
    {".git", ".hg", ".tox", ".nox", ".venv", "venv", "env", "node_modules", "__pycache__",
     "site-packages", "dist-packages", ".mypy_cache", ".pytest_cache", "build", "dist"}
)
DEFAULT_USER_MODEL = "auth.User"


@dataclass(frozen=True)
class Dependency:
    app: str
    name: str  # a migration name, "__first__" or "__latest__"
    swappable: str | None = None  # the setting it came from ("AUTH_USER_MODEL")
    line: int | None = None


@dataclass(frozen=True, eq=False)
class MigrationFile:
    """One migration module, parsed once; ``tree`` is None when it did not parse."""

    app: str
    name: str
    path: str
    tree: ast.Module | None
    imports: ImportMap | None
    klass: ast.ClassDef | None
    dependencies: tuple[Dependency, ...] = ()
    replaces: tuple[Key, ...] = ()
    run_before: tuple[Dependency, ...] = ()
    initial: bool | None = None
    atomic: bool = True
    operations: ast.expr | None = None  # the ``operations = ...`` value
    external: bool = False  # from an extra root (installed packages), not the project

    @property
    def key(self) -> Key:
        return (self.app, self.name)

    @property
    def parsed(self) -> bool:
        return self.klass is not None


@dataclass(frozen=True)
class Settings:
    """The literal settings the graph needs, and where they were read."""

    values: Mapping[str, str]
    sources: Mapping[str, str]

    @property
    def auth_user_model(self) -> str:
        return self.values.get("AUTH_USER_MODEL", DEFAULT_USER_MODEL)


@dataclass(frozen=True)
class MigrationGraph:
    nodes: Mapping[Key, MigrationFile]
    parents: Mapping[Key, tuple[Key, ...]]
    order: tuple[Key, ...]  # parents before children, deterministic
    leaves: Mapping[str, tuple[Key, ...]]
    roots: Mapping[str, tuple[Key, ...]]
    replaced_by: Mapping[Key, Key]  # original -> squash, for squashes in force in this view
    diagnostics: tuple[Diagnostic, ...]
    expanded: bool

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def resolve(self, key: Key) -> Key:
        """Where a reference to ``key`` lands in this view (through squashes)."""
        seen = 0
        while key in self.replaced_by and seen < 64:
            key = self.replaced_by[key]
            seen += 1
        return key


@dataclass(frozen=True, eq=False)
class DjangoProject:
    root: str
    files: tuple[MigrationFile, ...]
    settings: Settings
    diagnostics: tuple[Diagnostic, ...]  # discovery and parsing

    @cached_property
    def by_key(self) -> Mapping[Key, MigrationFile]:
        out: dict[Key, MigrationFile] = {}
        for f in self.files:
            out.setdefault(f.key, f)
        return out

    @cached_property
    def graph(self) -> MigrationGraph:
        """Django's own view for a fresh database: squashes replace their originals."""
        return build_graph(self.files, self.settings, expand_squashes=False)

    @cached_property
    def expanded_graph(self) -> MigrationGraph:
        """Originals instead of squashes wherever all originals exist."""
        return build_graph(self.files, self.settings, expand_squashes=True)

    @property
    def auth_user_model(self) -> str:
        return self.settings.auth_user_model


# -- discovery ---------------------------------------------------------------------


def discover_migration_files(root: str | os.PathLike[str], files: Files = WORK_TREE) -> Iterator[tuple[str, Path]]:
    """``(app_label, path)`` for every ``migrations/NNNN_*.py`` under ``root`` (in ``files``)."""
    for dirpath, dirnames, filenames in files.walk(root):
        dirnames[:] = sorted(n for n in dirnames if n not in SKIP_DIRS and not n.startswith("."))
        if os.path.basename(dirpath) != "migrations":
            continue
        names = sorted(n for n in filenames if MIGRATION_FILE.match(n) or (
            OTHER_MODULE.match(n) and _has_migration_class(os.path.join(dirpath, n), files)))
        if not names:
            continue
        app_dir = Path(dirpath).parent
        label = _app_label(app_dir, files)
        for n in names:
            yield label, Path(dirpath, n)


_MIGRATION_CLASS = re.compile(r"^class Migration\(", re.MULTILINE)


def _has_migration_class(path: str, files: Files = WORK_TREE) -> bool:
    text = files.read_text(path)
    return text is not None and _MIGRATION_CLASS.search(text) is not None


def _app_label(app_dir: Path, files: Files = WORK_TREE) -> str:
    """The folder name, unless ``apps.py`` sets a literal ``label`` (Django's AppConfig)."""
    apps_py = app_dir / "apps.py"
    data = files.read_bytes(apps_py)
    if data is not None:
        try:
            tree = ast.parse(data.decode("utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            tree = None
        if tree is not None:
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    for stmt in node.body:
                        if (
                            isinstance(stmt, ast.Assign)
                            and any(isinstance(t, ast.Name) and t.id == "label" for t in stmt.targets)
                            and (label := string(stmt.value))
                        ):
                            return label
    return app_dir.name


def discover_settings(root: str | os.PathLike[str], files: Files = WORK_TREE) -> tuple[Settings, list[Diagnostic]]:
    """Literal ``UPPER_CASE = "..."`` strings from ``settings*.py`` and ``settings/*.py`` (in ``files``)."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    notes: list[Diagnostic] = []
    for dirpath, dirnames, filenames in files.walk(root):
        dirnames[:] = sorted(n for n in dirnames if n not in SKIP_DIRS and not n.startswith(".") and n != "migrations")
        in_settings_pkg = os.path.basename(dirpath) == "settings"
        for n in sorted(filenames):
            if not n.endswith(".py") or not (n.startswith("settings") or in_settings_pkg):
                continue
            path = os.path.join(dirpath, n)
            try:
                data = files.read_bytes(path)
                if data is None:
                    continue
                source = data.decode("utf-8")
                if "AUTH_USER_MODEL" not in source and "_MODEL" not in source:
                    continue
                tree = ast.parse(source, path)
            except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
                continue
            for name, value in _literal_settings(tree.body):
                if name in values and values[name] != value:
                    notes.append(Diagnostic(
                        d.DYNAMIC, f"{name} is {values[name]!r} in {sources[name]} but {value!r} in {path}; "
                        f"using the first", "note", path))
                    continue
                values.setdefault(name, value)
                sources.setdefault(name, path)
    return Settings(values, sources), notes


def _literal_settings(body: list[ast.stmt]) -> Iterator[tuple[str, str]]:
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id.endswith("_MODEL") and (v := string(stmt.value)):
                    yield target.id, v
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            if stmt.target.id.endswith("_MODEL") and (v := string(stmt.value)):
                yield stmt.target.id, v
        elif isinstance(stmt, (ast.If, ast.Try)):
            yield from _literal_settings(stmt.body)
            yield from _literal_settings(stmt.orelse)


# -- reading one migration -----------------------------------------------------------


def read_migration(
    app: str, path: str | os.PathLike[str], settings: Settings, source: str | None = None, external: bool = False,
    files: Files = WORK_TREE,
) -> tuple[MigrationFile, list[Diagnostic]]:
    """Parse one migration file (once) and read its class attributes (``source``: its text, else
    read from ``files``)."""
    path = str(path)
    name = os.path.basename(path)[:-3]
    notes: list[Diagnostic] = []
    try:
        if source is None:
            data = files.read_bytes(path)
            if data is None:
                raise ValueError("the file cannot be read")
            source = data.decode("utf-8")
        tree = ast.parse(source, path)
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        notes.append(Diagnostic(d.UNPARSABLE, f"migration {app}.{name} does not parse: {exc.__class__.__name__}: "
                                f"{getattr(exc, 'msg', exc)}", "error", path, line, app, name))
        return MigrationFile(app, name, path, None, None, None, external=external), notes
    klass = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Migration"), None)
    if klass is None:
        notes.append(Diagnostic(d.UNPARSABLE, f"{app}.{name} has no class Migration", "error", path, 1, app, name))
        return MigrationFile(app, name, path, tree, None, None, external=external), notes
    imports = ImportMap(tree)
    constants = module_constants(tree)
    attrs: dict[str, ast.expr] = {}
    for stmt in klass.body:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    attrs[t.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            attrs[stmt.target.id] = stmt.value

    def deps(attr: str) -> tuple[Dependency, ...]:
        node = attrs.get(attr)
        if node is None:
            return ()
        out: list[Dependency] = []
        for element in _elements(node, notes, path, app, name, attr, constants):
            dep = _dependency(element, imports, settings)
            if dep is None:
                notes.append(Diagnostic(d.DYNAMIC, f"{attr} entry `{ast.unparse(element)}` is not a literal "
                                        f"(app, name) pair; ignored", "warning", path, element.lineno, app, name))
            else:
                out.append(dep)
        return tuple(out)

    replaces: list[Key] = []
    for element in (_elements(attrs["replaces"], notes, path, app, name, "replaces", constants)
                    if "replaces" in attrs else ()):
        pair = _pair(element)
        if pair is None:
            notes.append(Diagnostic(d.DYNAMIC, f"replaces entry `{ast.unparse(element)}` is not a literal pair",
                                    "warning", path, element.lineno, app, name))
        else:
            replaces.append(pair)
    initial = attrs.get("initial")
    atomic = attrs.get("atomic")
    return (
        MigrationFile(
            app, name, path, tree, imports, klass,
            dependencies=deps("dependencies"),
            replaces=tuple(replaces),
            run_before=deps("run_before"),
            initial=initial.value if isinstance(initial, ast.Constant) and isinstance(initial.value, bool) else None,
            atomic=not (isinstance(atomic, ast.Constant) and atomic.value is False),
            operations=attrs.get("operations"),
            external=external,
        ),
        notes,
    )


def _elements(node: ast.expr, notes: list[Diagnostic], path: str, app: str, name: str, attr: str,
              constants: dict[str, ast.expr], depth: int = 0) -> Iterator[ast.expr]:
    """Entries of a list attribute: literal lists, ``+`` of lists, ``*spread``, module-level names."""
    if isinstance(node, ast.Name) and node.id in constants and depth < 8:
        yield from _elements(constants[node.id], notes, path, app, name, attr, constants, depth + 1)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _elements(node.left, notes, path, app, name, attr, constants, depth + 1)
        yield from _elements(node.right, notes, path, app, name, attr, constants, depth + 1)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if isinstance(element, ast.Starred):
                yield from _elements(element.value, notes, path, app, name, attr, constants, depth + 1)
            else:
                yield element
    else:
        notes.append(Diagnostic(d.DYNAMIC, f"{attr} is not a literal list (`{ast.unparse(node)[:60]}`); "
                                "read as empty", "warning", path, node.lineno, app, name))


def _pair(node: ast.expr) -> Key | None:
    if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == 2:
        a, b = string(node.elts[0]), string(node.elts[1])
        if a is not None and b is not None:
            return (a, b)
    return None


def _dependency(node: ast.expr, imports: ImportMap, settings: Settings) -> Dependency | None:
    pair = _pair(node)
    if pair is not None:
        return Dependency(pair[0], pair[1], None, node.lineno)
    if isinstance(node, ast.Call) and len(node.args) == 1:
        func = dotted(node.func) or ""
        if func.endswith("swappable_dependency"):
            setting = dotted(node.args[0]) or ""
            value = string(node.args[0])
            if setting.startswith("settings."):
                key = setting.split(".", 1)[1]
                value = settings.values.get(key, DEFAULT_USER_MODEL if key == "AUTH_USER_MODEL" else None)
                if value is None:
                    return None
                return Dependency(value.split(".", 1)[0], "__first__", key, node.lineno)
            if value is not None:
                return Dependency(value.split(".", 1)[0], "__first__", None, node.lineno)
    return None


# -- the project -------------------------------------------------------------------


def load_project(
    root: str | os.PathLike[str],
    extra_roots: Iterable[str | os.PathLike[str]] = (),
    settings: Settings | None = None,
) -> DjangoProject:
    """Discover, parse and index every migration under ``root``.

    ``extra_roots`` are read too (e.g. an installed ``site-packages`` for
    ``auth``/``contenttypes``/third-party apps) and marked ``external``.
    """
    with gc_paused():
        return _load_project(root, extra_roots, settings)


def _load_project(root: str | os.PathLike[str], extra_roots: Iterable[str | os.PathLike[str]],
                  settings: Settings | None) -> DjangoProject:
    notes: list[Diagnostic] = []
    if settings is None:
        settings, settings_notes = discover_settings(root)
        notes.extend(settings_notes)
    files: list[MigrationFile] = []
    seen: dict[Key, str] = {}
    for external, base in [(False, root), *((True, r) for r in extra_roots)]:
        for app, path in discover_migration_files(base):
            mf, file_notes = read_migration(app, path, settings, external=external)
            if mf.tree is not None and mf.klass is None and not MIGRATION_FILE.match(path.name):
                continue  # a helper module that only mentions a Migration class
            notes.extend(file_notes)
            if mf.key in seen:
                if external:
                    continue  # the project's own copy wins (MIGRATION_MODULES, vendored apps)
                notes.append(Diagnostic(d.DUPLICATE, f"{app}.{mf.name} also defined in {seen[mf.key]}; "
                                        "this copy is ignored (two folders with one app label?)",
                                        "warning", str(path), None, app, mf.name))
                continue
            seen[mf.key] = str(path)
            files.append(mf)
    return DjangoProject(str(root), tuple(files), settings, tuple(notes))


def build_graph(files: Iterable[MigrationFile], settings: Settings, expand_squashes: bool = False) -> MigrationGraph:
    """Nodes and edges for one view (see the module docstring), with diagnostics."""
    notes: list[Diagnostic] = []
    all_nodes: dict[Key, MigrationFile] = {}
    for f in files:
        all_nodes.setdefault(f.key, f)
    by_app: dict[str, list[Key]] = {}
    for key in all_nodes:
        by_app.setdefault(key[0], []).append(key)
    for keys in by_app.values():
        keys.sort()

    # Squashes: decide which side of each replacement is in this view.
    replaced_by: dict[Key, Key] = {}
    dropped: set[Key] = set()
    for key, mf in sorted(all_nodes.items()):
        if not mf.replaces:
            continue
        present = [r for r in mf.replaces if r in all_nodes]
        if expand_squashes and len(present) == len(mf.replaces):
            dropped.add(key)  # the originals stand; references to the squash land on the last original
            last = _last_replaced(mf.replaces, all_nodes)
            if last is not None:
                replaced_by[key] = last
        else:
            for r in mf.replaces:
                replaced_by[r] = key
                dropped.add(r)
    nodes = {k: v for k, v in all_nodes.items() if k not in dropped}

    def land(key: Key) -> Key:
        hops = 0
        while key in replaced_by and key not in nodes and hops < 64:
            key = replaced_by[key]
            hops += 1
        return key

    parents: dict[Key, set[Key]] = {k: set() for k in nodes}
    # Internal dependencies first: __first__/__latest__ of other apps need roots/leaves.
    for key, mf in nodes.items():
        if not mf.parsed:
            prev = _previous_in_app(key, by_app[key[0]], nodes)
            if prev is not None:
                parents[key].add(prev)
            continue
        for dep in mf.dependencies:
            if dep.app != key[0] or dep.name in ("__first__", "__latest__"):
                continue
            target = land((dep.app, dep.name))
            if target in nodes:
                if target != key:
                    parents[key].add(target)
            else:
                notes.append(Diagnostic(d.MISSING_DEPENDENCY, f"{key[0]}.{key[1]} depends on {dep.app}.{dep.name}, "
                                        "which does not exist", "error", mf.path, dep.line, key[0], key[1]))
    roots, leaves = _ends(nodes, parents)
    external_apps: set[str] = set()
    for key, mf in nodes.items():
        for dep in mf.dependencies:
            if dep.app == key[0]:
                continue
            target = _external(dep, roots, leaves, land, nodes)
            if target is None:
                if dep.app in roots:
                    notes.append(Diagnostic(d.MISSING_DEPENDENCY, f"{key[0]}.{key[1]} depends on {dep.app}.{dep.name}, "
                                            "which does not exist", "error", mf.path, dep.line, key[0], key[1]))
                elif dep.app not in external_apps:
                    external_apps.add(dep.app)
                    notes.append(Diagnostic(d.EXTERNAL_DEPENDENCY, f"app {dep.app!r} has no migrations under the "
                                            f"scanned roots (first needed by {key[0]}.{key[1]}); its models are "
                                            "unknown to the replay", "note", mf.path, dep.line, key[0], key[1]))
                continue
            parents[key].add(target)
        for dep in mf.run_before:
            target = _external(dep, roots, leaves, land, nodes) if dep.app != key[0] else land((dep.app, dep.name))
            if target is not None and target in nodes:
                parents[target].add(key)
            else:
                notes.append(Diagnostic(d.MISSING_DEPENDENCY, f"{key[0]}.{key[1]} runs before {dep.app}.{dep.name}, "
                                        "which does not exist", "warning", mf.path, dep.line, key[0], key[1]))
    order, cycle_notes = _toposort(nodes, parents)
    notes.extend(cycle_notes)
    roots, leaves = _ends(nodes, parents)
    for app, app_leaves in sorted(leaves.items()):
        if len(app_leaves) > 1:
            names = ", ".join(k[1] for k in app_leaves)
            mf = nodes[app_leaves[-1]]
            notes.append(Diagnostic(d.MULTIPLE_LEAVES, f"app {app!r} has {len(app_leaves)} leaf migrations ({names}): "
                                    "a merge migration is missing", "error", mf.path, None, app, app_leaves[-1][1]))
    return MigrationGraph(
        nodes=nodes,
        parents={k: tuple(sorted(v)) for k, v in parents.items()},
        order=order,
        leaves=leaves,
        roots=roots,
        replaced_by=replaced_by,
        diagnostics=tuple(notes),
        expanded=expand_squashes,
    )


def _last_replaced(replaces: tuple[Key, ...], nodes: Mapping[Key, MigrationFile]) -> Key | None:
    """The replaced node no other replaced node depends on (Django's remove_replacement_node)."""
    inside = set(replaces)
    depended = {(dep.app, dep.name) for r in replaces for dep in nodes[r].dependencies} & inside
    last = [r for r in replaces if r not in depended]
    return max(last) if last else (replaces[-1] if replaces else None)


def _previous_in_app(key: Key, app_keys: list[Key], nodes: Mapping[Key, MigrationFile]) -> Key | None:
    """For a file that did not parse: assume it follows the previous-numbered migration."""
    before = [k for k in app_keys if k < key and k in nodes]
    return before[-1] if before else None


def _external(dep: Dependency, roots: Mapping[str, tuple[Key, ...]], leaves: Mapping[str, tuple[Key, ...]],
              land, nodes: Mapping[Key, MigrationFile]) -> Key | None:
    if dep.name == "__first__":
        r = roots.get(dep.app)
        return r[0] if r else None
    if dep.name == "__latest__":
        lv = leaves.get(dep.app)
        return lv[0] if lv else None
    target = land((dep.app, dep.name))
    return target if target in nodes else None


def _ends(nodes: Mapping[Key, MigrationFile], parents: Mapping[Key, set[Key]]
          ) -> tuple[dict[str, tuple[Key, ...]], dict[str, tuple[Key, ...]]]:
    """Per app: nodes with no parent / no child *in the same app* (Django's root_nodes/leaf_nodes)."""
    has_child: set[Key] = set()
    has_parent: set[Key] = set()
    for key, ps in parents.items():
        for p in ps:
            if p[0] == key[0]:
                has_child.add(p)
                has_parent.add(key)
    roots: dict[str, list[Key]] = {}
    leaves: dict[str, list[Key]] = {}
    for key in sorted(nodes):
        roots.setdefault(key[0], [])
        leaves.setdefault(key[0], [])
        if key not in has_parent:
            roots[key[0]].append(key)
        if key not in has_child:
            leaves[key[0]].append(key)
    return {a: tuple(v) for a, v in roots.items()}, {a: tuple(v) for a, v in leaves.items()}


def _toposort(nodes: Mapping[Key, MigrationFile], parents: Mapping[Key, set[Key]]
              ) -> tuple[tuple[Key, ...], list[Diagnostic]]:
    """Parents first, sorted (see toposort.py); each cycle is reported once and ignored."""
    order, cycles = parents_first(sorted(nodes), {k: sorted(v) for k, v in parents.items()})
    notes = []
    for cycle in cycles:
        node = cycle[1]  # the migration whose dependency closes the cycle
        text = " -> ".join(f"{a}.{n}" for a, n in cycle)
        notes.append(Diagnostic(d.CYCLE, f"dependency cycle: {text}", "error", nodes[node].path, None, *node))
    return order, notes
