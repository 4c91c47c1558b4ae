"""``--statistics``: how many findings of each code, like ``ruff --statistics``.

One row per code: the count, the code, ``[*]`` when a finding of that code
carries an autofix (``[ ]`` otherwise), and the rule's name. Sorted by count,
most first, then by code, so the codes worth a bulk decision (fix, baseline,
ignore) come first. Columns are aligned so the output reads as a table and
still splits on whitespace.
"""

from __future__ import annotations

from dataclasses import dataclass

from resilint.model import Report


@dataclass(frozen=True)
class Statistic:
    """One row of the table."""

    code: str
    name: str
    count: int
    fixable: bool


def statistics(report: Report) -> list[Statistic]:
    """The rows, sorted by count (descending) then code."""
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    fixable: dict[str, bool] = {}
    for finding in report.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
        names.setdefault(finding.code, finding.name)
        fixable[finding.code] = fixable.get(finding.code, False) or finding.fixable
    rows = [Statistic(code, names[code], count, fixable[code]) for code, count in counts.items()]
    rows.sort(key=lambda row: (-row.count, row.code))
    return rows


def render_statistics(report: Report) -> str:
    """The table as text (empty when there are no findings)."""
    rows = statistics(report)
    if not rows:
        return ""
    count_width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    return "".join(
        f"{row.count:>{count_width}}  {row.code:<{code_width}}  {'[*]' if row.fixable else '[ ]'} {row.name}\n"
        for row in rows
    )
