"""Step 6 of a check: from an :class:`~resilint.engine.analysis.Analysis` (located
raw findings, content only) to :class:`~resilint.model.Finding` objects.

In order: the diff scope (``--diff``/``--staged``), provenance (which lines are
AI-assisted), suppressions (``# noqa``, ``# resilint: ignore``; on an AI-assisted
line one without a reason is not honoured), the kinds that review suppressions
(REL903), and the severity policy (AI-assisted lines and critical tiers raise it).
"""

from __future__ import annotations

from collections.abc import Callable

from resilint.config.ruleset import Ruleset
from resilint.config.standards import Standard
from resilint.engine.analysis import Analysis
from resilint.engine.events import SYNTAX_ERROR
from resilint.engine.policy import effective_severity
from resilint.engine.suppressions import NONE as NO_SUPPRESSIONS
from resilint.engine.suppressions import (
    Suppressions,
    might_suppress,
    parse_suppressions,
)
from resilint.model import FileError, FileResult, Finding, Fix, Provenance, Span
from resilint.provenance.sources import LineProvenance, SourceFile


class FindingBuilder:
    """Turns one file's analysis into its result under one ruleset."""

    def __init__(self, ruleset: Ruleset, *, noqa: bool = True) -> None:
        self.ruleset = ruleset
        # noqa=False: the comments are left to the host (flake8 applies them
        # itself, and --disable-noqa must work); ``# resilint: ignore`` still applies
        # and a bare noqa on an AI-assisted line is still REL903.
        self.noqa = noqa

    def result(
        self,
        analysis: Analysis,
        src: SourceFile,
        provenance_for: Callable[[], LineProvenance],
        may_be_ai: Callable[[], bool],
        changed: frozenset[int] | None = None,
    ) -> FileResult:
        errors = tuple(FileError(src.path, e) for e in analysis.errors)
        active = self.ruleset.active_for(src.relpath)
        reviewers = [s for s in active if self.ruleset.reviews_suppressions(s)]
        # Suppressions matter only for findings, or for reviewers on AI-assisted lines;
        # tokenizing for comments is skipped otherwise.
        if not might_suppress(src.text):
            if not analysis.findings:
                return FileResult(src.path, errors=errors)
            suppressions = NO_SUPPRESSIONS
        elif analysis.findings or (reviewers and may_be_ai()):
            suppressions = parse_suppressions(src.text)
        else:
            return FileResult(src.path, errors=errors)
        provenance = provenance_for()
        scope = None
        if changed is not None:
            from resilint.provenance.blast import change_scope  # diff mode only

            scope = change_scope(analysis.regions, changed, lambda line: provenance.at(line) is not None)
        findings: list[Finding] = []
        for item in analysis.findings:
            standard = self.ruleset.standards.get(item.code)
            if standard is None:
                continue
            is_syntax_error = self.ruleset.event_of(standard) == SYNTAX_ERROR
            if scope is not None and not is_syntax_error and not scope.touches(item.span):
                continue  # diff mode: not part of the change (a file that does not parse always is)
            line_provenance = provenance.at(item.span.line)
            if standard.ai_only and line_provenance is None:
                continue
            if self._suppressed(suppressions, item.span.line, standard.code, line_provenance):
                continue
            findings.append(self.finding(standard, item.span, item.message, src, line_provenance, item.fix))
        if suppressions is not NO_SUPPRESSIONS:
            for standard in reviewers:
                reviewed = self.ruleset.kind_of(standard).review_suppressions(standard, suppressions.all(), provenance.at)
                for item in reviewed:  # (span, message) or (span, message, fix)
                    span, message = item[0], item[1]
                    fix = item[2] if len(item) > 2 else None
                    if scope is None or scope.touches(span):
                        findings.append(self.finding(standard, span, message, src, provenance.at(span.line), fix))
        findings.sort(key=Finding.sort_key)
        return FileResult(src.path, tuple(findings), errors)

    def _suppressed(self, suppressions: Suppressions, line: int, code: str, provenance: Provenance | None) -> bool:
        suppression = suppressions.matching(line, code)
        if suppression is None or (not self.noqa and suppression.is_noqa):
            return False
        return provenance is None or bool(suppression.reason)  # on an AI line a bare one is not honoured

    def finding(
        self,
        standard: Standard,
        span: Span,
        message: str,
        src: SourceFile,
        provenance: Provenance | None,
        fix: Fix | None,
    ) -> Finding:
        escalate, _tier = self.ruleset.escalation(src.relpath)
        severity = effective_severity(
            standard,
            ai_assisted=provenance is not None,
            override=self.ruleset.severity_override(standard.code, src.relpath),
            escalate=escalate,
        )
        if provenance is not None:
            message = f"{message} [AI-assisted: {provenance.detail}]"
        return Finding(
            code=standard.code,
            name=standard.name,
            category=standard.category,
            severity=severity,
            base_severity=standard.base_severity,
            path=src.path,
            span=span,
            message=message,
            provenance=provenance,
            fix=fix,
        )
