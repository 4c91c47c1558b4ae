"""Edit pieces for :func:`resilint.fix.plan.plan`: ``(nodes, part)`` pairs that add a
keyword argument, replace or insert text at a node. Each part reads the original
text through the :class:`~resilint.fix.plan.Locator` (commas, comments, line
ends) and keeps everything it does not need to touch byte for byte."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import libcst as cst

from resilint.fix.plan import Locator, Part, Unlocatable
from resilint.model import Edit

Piece: TypeAlias = "tuple[Sequence[cst.CSTNode], Part]"  # a string: libcst loads lazily


def newline_of(text: str) -> str:
    """The file's line ending (its first one; ``\\n`` for a one-line file)."""
    at = text.find("\n")
    cr = text.find("\r")
    if cr != -1 and (at == -1 or cr < at):
        return "\r\n" if text.startswith("\r\n", cr) else "\r"
    return "\n"


def _skip_blank(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t":
        at += 1
    return at


def _line_end(text: str, at: int) -> int:
    ends = [i for i in (text.find("\n", at), text.find("\r", at)) if i != -1]
    return min(ends) if ends else len(text)


def append_item(loc: Locator, last: cst.CSTNode, item: str, first: cst.CSTNode | None = None) -> Edit:
    """An edit that appends ``item`` to a comma-separated list after its ``last``
    element (call arguments, imported names), in the list's own layout: on a new line
    with the same indentation when the elements sit one per line, else ``, item``."""
    text = loc.text
    end = loc.end(last)
    after = _skip_blank(text, end)
    indent = loc.indent_at(loc.start(last))
    newline = newline_of(text)
    if after < len(text) and text[after] == ",":  # a trailing comma
        rest = text[after + 1 : _line_end(text, after + 1)]
        if indent is not None and (not rest.strip() or rest.lstrip().startswith("#")):
            at = _line_end(text, after + 1)
            return loc.edit(at, at, f"{newline}{indent}{item},")
        return loc.edit(after + 1, after + 1, f" {item},")
    one_per_line = first is not None and first is not last and loc.span(first).line != loc.span(last).line
    if indent is not None and (after >= len(text) or text[after] in "\r\n#" or one_per_line):
        return loc.edit(end, end, f",{newline}{indent}{item}")
    return loc.edit(end, end, f", {item}")


def _bare_generator(call: cst.Call) -> bool:
    return any(isinstance(a.value, cst.GeneratorExp) and not a.value.lpar for a in call.args)


def add_keyword(call: cst.Call, keyword: str, value: str) -> Piece | None:
    """``call(...)`` -> ``call(..., keyword=value)``; None where a keyword cannot go
    (a bare generator argument)."""
    return add_arguments(call, f"{keyword}={value}")


def add_arguments(call: cst.Call, item: str) -> Piece | None:
    """``call(...)`` -> ``call(..., item)`` (``item``: one or more arguments)."""
    if _bare_generator(call):
        return None
    if call.args:
        first, last = call.args[0], call.args[-1]
        return (first, last), lambda loc: [append_item(loc, last, item, first)]

    def into_parens(loc: Locator) -> list[Edit]:
        at = _skip_blank(loc.text, loc.end(call.func))
        if at >= len(loc.text) or loc.text[at] != "(":
            raise Unlocatable("(")
        return [loc.edit(at + 1, at + 1, item)]

    return (call.func,), into_parens


def replace(node: cst.CSTNode, text: str) -> Piece:
    """``node``'s source replaced by ``text``."""
    return (node,), lambda loc: [loc.edit(loc.start(node), loc.end(node), text)]


def insert_after(node: cst.CSTNode, text: str) -> Piece:
    return (node,), lambda loc: [loc.edit(loc.end(node), loc.end(node), text)]


def insert_before(node: cst.CSTNode, text: str) -> Piece:
    return (node,), lambda loc: [loc.edit(loc.start(node), loc.start(node), text)]


def call_with_parens(decorator: cst.Decorator, text: str) -> Piece:
    """``@retry`` -> ``@retry(text)``."""
    expression = decorator.decorator
    return (expression,), lambda loc: [loc.edit(loc.end(expression), loc.end(expression), f"({text})")]


def number(value: float) -> str:
    """``10`` for 10.0, ``3.05`` as written."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def seconds(value: float | tuple[float, float], keyword: str = "") -> str:
    """A timeout as source: ``10``, ``(3.05, 27)``; milliseconds for ``*_ms``/``*MS`` keywords."""
    if isinstance(value, tuple):
        return f"({number(value[0])}, {number(value[1])})"
    if keyword.lower().endswith("ms"):
        return str(round(value * 1000))
    return number(value)
