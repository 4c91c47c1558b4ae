"""Positions of reported nodes, computed only for files that have findings.

libcst's PositionProvider generates code for the whole module to learn every
node's range. We only need the few reported nodes, so this runs the same
position-tracking code generation on the top-level statements that hold them
only, each started at its own first line, which CPython's ``ast`` knows (the
engine has it when it sliced the file; else it costs a tenth of libcst's
parse). Without that (a node the traversal did not see, statements that do
not line up), code generation runs from the top of the module and stops as
soon as the last reported node is done.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import libcst as cst

from resilint.engine.slicing import first_line
from resilint.model import Span

if TYPE_CHECKING:
    from libcst._position import CodeRange
    from libcst.metadata.position_provider import PositionProvidingCodegenState

_DEEP_LIMIT = 20_000


class _AllFound(Exception):
    pass


class _Ranges(dict):  # type: ignore[type-arg]
    """After the early stop, libcst's unwinding asks for ranges of unfinished
    nodes (ancestors of the last target, never targets): give a placeholder."""

    def __missing__(self, key: object) -> CodeRange:
        return _placeholder()


@cache
def _placeholder() -> CodeRange:
    from libcst._position import CodeRange

    return CodeRange((1, 0), (1, 0))


class _Sink:
    """Stands in for the metadata provider: the codegen state writes ranges here."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = _Ranges()


@cache
def _targeted_state() -> type[PositionProvidingCodegenState]:
    """libcst's position-tracking codegen state, stopping once every target is
    placed. Defined on first use: its base class is libcst's (resilint.lazy)."""
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    @dataclass(frozen=False)
    class TargetedState(PositionProvidingCodegenState):
        remaining: set[int] = field(default_factory=set)

        def after_codegen(self, node: cst.CSTNode) -> None:
            super().after_codegen(node)
            if id(node) in self.remaining:
                self.remaining.discard(id(node))
                if not self.remaining:
                    raise _AllFound

    return TargetedState


def spans_of(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    *,
    statement_of: Mapping[int, int] | None = None,
    text: str | None = None,
    tree: ast.Module | None = None,
) -> dict[int, Span]:
    """``id(node) -> Span`` (1-based lines and columns, exclusive end) for ``nodes``.

    ``statement_of`` maps ``id(node)`` to the index of the top-level statement that
    holds it; with ``text`` (what ``module`` was parsed from; blanked lines allowed,
    see slicing.py) and optionally ``tree`` (``ast.parse`` of it, or of the text
    before slicing) only those statements are generated."""
    wanted = {id(n): n for n in nodes}
    if not wanted:
        return {}
    sink = _Sink()
    # Code generation recurses once per nesting level; long operator chains need
    # more than the default limit. On 3.11+ Python-to-Python calls do not use the
    # C stack, so a higher limit is safe there; it is restored afterwards.
    limit = sys.getrecursionlimit()
    if sys.version_info >= (3, 11):
        sys.setrecursionlimit(max(limit, _DEEP_LIMIT))
    try:
        starts = None
        if statement_of is not None and text is not None and all(key in statement_of for key in wanted):
            starts = _statement_lines(module, text, tree)
        if starts is not None and statement_of is not None:
            by_statement: dict[int, set[int]] = {}
            for key in wanted:
                by_statement.setdefault(statement_of[key], set()).add(key)
            for index, keys in by_statement.items():
                _generate(module, module.body[index], starts[index], keys, sink)
        else:
            _generate(module, module, 1, set(wanted), sink)
    finally:
        sys.setrecursionlimit(limit)
    spans: dict[int, Span] = {}
    for key, node in wanted.items():
        code_range = dict.get(sink._computed, node)
        if code_range is not None and code_range is not _placeholder():
            spans[key] = Span(
                code_range.start.line,
                code_range.start.column + 1,
                code_range.end.line,
                code_range.end.column + 1,
            )
    return spans


def _generate(module: cst.Module, node: cst.CSTNode, line: int, targets: set[int], sink: _Sink) -> None:
    """Position-tracking code generation of ``node`` starting at ``line``, stopping
    once every target has its range."""
    state = _targeted_state()(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=sink,  # type: ignore[arg-type]
        remaining=targets,
    )
    state.line = line
    try:
        node._codegen(state)
    except _AllFound:
        pass


def _statement_lines(module: cst.Module, text: str, tree: ast.Module | None) -> Sequence[int] | None:
    """The line where each of ``module.body`` begins, leading blank and comment lines
    included: CPython's first line of its code (the first decorator) minus those
    lines. None when the two parsers' statements do not line up one to one."""
    try:
        tree = tree or ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.split("\n")
    firsts: list[int] = []  # first code line of each physical statement line (a; b is one)
    last_end = 0
    for statement in tree.body:
        first = first_line(statement)
        if first > len(lines) or not lines[first - 1].strip():
            continue  # blanked by slicing: libcst never saw it
        if first == last_end and firsts:
            last_end = statement.end_lineno or statement.lineno
            continue  # "a = 1; b = 2": one SimpleStatementLine
        firsts.append(first)
        last_end = statement.end_lineno or statement.lineno
    if len(firsts) != len(module.body):
        return None
    starts = []
    for first, statement in zip(firsts, module.body):
        leading = len(statement.leading_lines)
        decorators = getattr(statement, "decorators", ())
        if decorators:
            leading += len(decorators[0].leading_lines)
        starts.append(first - leading)
    return starts
