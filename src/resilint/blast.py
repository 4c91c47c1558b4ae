"""Which lines of a changed file are in scope in ``--diff``/``--staged`` mode.

A human change is checked on its changed lines. An AI-assisted change is
checked on its *blast radius*: the whole enclosing function (with its
decorators), or, outside any function, the class body or the module top
level (their statements other than nested functions and classes, which are
scopes of their own). ``[tool.resilint.diff] ai-scope = "lines"`` turns the
widening off.

Positions come from :func:`resilint.positions.spans_of` for the definitions
and the statements that can matter, only when some changed line is
AI-assisted; no second parse.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import libcst as cst

from resilint.model import Span
from resilint.positions import spans_of

Definition = cst.FunctionDef | cst.ClassDef
# Nodes that can hold nested statements (and so definitions); expressions cannot.
_BLOCKS = (
    cst.BaseCompoundStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


@dataclass(frozen=True)
class ChangeScope:
    """The lines a finding must touch to belong to the change (sorted)."""

    lines: tuple[int, ...]

    def touches(self, span: Span) -> bool:
        """Whether any line of ``span`` (its first line to its last) is in scope."""
        i = bisect_left(self.lines, span.line)
        return i < len(self.lines) and self.lines[i] <= max(span.line, span.end_line)

    def has(self, line: int) -> bool:
        i = bisect_left(self.lines, line)
        return i < len(self.lines) and self.lines[i] == line


def change_scope(
    module: cst.Module,
    changed: Iterable[int],
    is_ai: Callable[[int], bool],
    ai_scope: str = "function",
) -> ChangeScope:
    """The changed lines, widened to the blast radius of the AI-assisted ones."""
    lines = set(changed)
    ai_lines = sorted(line for line in lines if is_ai(line)) if ai_scope == "function" else []
    if ai_lines:
        lines |= _blast_radius(module, ai_lines)
    return ChangeScope(tuple(sorted(lines)))


def _blast_radius(module: cst.Module, ai_lines: list[int]) -> set[int]:
    definitions = list(_definitions(module.body))
    tops: list[cst.CSTNode] = [s for s in module.body if not isinstance(s, Definition)]
    for definition in definitions:
        if isinstance(definition, cst.ClassDef):
            tops.extend(_top_level(definition))
    firsts = [d.decorators[0] for d in definitions if d.decorators]
    spans = spans_of(module, [*definitions, *firsts, *tops])
    ranges: list[tuple[int, int, Definition]] = []
    for definition in definitions:
        span = spans.get(id(definition))
        if span is None:
            continue
        start = spans[id(definition.decorators[0])].line if definition.decorators and id(definition.decorators[0]) in spans else span.line
        ranges.append((start, span.end_line, definition))
    widened: set[int] = set()
    done: set[int] = set()
    for line in ai_lines:
        inside = [r for r in ranges if r[0] <= line <= r[1]]
        owner = min(inside, key=lambda r: r[1] - r[0]) if inside else None
        key = id(owner[2]) if owner else 0
        if key in done:
            continue
        done.add(key)
        if owner is None:
            statements: Iterable[cst.CSTNode] = (s for s in module.body if not isinstance(s, Definition))
        elif isinstance(owner[2], cst.FunctionDef):
            widened.update(range(owner[0], owner[1] + 1))
            continue
        else:
            header_end = spans[id(owner[2])].line
            widened.update(range(owner[0], header_end + 1))
            statements = _top_level(owner[2])
        for statement in statements:
            span = spans.get(id(statement))
            if span is not None:
                widened.update(range(span.line, span.end_line + 1))
    return widened


def _top_level(cls: cst.ClassDef) -> list[cst.CSTNode]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return [s for s in body if not isinstance(s, Definition)]


def _definitions(nodes: Iterable[cst.CSTNode]) -> Iterator[Definition]:
    """Every function and class definition, at any depth, in source order."""
    for node in nodes:
        if isinstance(node, Definition):
            yield node
        if isinstance(node, _BLOCKS):
            yield from _definitions(c for c in node.children if isinstance(c, (*_BLOCKS, cst.BaseStatement)))
