"""``path:line:col: CODE [severity] message (name)``, then a summary line."""

from __future__ import annotations

from typing import IO

from resilint.model import Finding, Report, Severity
from resilint.report import Reporter

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class TextReporter(Reporter):
    name = "text"

    def render(self, report: Report, out: IO[str]) -> None:
        for f in report.findings:
            severity = f.severity.label
            code = f.code
            if self.color:
                severity = f"{_COLORS[f.severity]}{severity}{_RESET}"
                code = f"{_BOLD}{code}{_RESET}"
            out.write(f"{f.path}:{f.line}:{f.column}: {code} [{severity}] {f.message} ({f.name}){fix_mark(f)}\n")
        for note in report.notes:
            out.write(f"{note}\n")
        out.write(warning_lines(report))
        out.write(fix_hint(report))
        out.write(summary_line(report) + "\n")


def fix_hint(report: Report) -> str:
    """One line saying what ``--fix`` could do (nothing when no finding has a fix, or
    after a fix run, whose note says it)."""
    if report.fixed is not None:
        return ""
    safe = sum(1 for f in report.findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in report.findings if f.fix is not None and not f.fix.safe)
    if not safe and not unsafe:
        return ""
    if safe:
        more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
        return f"{safe} fixable with --fix{more}; --fix-diff shows the change.\n"
    return f"{unsafe} fixable with --fix --unsafe-fixes; --fix-diff --unsafe-fixes shows the change.\n"


def fix_mark(finding: Finding) -> str:
    """`` [fix]`` (``--fix`` applies it), `` [unsafe fix]`` (``--unsafe-fixes``), or nothing."""
    if finding.fix is None:
        return ""
    return " [fix]" if finding.fix.safe else " [unsafe fix]"


def warning_lines(report: Report) -> str:
    """What makes the result incomplete (a shallow clone hides provenance), one
    ``warning:`` line each, before the summary; the exit status does not change."""
    return "".join(f"warning: {warning}\n" for warning in report.warnings)


def summary_line(report: Report) -> str:
    if not report.findings:
        text = f"No findings in {plural(report.files, 'file')}."
    else:
        parts = ", ".join(plural(report.count(s), s.label) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE))
        text = f"Found {plural(len(report.findings), 'finding')} ({parts}) in {plural(report.files, 'file')}."
    if report.errors:
        text += f" {plural(len(report.errors), 'file')} could not be checked."
    return text
