"""SARIF 2.1.0, as GitHub code scanning reads it.

One run; the driver lists every active rule (id, name, short and full
description, help text and markdown, ``defaultConfiguration.level``, helpUri,
tags); each result names its rule, carries the *effective* level, a
repository-relative ``artifactLocation.uri`` (against ``%SRCROOT%``), a
1-based region, a stable ``partialFingerprints`` entry and, on AI-assisted
lines, the evidence in ``properties``. Files that could not be checked are
``toolExecutionNotifications`` of level ``error``; what makes the result
incomplete (a shallow clone hides provenance) are ``warning`` notifications.
"""

from __future__ import annotations

import json
from typing import IO, Any
from urllib.parse import quote

from resilint import __version__
from resilint.explain.links import doc_url_for, rule_doc_url
from resilint.model import Finding, Report, Severity
from resilint.report import Reporter
from resilint.report._locate import Locator

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/resilint/resilint"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
FINGERPRINT_KEY = "resilint/v1"


class SarifReporter(Reporter):
    name = "sarif"

    def render(self, report: Report, out: IO[str]) -> None:
        json.dump(self.to_dict(report), out, indent=2, ensure_ascii=False)
        out.write("\n")

    def to_dict(self, report: Report) -> dict[str, Any]:
        locator = Locator()
        rules = self._rules(report)
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        fingerprints = locator.fingerprints(report.findings)
        results = [self._result(f, index[f.code], fp, locator) for f, fp in zip(report.findings, fingerprints)]
        notifications = [
            {
                "level": "error",
                "message": {"text": error.message},
                **({"locations": [_location(locator.relative(error.path))]} if not error.path.startswith("<") else {}),
            }
            for error in report.errors
        ]
        notifications += [{"level": "warning", "message": {"text": warning}} for warning in report.warnings]
        return {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "resilint",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": rules,
                        }
                    },
                    "originalUriBaseIds": {"%SRCROOT%": {"uri": locator.root.as_uri() + "/"}},
                    "invocations": [
                        {"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}
                    ],
                    "columnKind": "unicodeCodePoints",  # the engine counts characters, not UTF-16 units
                    "results": results,
                }
            ],
        }

    def _rules(self, report: Report) -> list[dict[str, Any]]:
        """Every active standard (code scanning closes alerts of rules that ran and
        found nothing), plus any code a finding carries that is not among them."""
        standards: dict[str, Any] = {}
        ruleset = self.ruleset
        if ruleset is not None:
            for standard in getattr(ruleset, "active", ()):
                standards[standard.code] = standard
            known = getattr(ruleset, "standards", {})
        else:
            known = {}
        rules: list[dict[str, Any]] = [_rule(s) for s in sorted(standards.values(), key=lambda s: s.code)]
        listed = set(standards)
        for finding in report.findings:
            if finding.code in listed:
                continue
            listed.add(finding.code)
            standard = known.get(finding.code)
            rules.append(_rule(standard) if standard is not None else _bare_rule(finding))
        return rules

    def _result(self, finding: Finding, rule_index: int, fingerprint: str, locator: Locator) -> dict[str, Any]:
        span = finding.span
        region = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": max(span.end_line, span.line),
            "endColumn": span.end_column if (span.end_line, span.end_column) > (span.line, span.column) else span.column + 1,
        }
        properties: dict[str, Any] = {
            "name": finding.name,
            "category": finding.category,
            "severity": finding.severity.label,
            "base_severity": finding.base_severity.label,
            "ai_assisted": finding.ai_assisted,
            "fixable": finding.fixable,
        }
        if finding.provenance is not None:
            properties["provenance"] = {
                "signal": finding.provenance.signal,
                "detail": finding.provenance.detail,
                "confidence": finding.provenance.confidence,
            }
        return {
            "ruleId": finding.code,
            "ruleIndex": rule_index,
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [_location(locator.relative(finding.path), region)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            "properties": properties,
        }


def _location(path: str, region: dict[str, int] | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(path), "uriBaseId": "%SRCROOT%"}}
    if region is not None:
        physical["region"] = region
    return {"physicalLocation": physical}


def _rule(standard: Any) -> dict[str, Any]:
    summary = standard.summary[:1].upper() + standard.summary[1:]
    rationale = " ".join(standard.rationale.split()) or summary
    fix = " ".join(standard.fix.split())
    human = standard.severity_human.label if standard.severity_human else "not reported (AI-only)"
    severity_line = f"Severity: {human} on ordinary lines, {standard.severity_ai.label} on AI-assisted lines."
    text = "\n\n".join(p for p in (rationale, f"Fix: {fix}" if fix else "", severity_line) if p)
    markdown = [f"**{standard.code} {standard.name}**: {summary}.", "", rationale]
    if fix:
        markdown += ["", f"**Fix.** {fix}"]
    markdown += ["", severity_line]
    for label, examples in (("Flagged", standard.invalid), ("Not flagged", standard.valid)):
        for example in examples[:1]:
            markdown += ["", f"{label}:", "", "```python", example.strip("\n"), "```"]
    if standard.references:
        markdown += ["", "References:", *(f"- <{ref}>" for ref in standard.references)]
    rule: dict[str, Any] = {
        "id": standard.code,
        "name": standard.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": rationale},
        "help": {"text": text, "markdown": "\n".join(markdown)},
        "defaultConfiguration": {"level": LEVELS[standard.base_severity]},
        "properties": {
            "tags": ["reliability", standard.category],
            "precision": "high",
            "ai_severity": standard.severity_ai.label,
            "ai_only": standard.ai_only,
        },
    }
    url = doc_url_for(standard)
    if url is not None:
        rule["helpUri"] = url
    return rule


def _bare_rule(finding: Finding) -> dict[str, Any]:
    """A code with no standard at hand (a reporter used without a ruleset)."""
    rule: dict[str, Any] = {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.name.replace("-", " ")},
        "defaultConfiguration": {"level": LEVELS[finding.base_severity]},
        "properties": {"tags": ["reliability", finding.category]},
    }
    if finding.code.startswith("REL"):
        rule["helpUri"] = rule_doc_url(finding.code)
    return rule
