"""Which lines of a changed file are in scope in ``--diff``/``--staged`` mode.

A human change is checked on its changed lines. An AI-assisted change is
checked on its *blast radius*: the whole enclosing function (with its
decorators), or, outside any function, the class body or the module top
level (their statements other than nested functions and classes, which are
scopes of their own). ``[tool.resilint.diff] ai-scope = "lines"`` turns the
widening off.

:func:`regions_of` reads the scopes from the tree the engine already parsed
(positions from :func:`resilint.engine.positions.spans_of`, for definitions and
top-level statements only), and only when some changed line is AI-assisted;
:func:`change_scope` is then plain arithmetic on lines.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import libcst as cst

from resilint.engine.positions import spans_of
from resilint.model import Span

Lines = tuple[tuple[int, int], ...]  # inclusive (first, last) line ranges


@cache
def _node_types() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(definitions, blocks): blocks can hold nested statements (and so
    definitions); expressions cannot. Built on first use: libcst loads lazily."""
    definitions = (cst.FunctionDef, cst.ClassDef)
    blocks = (
        cst.BaseCompoundStatement,
        cst.BaseSuite,
        cst.Else,
        cst.ExceptHandler,
        cst.ExceptStarHandler,
        cst.Finally,
        cst.MatchCase,
    )
    return definitions, blocks


@dataclass(frozen=True)
class Region:
    """A function or class: its lines (from the first decorator) and, for a class,
    the lines of its header and of its own statements (not its methods)."""

    first: int
    last: int
    function: bool
    body: Lines = ()


@dataclass(frozen=True)
class Regions:
    definitions: tuple[Region, ...]
    module_body: Lines  # top-level statements other than definitions


@dataclass(frozen=True)
class ChangeScope:
    """The lines a finding must touch to belong to the change (sorted)."""

    lines: tuple[int, ...]

    def touches(self, span: Span) -> bool:
        """Whether any line of ``span`` (its first line to its last) is in scope."""
        i = bisect_left(self.lines, span.line)
        return i < len(self.lines) and self.lines[i] <= max(span.line, span.end_line)


def change_scope(regions: Regions | None, changed: Iterable[int], is_ai: Callable[[int], bool]) -> ChangeScope:
    """The changed lines, widened to the blast radius of the AI-assisted ones
    (``regions`` is None when there is no blast radius to compute)."""
    lines = set(changed)
    if regions is not None:
        seen: set[int] = set()
        for line in sorted(lines):
            if not is_ai(line):
                continue
            inside = [r for r in regions.definitions if r.first <= line <= r.last]
            owner = min(inside, key=lambda r: r.last - r.first) if inside else None
            key = id(owner) if owner is not None else 0
            if key in seen:
                continue
            seen.add(key)
            if owner is not None and owner.function:
                lines.update(range(owner.first, owner.last + 1))
                continue
            for first, last in owner.body if owner is not None else regions.module_body:
                lines.update(range(first, last + 1))
    return ChangeScope(tuple(sorted(lines)))


def regions_of(module: cst.Module) -> Regions:
    """Every function and class of ``module`` with its lines, and the module's
    top-level statements: one position pass over the definitions."""
    definitions = list(_definitions(module.body))
    module_tops = [s for s in module.body if not isinstance(s, _node_types()[0])]
    class_tops = {id(d): _top_level(d) for d in definitions if isinstance(d, cst.ClassDef)}
    firsts = [d.decorators[0] for d in definitions if d.decorators]
    spans = spans_of(module, [*definitions, *firsts, *module_tops, *(s for tops in class_tops.values() for s in tops)])

    def lines(nodes: Iterable[cst.CSTNode]) -> Lines:
        return tuple((spans[id(n)].line, spans[id(n)].end_line) for n in nodes if id(n) in spans)

    regions: list[Region] = []
    for definition in definitions:
        span = spans.get(id(definition))
        if span is None:
            continue
        first = span.line
        if definition.decorators and id(definition.decorators[0]) in spans:
            first = spans[id(definition.decorators[0])].line
        if isinstance(definition, cst.FunctionDef):
            regions.append(Region(first, span.end_line, True))
        else:
            header = ((first, span.line),)  # decorators and the `class` line
            regions.append(Region(first, span.end_line, False, header + lines(class_tops[id(definition)])))
    return Regions(tuple(regions), lines(module_tops))


def _top_level(cls: cst.ClassDef) -> list[cst.CSTNode]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return [s for s in body if not isinstance(s, _node_types()[0])]


def _definitions(nodes: Iterable[cst.CSTNode]) -> Iterator[cst.FunctionDef | cst.ClassDef]:
    """Every function and class definition, at any depth, in source order."""
    definitions, blocks = _node_types()
    for node in nodes:
        if isinstance(node, definitions):
            yield node
        if isinstance(node, blocks):
            yield from _definitions(c for c in node.children if isinstance(c, (*blocks, cst.BaseStatement)))
