"""A fix as a check kind writes it: text edits anchored on nodes of the tree it
visited, resolved by the engine into :class:`~resilint.model.Edit` spans of the
original file.

The engine may have parsed a *sliced* text (definitions without triggers blanked,
positions unchanged: engine/slicing.py), so a fix never renders the tree: its edits
are insertions and replacements at node positions, with text the kind composes,
and anything it reads of the file it reads from :attr:`Locator.text`, the original.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from resilint.engine.source_text import split_lines
from resilint.model import Edit, Fix, Span


class Unlocatable(Exception):
    """A node the positions step did not place (the fix is then not offered)."""


class Locator:
    """Positions of the planned nodes in the original text, and offsets both ways."""

    def __init__(self, text: str, spans: Mapping[int, Span]) -> None:
        self.text = text
        self._spans = spans
        self._starts: list[int] | None = None

    def span(self, node: cst.CSTNode) -> Span:
        span = self._spans.get(id(node))
        if span is None:
            raise Unlocatable(type(node).__name__)
        return span

    def start(self, node: cst.CSTNode) -> int:
        span = self.span(node)
        return self.offset(span.line, span.column)

    def end(self, node: cst.CSTNode) -> int:
        span = self.span(node)
        return self.offset(span.end_line, span.end_column)

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            starts, at = [0], 0
            for line in split_lines(self.text):
                at += len(line)
                starts.append(at)
            self._starts = starts
        return self._starts

    def offset(self, line: int, column: int) -> int:
        starts = self._line_starts()
        if not 1 <= line <= len(starts):
            raise Unlocatable(f"line {line}")
        return starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of ``offset``."""
        starts = self._line_starts()
        low, high = 0, len(starts) - 1
        while low < high:  # the last line start <= offset
            middle = (low + high + 1) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - starts[low] + 1

    def edit(self, start: int, end: int, text: str) -> Edit:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Edit(Span(line, column, end_line, end_column), text)

    def line_text(self, offset: int) -> str:
        """The whole line holding ``offset``, without its ending."""
        start = self.text.rfind("\n", 0, offset) + 1
        start = max(start, self.text.rfind("\r", 0, offset) + 1)
        end = len(self.text)
        for eol in ("\n", "\r"):
            found = self.text.find(eol, offset)
            if found != -1:
                end = min(end, found)
        return self.text[start:end]

    def indent_at(self, offset: int) -> str | None:
        """The indentation before ``offset`` when only whitespace precedes it on its line."""
        _line, column = self.position(offset)
        before = self.text[offset - column + 1 : offset]
        return before if not before.strip() else None


Part = Callable[[Locator], Sequence[Edit]]


@dataclass(frozen=True)
class FixPlan:
    """What a kind passes to ``Rule.report(..., fix=)``: a description, whether it is
    safe, the nodes whose positions the edits need, and the parts that make them."""

    description: str
    safe: bool
    nodes: tuple[cst.CSTNode, ...]
    parts: tuple[Part, ...]

    def resolve(self, locator: Locator) -> Fix | None:
        edits: list[Edit] = []
        try:
            for part in self.parts:
                edits.extend(part(locator))
        except Unlocatable:
            return None
        if not edits:
            return None
        return Fix(self.description, tuple(edits), self.safe)


def plan(description: str, safe: bool, *pieces: tuple[Iterable[cst.CSTNode], Part] | None) -> FixPlan | None:
    """A plan from ``(nodes, part)`` pieces; ``None`` when any piece is ``None`` (a part
    that cannot be made, e.g. an import that cannot be added)."""
    if any(piece is None for piece in pieces) or not pieces:
        return None
    nodes: list[cst.CSTNode] = []
    parts: list[Part] = []
    for found_nodes, part in pieces:  # type: ignore[misc]
        nodes.extend(found_nodes)
        parts.append(part)
    return FixPlan(description, safe, tuple(nodes), tuple(parts))


def planned_nodes(fixes: Iterable[object]) -> list[cst.CSTNode]:
    """Every node the plans among ``fixes`` need placed (for the positions step)."""
    return [node for fix in fixes if isinstance(fix, FixPlan) for node in fix.nodes]


def resolved(fix: object, locator: Locator) -> Fix | None:
    """A finding's fix as text edits: a plan resolved, a ready :class:`Fix` kept."""
    if isinstance(fix, FixPlan):
        return fix.resolve(locator)
    return fix if isinstance(fix, Fix) else None
