from __future__ import annotations

from builders import finding

from resilint.model import Report
from resilint.report.statistics import render_statistics, statistics


def test_sorted_by_count_then_code_with_fixable_marker():
    findings = (
        [finding("REL201", name="retry-forever")] * 2
        + [finding("REL101", name="http-call-without-timeout", fixable=True), finding("REL101")]
        + [finding("REL102", name="subprocess-without-timeout")] * 3
        + [finding("REL100", name="zz")] * 2
    )
    rows = statistics(Report(findings=tuple(findings)))
    assert [(r.code, r.count, r.fixable) for r in rows] == [
        ("REL102", 3, False),
        ("REL100", 2, False),
        ("REL101", 2, True),
        ("REL201", 2, False),
    ]
    text = render_statistics(Report(findings=tuple(findings)))
    assert text.splitlines() == [
        "3  REL102  [ ] subprocess-without-timeout",
        "2  REL100  [ ] zz",
        "2  REL101  [*] http-call-without-timeout",
        "2  REL201  [ ] retry-forever",
    ]


def test_empty_report_prints_nothing():
    assert render_statistics(Report()) == ""


def test_count_column_is_right_aligned():
    findings = [finding("REL101")] * 12 + [finding("REL2", name="x")]
    assert render_statistics(Report(findings=tuple(findings))).splitlines()[1].startswith(" 1  REL2  ")
