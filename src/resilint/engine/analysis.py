"""What a file's *content* yields under a set of standards: located raw findings,
before suppressions, provenance and policy. It depends only on the content,
the path and the configuration fingerprint, so it is what the cache stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resilint.model import Edit, Fix, Span

if TYPE_CHECKING:
    from resilint.provenance.blast import Regions


@dataclass(frozen=True)
class Located:
    code: str
    span: Span
    message: str
    fix: Fix | None = None


@dataclass(frozen=True)
class Analysis:
    findings: tuple[Located, ...] = ()
    errors: tuple[str, ...] = ()  # file-level problems that are not findings
    parsed: bool = False  # whether the file was parsed with libcst (else prefiltered)
    regions: Regions | None = None  # diff mode, AI-assisted change: scopes for the blast radius (never cached)


def _span(data: list[int]) -> Span:
    return Span(*data)


def to_json(analysis: Analysis) -> dict[str, Any]:
    def fix(f: Fix | None) -> Any:
        if f is None:
            return None
        return {"description": f.description, "edits": [[list(_astuple(e.span)), e.text] for e in f.edits], "safe": f.safe, "resolves": f.resolves}

    return {
        "findings": [[x.code, list(_astuple(x.span)), x.message, fix(x.fix)] for x in analysis.findings],
        "errors": list(analysis.errors),
        "parsed": analysis.parsed,
    }


def from_json(data: dict[str, Any]) -> Analysis:
    def fix(raw: Any) -> Fix | None:
        if raw is None:
            return None
        return Fix(raw["description"], tuple(Edit(_span(s), t) for s, t in raw["edits"]), bool(raw.get("safe", False)), bool(raw.get("resolves", True)))

    return Analysis(
        findings=tuple(Located(code, _span(span), message, fix(f)) for code, span, message, f in data["findings"]),
        errors=tuple(data["errors"]),
        parsed=bool(data["parsed"]),
    )


def _astuple(span: Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)
