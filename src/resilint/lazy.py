"""Heavy dependencies load on first use, not at import.

A run whose files hold no trigger never parses anything, so it must not pay
for importing libcst (about 0.2 s, most of a one-file check). Every module
writes ``import libcst as cst`` at the top as usual; :func:`defer` has first
put a stand-in module in ``sys.modules`` that runs the real package the first
time one of its names is read (``cst.Call``), i.e. when a file is parsed.
Module-level code must therefore not touch ``cst.<name>``: annotations are
strings (``from __future__ import annotations``), node-type tables are built
in functions; ``tests/test_startup.py`` checks that a run without a trigger
never loads libcst.

Why not :class:`importlib.util.LazyLoader`: its module loads on *any*
attribute access, and every later ``import libcst`` statement reads
``__spec__`` (CPython checks whether the module is still initialising), so
the second module that imports libcst would load it. This stand-in answers
``__spec__``, ``__name__`` and friends from its own ``__dict__`` and loads
on the first name that is missing. ``from libcst import X`` and
``import libcst.metadata`` load it at once (they read ``__path__``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
import types
from typing import Any

DEFERRED = ("libcst", "sqlglot")
_LOCK = threading.RLock()


class _DeferredModule(types.ModuleType):
    """A package whose code runs into this very object on first use, so every
    reference taken before (``cst`` in each module) sees the loaded package."""

    def __getattr__(self, name: str) -> Any:
        # Only called for names missing from __dict__.
        _load(self)
        state = self.__dict__
        if name in state:
            return state[name]
        # loaded (or being loaded by this very thread, mid-import): a real miss
        raise AttributeError(f"module {state.get('__name__')!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        _load(self)  # the package's names, not the stand-in's few
        return sorted(self.__dict__)


def _load(module: types.ModuleType) -> None:
    """Run the deferred package's code into ``module``, once, under a lock (another
    thread asking meanwhile waits, then finds the names)."""
    state = module.__dict__
    with _LOCK:
        loader = state.pop("_deferred_loader", None)
        if loader is None:  # loaded already, or being loaded by this thread
            return
        state["__path__"] = state.pop("_deferred_path")
        try:
            loader.exec_module(module)
        except BaseException:
            # Stay deferred: every module holding a reference gets the import error
            # again on its next use, as it would from a failed ``import``.
            state["_deferred_path"] = state.pop("__path__")
            state["_deferred_loader"] = loader
            raise
        module.__class__ = types.ModuleType


class _SubmoduleFinder:
    """Keeps ``import libcst.x`` (the first use, in another library) from running
    ``libcst.x`` twice. The import system reads the stand-in's ``__path__`` only
    after deciding that ``libcst.x`` needs loading; that read runs the package,
    whose ``__init__`` imports ``libcst.x`` itself; the outer import would then run
    ``libcst.x`` again into a second module object, and the package would hold the
    first (hypothesmith hit it: ``libcst._nodes`` without ``whitespace``). This
    finder, first on ``sys.meta_path``, answers for a name of a deferred package
    that is already in ``sys.modules`` when the import system still asks for it
    (only that case: a reload names its target and is left alone) with a loader
    that hands back the module already there."""

    @staticmethod
    def find_spec(fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if target is not None or fullname.partition(".")[0] not in DEFERRED or "." not in fullname:
            return None
        existing = sys.modules.get(fullname)
        if existing is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AlreadyImported(existing))


class _AlreadyImported:
    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a throwaway module, replaced below

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system returns what sys.modules holds after exec_module.
        sys.modules[self.module.__name__] = self.module


def defer(name: str) -> None:
    """Put a stand-in for package ``name`` in ``sys.modules``, loaded on first use.

    Nothing happens if it is already imported (the host process, e.g. flake8
    with another libcst plugin, loaded it) or cannot be found (the import
    error then surfaces where the module is used, as it would without this)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)
    state = module.__dict__
    # Submodule imports and ``from name import x`` read __path__: without it they load the package first.
    state["_deferred_path"] = state.pop("__path__")
    state["_deferred_loader"] = spec.loader
    module.__class__ = _DeferredModule
    sys.modules[name] = module


def load(name: str) -> None:
    """Load a deferred package now (the language server's worker does, before it
    reports ready, so that the first check does not pay for the import)."""
    module = sys.modules.get(name)
    if module is not None and type(module) is _DeferredModule:
        _load(module)


def is_loaded(name: str) -> bool:
    """Whether ``name`` has really been imported (not just deferred)."""
    module = sys.modules.get(name)
    return module is not None and type(module) is not _DeferredModule


sys.meta_path.insert(0, _SubmoduleFinder)
for _name in DEFERRED:
    defer(_name)
