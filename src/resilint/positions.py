"""Positions of reported nodes, computed only for files that have findings.

libcst's PositionProvider generates code for the whole module to learn every
node's range. We only need the few reported nodes, so this runs the same
position-tracking code generation and stops as soon as the last of them is
done: a finding near the top of a long file costs a fraction of the file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst
from libcst._position import CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState

from resilint.model import Span


_DEEP_LIMIT = 20_000


class _AllFound(Exception):
    pass


class _Ranges(dict):  # type: ignore[type-arg]
    """After the early stop, libcst's unwinding asks for ranges of unfinished
    nodes (ancestors of the last target, never targets): give a placeholder."""

    def __missing__(self, key: object) -> CodeRange:
        return _PLACEHOLDER


_PLACEHOLDER = CodeRange((1, 0), (1, 0))


class _Sink:
    """Stands in for the metadata provider: the codegen state writes ranges here."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = _Ranges()


@dataclass(frozen=False)
class _TargetedState(PositionProvidingCodegenState):
    remaining: set[int] = field(default_factory=set)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if id(node) in self.remaining:
            self.remaining.discard(id(node))
            if not self.remaining:
                raise _AllFound


def spans_of(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """``id(node) -> Span`` (1-based lines and columns, exclusive end) for ``nodes``."""
    wanted = {id(n): n for n in nodes}
    if not wanted:
        return {}
    sink = _Sink()
    state = _TargetedState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=sink,  # type: ignore[arg-type]
        remaining=set(wanted),
    )
    # Code generation recurses once per nesting level; long operator chains need
    # more than the default limit. On 3.11+ Python-to-Python calls do not use the
    # C stack, so a higher limit is safe there; it is restored afterwards.
    limit = sys.getrecursionlimit()
    if sys.version_info >= (3, 11):
        sys.setrecursionlimit(max(limit, _DEEP_LIMIT))
    try:
        module._codegen(state)
    except _AllFound:
        pass
    finally:
        sys.setrecursionlimit(limit)
    spans: dict[int, Span] = {}
    for key, node in wanted.items():
        code_range = dict.get(sink._computed, node)
        if code_range is not None and code_range is not _PLACEHOLDER:
            spans[key] = Span(
                code_range.start.line,
                code_range.start.column + 1,
                code_range.end.line,
                code_range.end.column + 1,
            )
    return spans
