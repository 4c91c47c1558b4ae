"""GitLab Code Quality JSON: an array of issues for the merge-request widget.

Each issue has ``description``, ``check_name``, a ``fingerprint`` that is
stable across unrelated edits (rule, file, content of the flagged line and
occurrence; never the line number), ``severity`` and ``location`` with a
repository-relative path and 1-based lines. Severity mapping: note -> info,
warning -> minor, error -> major (GitLab's ``critical``/``blocker`` are left to
security scanners).
"""

from __future__ import annotations

import json
from typing import IO, Any

from resilint.model import Report, Severity
from resilint.report import Reporter
from resilint.report._locate import Locator

SEVERITIES = {Severity.NOTE: "info", Severity.WARNING: "minor", Severity.ERROR: "major"}


class GitlabReporter(Reporter):
    name = "gitlab"

    def render(self, report: Report, out: IO[str]) -> None:
        json.dump(self.to_list(report), out, indent=2, ensure_ascii=False)
        out.write("\n")

    def to_list(self, report: Report) -> list[dict[str, Any]]:
        locator = Locator()
        issues: list[dict[str, Any]] = []
        for finding, fingerprint in zip(report.findings, locator.fingerprints(report.findings)):
            span = finding.span
            issues.append(
                {
                    "type": "issue",
                    "engine_name": "resilint",
                    "check_name": finding.code,
                    "description": f"{finding.code} {finding.message} ({finding.name})",
                    "categories": ["Bug Risk"],
                    "severity": SEVERITIES[finding.severity],
                    "fingerprint": fingerprint,
                    "location": {
                        "path": locator.relative(finding.path),
                        "lines": {"begin": span.line, "end": max(span.end_line, span.line)},
                        "positions": {
                            "begin": {"line": span.line, "column": span.column},
                            "end": {"line": max(span.end_line, span.line), "column": span.end_column},
                        },
                    },
                }
            )
        return issues
