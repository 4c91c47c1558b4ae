"""A read-only, iterative walk over a libcst tree.

``node.visit(visitor)`` rebuilds every node it passes (libcst's visitors share
the transformer machinery), which costs about as much as parsing. Rules only
read the tree, so the engine walks the dataclass fields itself: same nodes,
same source order, no copies, no recursion limit on deeply nested code.
Whitespace and punctuation nodes are not visited (no rule looks at them);
comments are.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

import libcst as cst


@cache
def _skipped() -> frozenset[type]:
    """Leaves no rule inspects by visiting (rules read them as attributes if needed).
    A function, not a constant: libcst loads on first use (resilint.lazy)."""
    return frozenset(
        {
            cst.SimpleWhitespace,
            cst.ParenthesizedWhitespace,
            cst.Newline,
            cst.LeftParen,
            cst.RightParen,
            cst.LeftSquareBracket,
            cst.RightSquareBracket,
            cst.LeftCurlyBrace,
            cst.RightCurlyBrace,
            cst.Comma,
            cst.Dot,
            cst.Colon,
            cst.AssignEqual,
            cst.Semicolon,
        }
    )


@cache
def _source_order() -> dict[type, tuple[str, ...]]:
    """Where the dataclass field order differs from source order and it matters
    (decorators are evaluated before the function; an except clause's type
    before its body)."""
    return {
        cst.FunctionDef: ("leading_lines", "decorators", "lines_after_decorators", "name", "type_parameters", "params", "returns", "body"),
        cst.ClassDef: ("leading_lines", "decorators", "lines_after_decorators", "name", "type_parameters", "bases", "keywords", "body"),
        cst.ExceptHandler: ("leading_lines", "type", "name", "body"),
        cst.ExceptStarHandler: ("leading_lines", "type", "name", "body"),
    }


_FIRST = ("leading_lines",)


@lru_cache(maxsize=None)
def _is_visited(value_type: type) -> bool:
    # A cached type test: isinstance() against the CSTNode ABC is the walk's hot spot.
    return issubclass(value_type, cst.CSTNode) and value_type not in _skipped()


@lru_cache(maxsize=None)
def _fields(node_type: type) -> tuple[str, ...]:
    order = _source_order().get(node_type)
    if order is not None:
        return order
    names = [f.name for f in dataclasses.fields(node_type)]
    return tuple([n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST])


class _Visited(dict):  # type -> visited?, filled on first sight (a subscript, no call)
    def __missing__(self, value_type: type) -> bool:
        visited = self[value_type] = _is_visited(value_type)
        return visited


def _concrete(node_type: type) -> Iterator[type]:
    """``node_type`` and its subclasses at any depth, the abstract ones left out."""
    stack = [node_type]
    seen: set[type] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if not inspect.isabstract(current):
            yield current
        stack.extend(current.__subclasses__())


def _may_hold_visited(annotation: object) -> bool:
    """Whether a field declared ``annotation`` can hold a node the walk visits: not a
    str, a Literal (strings), MaybeSentinel, None, nor a node class all of whose
    concrete kinds are whitespace or punctuation. Anything not understood: yes."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return False
    if origin is not None:  # Union, Optional, Sequence[...]
        return any(_may_hold_visited(arg) for arg in typing.get_args(annotation))
    if annotation in (str, int, float, bool, type(None)) or annotation is cst.MaybeSentinel:
        return False
    if isinstance(annotation, type) and issubclass(annotation, cst.CSTNode):
        return any(_is_visited(kind) for kind in _concrete(annotation))
    return True


@lru_cache(maxsize=None)
def _plan(node_type: type) -> tuple[str, ...]:
    """:func:`_fields` without the fields whose declared type can hold no visited
    node (``Name.value``, ``lpar``, ``whitespace_*``, ``comma``...): never read."""
    try:
        hints = typing.get_type_hints(node_type)
    except Exception:  # an annotation that does not resolve: read every field
        return _fields(node_type)
    return tuple(name for name in _fields(node_type) if name not in hints or _may_hold_visited(hints[name]))


class _Fields(dict):  # node type -> the fields to read, in source order
    def __missing__(self, node_type: type) -> tuple[str, ...]:
        names = self[node_type] = _plan(node_type)
        return names


_VISITED = _Visited()
_FIELDS = _Fields()


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes of ``node`` in source order, minus whitespace and punctuation."""
    return iter(child_list(node))


def child_list(node: cst.CSTNode) -> list[cst.CSTNode]:
    """:func:`children` as a list."""
    visited = _VISITED
    out: list[cst.CSTNode] = []
    for name in _FIELDS[type(node)]:
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            out.extend([item for item in value if visited[type(item)]])
        elif visited[value_type]:
            out.append(value)
    return out


_LEAVE = object()  # on the walk's stack: leave the node below it


def walk(root: cst.CSTNode, enter: Callable[[cst.CSTNode], None], leave: Callable[[cst.CSTNode], None]) -> None:
    """Depth-first, calling ``enter`` before a node's children and ``leave`` after.

    One stack of nodes still to enter, each entered node followed by a marker
    that leaves it once its children (pushed above the marker, in reverse) are
    done: no generator per node."""
    stack: list[object] = [root]
    pop, push, extend = stack.pop, stack.append, stack.extend
    marker = _LEAVE
    while stack:
        node = pop()
        if node is marker:
            leave(pop())  # type: ignore[arg-type]
            continue
        enter(node)  # type: ignore[arg-type]
        push(node)
        push(marker)
        kids = child_list(node)  # type: ignore[arg-type]
        if kids:
            kids.reverse()
            extend(kids)
