"""Check kinds of the AI-only standards (REL901, REL902). The engine reports their
findings only on AI-assisted lines; here they find candidates anywhere.

``unresolvable-import`` never imports anything: an import resolves when its
top-level module is in the standard library, is a module or package of the
project (next to the file, above its package, at the project root or ``src/``),
is installed (installed distributions' metadata, a listing of ``sys.path`` and
of the project's own virtualenv), or is declared in the project's dependencies.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.metadata
import os
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import libcst as cst

from resilint.config.project import canonical, dependency_files, project_info
from resilint.config.settings import Config
from resilint.config.standards import Standard
from resilint.engine.context import FileContext
from resilint.engine.names import dotted_name
from resilint.rule import Param, Rule

_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", ".git")


_SUFFIXES = tuple(sorted({".py", ".pyi", *importlib.machinery.EXTENSION_SUFFIXES}, key=len, reverse=True))


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


# -- what exists without importing -----------------------------------------------------


def _module_names(folder: Path) -> frozenset[str]:
    """Top-level importable names in ``folder``: packages/namespace folders, modules,
    extension modules, and the top-level names recorded by ``*.dist-info``."""
    names: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return frozenset()
    for entry in entries:
        name = entry.name
        if name.endswith((".dist-info", ".egg-info")):
            top = Path(entry.path) / "top_level.txt"
            try:
                names.update(line.strip() for line in top.read_text().splitlines() if line.strip())
            except OSError:
                pass
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:  # a symlink loop, or an entry this user cannot stat: not a package we can see
            continue
        if is_dir:
            if name.isidentifier():
                names.add(name)
            continue
        for suffix in _SUFFIXES:
            if name.endswith(suffix):
                names.add(name[: -len(suffix)].split(".", 1)[0])
                break
    return frozenset(names)


@lru_cache(maxsize=1)
def installed_names() -> frozenset[str]:
    """Top-level modules installed for the interpreter resilint runs on."""
    names: set[str] = set(importlib.metadata.packages_distributions())
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            names |= _module_names(Path(entry))
    return frozenset(names)


@lru_cache(maxsize=32)
def _virtualenv_names(root: Path) -> frozenset[str]:
    """Top-level modules in the project's own virtualenv (``.venv``, ``venv``, ``$VIRTUAL_ENV``):
    resilint often runs from another environment (pre-commit, pipx)."""
    names: set[str] = set()
    candidates = [root / ".venv", root / "venv"]
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]))
    for venv in candidates:
        for site in [*venv.glob("lib/python3*/site-packages"), venv / "Lib" / "site-packages"]:
            if site.is_dir():
                names |= _module_names(site)
    return frozenset(names)


_listings: dict[Path, tuple[int, frozenset[str]]] = {}


def _listing(folder: Path) -> frozenset[str]:
    """Module names in ``folder``, re-read when the folder changes (its mtime moves
    when an entry is added, removed or renamed): a long-running process sees a new
    module without a restart."""
    try:
        mtime = folder.stat().st_mtime_ns
    except OSError:
        return frozenset()
    cached = _listings.get(folder)
    if cached is None or cached[0] != mtime:
        cached = _listings[folder] = (mtime, _module_names(folder))
    return cached[1]


def _folder_has_module(folder: Path, name: str) -> bool:
    return name in _listing(folder)


@lru_cache(maxsize=256)
def _project_root(folder: Path, stop: Path) -> Path:
    """The nearest folder at or above ``folder`` that looks like a project root."""
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in _PROJECT_MARKERS):
            return candidate
        if candidate == stop:
            break
    return stop


def _source_roots(file: Path, config_root: Path) -> list[Path]:
    """Where first-party top-level modules may live for ``file``."""
    folder = file.parent
    roots = [folder]
    package = folder
    while (package / "__init__.py").exists() and package.parent != package:
        package = package.parent
        roots.append(package)
    project = _project_root(folder, config_root)
    for base in {project, config_root}:
        roots += [base, base / "src", base / "lib", base / "python"]
    return roots


class UnresolvableImport(Rule):
    sliceable = True  # see Rule.sliceable

    kind = "unresolvable-import"
    description = "An import whose top-level module resolves nowhere: not stdlib, first-party, installed or declared."
    parameters = {
        "distributions": Param(dict, required=False, default={}, doc="import name -> distribution names that provide it"),
        "stdlib-extra": Param(list, required=False, default=[], doc="stdlib modules of other Python versions"),
        "known-packages": Param(list, required=False, default=[], doc="import names of widely used PyPI packages"),
    }

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        return ("import",)

    @classmethod
    def cache_inputs(cls, standard: Standard, config: Config) -> str:
        """The environment: Python's version and what is installed, here and in the
        project's virtualenv (declared dependencies at the root are in the engine's key)."""
        names = sorted(installed_names() | _virtualenv_names(config.root))
        return _digest([sys.version, *names])

    @classmethod
    def input_files(cls, standard: Standard, config: Config) -> Iterable[Path]:
        return dependency_files(config.root)  # the dependencies declared at the root

    @classmethod
    def file_cache_inputs(cls, standard: Standard, config: Config, file: Path | None) -> str:
        """What resolves differently per file: the modules in its source roots and the
        dependencies of its own (sub)project."""
        if file is None:
            return ""
        resolved = file.resolve()
        roots = _source_roots(resolved, config.root)
        project = _project_root(resolved.parent, config.root)
        parts = [str(r) + ":" + ",".join(sorted(_listing(r))) for r in roots]
        parts += sorted(project_info(project).dependencies) if project != config.root else []
        return _digest(parts)

    def __init__(self, standard: Standard, context: FileContext) -> None:
        super().__init__(standard, context)
        self._guarded: set[int] = set()  # try bodies whose handlers catch ImportError
        self._depth = 0
        self._verdicts: dict[str, bool] = {}
        self._known = frozenset(self.param("known-packages"))

    # -- guarded (optional) imports are deliberate --------------------------------

    def visit_Try(self, node: cst.Try) -> None:
        if any(_catches_import_error(h.type) for h in node.handlers):
            self._guarded.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._guarded:
            self._depth += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._guarded:
            self._depth -= 1

    # -- imports ----------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        if self._depth:
            return
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted and not self._resolves(dotted):
                self.report(alias, self._message(dotted))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self._depth or node.relative or node.module is None:
            return  # relative imports are first-party by definition
        dotted = dotted_name(node.module)
        if dotted and not self._resolves(dotted):
            self.report(node, self._message(dotted))

    def _message(self, dotted: str) -> str:
        top = dotted.split(".", 1)[0]
        return (
            f"import of {dotted!r} does not resolve: {top!r} is not in the standard library, not a module "
            f"of this project, not installed and not declared in the project's dependencies "
            f"(a possibly hallucinated package)"
        )

    def _resolves(self, dotted: str) -> bool:
        if dotted not in self._verdicts:
            self._verdicts[dotted] = self._lookup(dotted)
        return self._verdicts[dotted]

    def _lookup(self, dotted: str) -> bool:
        top = dotted.split(".", 1)[0]
        if top in sys.stdlib_module_names or top in sys.builtin_module_names or top in ("__future__", "__main__"):
            return True
        if top in self.param("stdlib-extra") or top in self._known:
            return True
        config_root = self.context.config.root
        file = self.context.file
        if file is not None:
            resolved = file.resolve()
            if any(_folder_has_module(root, top) for root in _source_roots(resolved, config_root)):
                return True
            project = _project_root(resolved.parent, config_root)
        else:
            project = config_root
            if any(_folder_has_module(root, top) for root in (config_root, config_root / "src")):
                return True
        if top in installed_names() or top in _virtualenv_names(project) or top in _virtualenv_names(config_root):
            return True
        return _declared(dotted, self.param("distributions"), {project, config_root})


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _declared(dotted: str, distributions: Mapping[str, list[str]], roots: set[Path]) -> bool:
    """Whether a declared dependency provides ``dotted``: by the distributions table,
    by name (``google.cloud.storage`` ~ ``google-cloud-storage``), or by the usual
    prefixes and suffixes (``python-dateutil``, ``pyserial``, ``psycopg2-binary``)."""
    declared: set[str] = set()
    for root in roots:
        declared |= set(project_info(root).dependencies)
    if not declared:
        return False
    parts = dotted.split(".")
    top = parts[0]
    candidates = {canonical(".".join(parts[:i])) for i in range(1, len(parts) + 1)}
    for name in list(candidates):
        candidates |= {f"python-{name}", f"py{name}", f"py-{name}", f"{name}-python", f"{name}-binary", f"{name}-py"}
    candidates |= {canonical(d) for d in distributions.get(top, [])}
    candidates |= {canonical(d) for d in distributions.get(dotted, [])}
    if candidates & declared:
        return True
    # A namespace package (``from google.cloud import storage``): a declared
    # ``google-cloud-storage`` provides part of ``google.cloud``.
    return len(parts) > 1 and any(d.startswith(canonical(dotted) + "-") for d in declared)


def _catches_import_error(handler_type: cst.BaseExpression | None) -> bool:
    if handler_type is None:
        return True  # a bare except
    if isinstance(handler_type, cst.Tuple):
        return any(_catches_import_error(e.value) for e in handler_type.elements)
    name = dotted_name(handler_type)
    return name is not None and name.rsplit(".", 1)[-1] in _IMPORT_ERRORS
