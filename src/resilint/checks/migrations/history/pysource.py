"""Reading Python source the way a migration is written, without importing it.

Two things are needed everywhere: which dotted name a reference such as
``models.CharField`` stands for (from the module's imports), and the value of
an argument when it is a literal (``max_length=100``) -- otherwise its source
text, kept opaque so that two definitions can still be compared.
"""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Opaque:
    """A non-literal argument, kept as its source text (``models.CASCADE``)."""

    source: str

    def __repr__(self) -> str:
        return self.source


Value = Union[str, int, float, bool, None, bytes, tuple, list, dict, set, frozenset, Opaque]


def literal(node: ast.expr) -> Value:
    """The literal value of ``node``, else ``Opaque(source)``."""
    if isinstance(node, ast.Constant):
        return node.value
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return Opaque(ast.unparse(node))


def string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class ImportMap:
    """Module-level import bindings: local name -> qualified name.

    Only top-level imports (and those inside ``try``/``if`` at top level) are
    read; that is where migrations and model modules put them.
    """

    __slots__ = ("bindings", "module")

    def __init__(self, tree: ast.Module, module: str = "") -> None:
        self.module = module  # dotted module name, for relative imports
        self.bindings: dict[str, str] = {}
        self._collect(tree.body)

    def _collect(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.bindings[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".", 1)[0]
                        self.bindings[top] = top
            elif isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    parts = self.module.split(".") if self.module else []
                    parts = parts[: max(len(parts) - stmt.level, 0)]
                    base = ".".join([*parts, base] if base else parts)
                for alias in stmt.names:
                    if alias.name == "*":
                        continue
                    self.bindings[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
            elif isinstance(stmt, (ast.Try, ast.If)):
                self._collect(stmt.body)
                for handler in getattr(stmt, "handlers", ()):
                    self._collect(handler.body)
                self._collect(stmt.orelse)

    def resolve(self, node: ast.expr) -> str | None:
        """The qualified name of a reference, or None when it is not an import."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        bound = self.bindings.get(head)
        if bound is None:
            return None
        return f"{bound}.{rest}" if rest else bound

    def resolve_or_written(self, node: ast.expr) -> str:
        return self.resolve(node) or dotted(node) or ast.unparse(node)


def module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = expr`` (last one wins): migrations often build lists there
    (``state_operations = [...]`` then ``SeparateDatabaseAndState(state_operations=state_operations)``)."""
    out: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            out[stmt.target.id] = stmt.value
    return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Parsing a thousand migrations allocates millions of AST nodes; each
    allocation burst triggers a collection that walks all of them (a third of
    the load time on a 1,400-migration app). The trees hold no reference
    cycles, so nothing is lost by collecting once afterwards; the previous GC
    state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
