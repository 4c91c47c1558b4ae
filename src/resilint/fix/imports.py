"""Names a fix needs, in the file's own import style.

``name_for(module, text, "tenacity.stop_after_attempt")`` answers how the fix can
write that name and what import (if any) it must add:

1. a top-level ``from tenacity import stop_after_attempt [as s]`` -> ``s``, nothing added;
2. a top-level ``import tenacity [as t]`` -> ``t.stop_after_attempt``, nothing added;
3. a top-level ``from tenacity import ...`` of other names -> the name is appended to
   that statement (its layout kept: one per line stays one per line);
4. else a new ``from tenacity import stop_after_attempt`` after the last top-level
   import (or before the first statement after the docstring and ``__future__``).

Precision first: when the plain name is already used in the file for anything else
(a local variable, another module's name), no fix is offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from resilint.fix.edits import Piece, append_item, newline_of
from resilint.fix.plan import Locator


def dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head is not None else None
    return None


@dataclass(frozen=True)
class Needed:
    """How to write a name, and the piece that imports it (None: already imported)."""

    written: str
    piece: Piece | None


def _imports(module: cst.Module) -> list[tuple[cst.SimpleStatementLine, cst.Import | cst.ImportFrom]]:
    found = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    found.append((statement, small))
    return found


def name_for(module: cst.Module, text: str, qualified: str, prefer_module: bool = False) -> Needed | None:
    """How a fix writes ``qualified`` (``package.name``) in this file; None when it
    cannot be done without risk. ``prefer_module``: when the module is imported both
    ways, write ``module.name`` (the call being fixed is written that way)."""
    package, _, name = qualified.rpartition(".")
    direct: str | None = None
    module_alias: str | None = None
    star = False
    from_statement: cst.ImportFrom | None = None
    for _line, node in _imports(module):
        if isinstance(node, cst.ImportFrom):
            if node.relative or node.module is None or dotted(node.module) != package:
                continue
            if isinstance(node.names, cst.ImportStar):
                star = True
                continue
            for alias in node.names:
                if dotted(alias.name) == name and direct is None:
                    direct = alias.asname.name.value if alias.asname is not None else name  # type: ignore[union-attr]
            from_statement = from_statement or node
        else:
            for alias in node.names:
                if dotted(alias.name) == package and module_alias is None:
                    module_alias = alias.asname.name.value if alias.asname is not None else package  # type: ignore[union-attr]
    if module_alias is not None and (prefer_module or (direct is None and from_statement is None)):
        return Needed(f"{module_alias}.{name}", None)
    if direct is not None:
        return Needed(direct, None)
    if star:
        return Needed(name, None)
    if re.search(rf"(?<![\w.]){re.escape(name)}\b", text):
        return None  # the plain name means something else here
    if from_statement is not None and from_statement.names:
        first, last = from_statement.names[0], from_statement.names[-1]  # type: ignore[index]
        return Needed(name, ((first, last), lambda loc: [append_item(loc, last, name, first)]))
    if module_alias is not None:
        return Needed(f"{module_alias}.{name}", None)
    piece = new_import(module, f"from {package} import {name}")
    return Needed(name, piece) if piece is not None else None


def module_for(module: cst.Module, text: str, package: str) -> Needed | None:
    """How a fix writes the module ``package`` itself (``logging``): its top-level
    ``import`` (alias kept), or a new ``import package``."""
    for _line, node in _imports(module):
        if isinstance(node, cst.Import):
            for alias in node.names:
                if dotted(alias.name) == package:
                    return Needed(alias.asname.name.value if alias.asname is not None else package, None)  # type: ignore[union-attr]
    if re.search(rf"(?<![\w.]){re.escape(package)}\b", text):
        return None
    piece = new_import(module, f"import {package}")
    return Needed(package, piece) if piece is not None else None


def new_import(module: cst.Module, statement: str) -> Piece | None:
    """A new top-level import line after the last top-level import, or before the
    first statement that is neither the docstring nor a ``__future__`` import."""
    imports = _imports(module)
    if imports:
        last_line = imports[-1][0]
        last = last_line.body[-1]

        def after(loc: Locator) -> list:
            from resilint.fix.edits import _line_end

            at = _line_end(loc.text, loc.end(last))
            return [loc.edit(at, at, f"{newline_of(loc.text)}{statement}")]

        return (last,), after
    for index, node in enumerate(module.body):
        if index == 0 and _is_docstring(node):
            continue
        anchor: cst.CSTNode = node
        decorators = getattr(node, "decorators", ())
        if decorators:
            anchor = decorators[0]
        elif isinstance(node, cst.SimpleStatementLine):
            anchor = node.body[0]
        def before(loc: Locator, first: cst.CSTNode = anchor) -> list:
            return [loc.edit(loc.start(first), loc.start(first), f"{statement}{newline_of(loc.text)}")]

        return (anchor,), before
    return None


def _is_docstring(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.SimpleStatementLine)
        and len(node.body) == 1
        and isinstance(node.body[0], cst.Expr)
        and isinstance(node.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
