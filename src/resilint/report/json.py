"""The JSON contract (a contract: see README, "Using it"): one object with tool,
findings, errors, warnings (conditions that make the result incomplete, such as a
shallow clone; they never change the exit status), summary."""

from __future__ import annotations

import json
from typing import IO, Any

from resilint import __version__
from resilint.model import Finding, Report, Severity
from resilint.report import Reporter


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "category": f.category,
        "severity": f.severity.label,
        "base_severity": f.base_severity.label,
        "path": f.path,
        "line": f.span.line,
        "column": f.span.column,
        "end_line": f.span.end_line,
        "end_column": f.span.end_column,
        "message": f.message,
        "ai_assisted": f.ai_assisted,
        "provenance": (
            {"signal": f.provenance.signal, "detail": f.provenance.detail} if f.provenance is not None else None
        ),
        "fixable": f.fixable,
        "fix_safety": f.fix.safety if f.fix is not None else None,
        "fix": f.fix.description if f.fix is not None else None,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    data = {
        "tool": {"name": "resilint", "version": __version__},
        "findings": [finding_to_dict(f) for f in report.findings],
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
        "warnings": list(report.warnings),
        "summary": {
            "files": report.files,
            "findings": len(report.findings),
            "by_severity": {s.label: report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)},
        },
    }
    if report.fixed is not None:  # --fix: how many were fixed (the findings are those that remain)
        data["summary"]["fixed"] = report.fixed
    return data


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: Report, out: IO[str]) -> None:
        json.dump(report_to_dict(report), out, indent=2, ensure_ascii=False)
        out.write("\n")
