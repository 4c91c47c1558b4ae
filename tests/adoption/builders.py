"""Builders for the adoption tests: findings made straight from resilint.model."""

from __future__ import annotations

from resilint.model import Finding, Fix, Provenance, Severity, Span


def finding(
    code: str = "REL101",
    path: str = "app.py",
    span: tuple[int, int, int, int] = (1, 1, 1, 2),
    *,
    message: str = "call without a timeout",
    name: str = "http-call-without-timeout",
    severity: Severity = Severity.ERROR,
    ai: bool = False,
    fixable: bool = False,
) -> Finding:
    return Finding(
        code=code,
        name=name,
        category="timeouts",
        severity=severity,
        base_severity=severity,
        path=path,
        span=Span(*span),
        message=message,
        provenance=Provenance("git-trailer", "Co-authored-by: Claude") if ai else None,
        fix=Fix("add timeout") if fixable else None,
    )


def span_of(source: str, needle: str, occurrence: int = 0) -> tuple[int, int, int, int]:
    """The 1-based (line, col, end_line, end_col) of ``needle`` in ``source``."""
    index = -1
    for _ in range(occurrence + 1):
        index = source.index(needle, index + 1)
    before = source[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    inner = needle.split("\n")
    end_line = line + len(inner) - 1
    end_column = column + len(needle) if len(inner) == 1 else len(inner[-1]) + 1
    return (line, column, end_line, end_column)
