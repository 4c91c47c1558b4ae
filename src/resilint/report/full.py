"""The "full" text format: each finding with a code frame, like ruff's
``--output-format=full``.

```
src/app.py:12:12: REL101 [error] requests.get() has no timeout (http-call-without-timeout)
   |
11 | def fetch(url):
12 |     resp = requests.get(
   |            ^^^^^^^^^^^^^
13 |         url,
   |         ^^^^
14 |     )
   |     ^
15 |     return resp
   |
help: pass timeout=(connect, read) seconds
```

The header is the concise format's line unchanged, so tools that grep
``path:line:col:`` read both formats. Carets are placed by *display* column:
tabs expand to the next multiple of ``tab_width`` and East Asian wide
characters take two cells, so they stay under the code they point at in a
terminal. A span longer than ``max_lines`` shows its first and last lines
around a ``...`` row. When the file cannot be read (or changed so the line is
gone), the finding is still reported, without a frame.

The notes and the summary line are not rendered here: the reporter that uses
this appends ``report.notes`` and ``report.text.summary_line(report)``, so the
two text formats cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO

from resilint.engine.source_text import source_lines
from resilint.engine.reading import decode_source
from resilint.model import Finding, Report, Severity
from resilint.report import Reporter
from resilint.report.text import summary_line

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


class FullReporter(Reporter):
    """``--format full``: each finding with its code frame and the rule's fix
    advice, then the notes and the summary line of the concise format."""

    name = "full"

    def render(self, report: Report, out: IO[str]) -> None:
        standards = self.ruleset.standards if self.ruleset is not None else {}

        def advice_of(code: str) -> str | None:
            standard = standards.get(code)
            return " ".join(standard.fix.split()) if standard is not None and standard.fix else None

        text = render_full(report, _read_source, advice_of, color=self.color)
        if text:
            out.write(text if text.endswith("\n") else text + "\n")
            out.write("\n")
        for note in report.notes:
            out.write(f"{note}\n")
        out.write(summary_line(report) + "\n")


def _read_source(path: str) -> str | None:
    try:
        return decode_source(Path(path).read_bytes())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def render_full(
    report: Report,
    source_of: Callable[[str], str | None],
    advice_of: Callable[[str], str | None],
    *,
    color: bool = False,
    context: int = 1,
    max_lines: int = 6,
    tab_width: int = 4,
) -> str:
    """Every finding of ``report`` with its code frame and fix advice.

    ``source_of(path)``: the file's text, or ``None`` when unreadable.
    ``advice_of(code)``: the standard's fix advice (``resilint explain``'s "fix"),
    or ``None``. Sources are read once per file.
    """
    cache: dict[str, list[str] | None] = {}
    blocks: list[str] = []
    for finding in report.findings:
        if finding.path not in cache:
            text = source_of(finding.path)
            cache[finding.path] = None if text is None else source_lines(text)
        blocks.append(
            _render_one(finding, cache[finding.path], advice_of(finding.code), color, context, max_lines, tab_width)
        )
    return "\n".join(blocks)


def _render_one(
    finding: Finding,
    lines: list[str] | None,
    advice: str | None,
    color: bool,
    context: int,
    max_lines: int,
    tab_width: int,
) -> str:
    out = [_header(finding, color)]
    span = finding.span
    if lines is not None and 1 <= span.line <= len(lines):
        out.extend(_frame(finding, lines, color, context, max_lines, tab_width))
    if advice:
        out.append(f"{_BOLD}help{_RESET}: {advice}" if color else f"help: {advice}")
    return "\n".join(out) + "\n"


def _header(f: Finding, color: bool) -> str:
    severity, code = f.severity.label, f.code
    if color:
        severity = f"{_COLORS[f.severity]}{severity}{_RESET}"
        code = f"{_BOLD}{code}{_RESET}"
    return f"{f.path}:{f.line}:{f.column}: {code} [{severity}] {f.message} ({f.name})"


def _frame(finding: Finding, lines: list[str], color: bool, context: int, max_lines: int, tab_width: int) -> list[str]:
    span = finding.span
    first = span.line
    last = max(first, min(span.end_line, len(lines)))
    shown_span = list(range(first, last + 1))
    elided = False
    if len(shown_span) > max_lines:
        head = max(1, max_lines // 2)
        tail = max(1, max_lines - head - 1)
        shown_span = shown_span[:head] + shown_span[-tail:]
        elided = True
    before = list(range(max(1, first - context), first))
    after = list(range(last + 1, min(len(lines), last + context) + 1))
    width = len(str((after or shown_span)[-1]))
    gutter = " " * width + " |"
    caret_color = _COLORS[finding.severity] if color else ""

    def row(number: int) -> str:
        text = _expand(lines[number - 1], tab_width)[0]
        return f"{number:>{width}} | {text}".rstrip()

    out = [gutter]
    out.extend(row(n) for n in before)
    previous = None
    for number in shown_span:
        if elided and previous is not None and number != previous + 1:
            out.append(" " * width + " | ...")
        previous = number
        out.append(row(number))
        carets = _carets(lines[number - 1], finding, number, last, tab_width)
        if carets:
            out.append(f"{gutter} {caret_color}{carets}{_RESET if color else ''}")
    out.extend(row(n) for n in after)
    out.append(gutter)
    return out


def _carets(line: str, finding: Finding, number: int, last: int, tab_width: int) -> str:
    """``   ^^^^`` under the part of ``line`` the span covers."""
    span = finding.span
    _, cells = _expand(line, tab_width)
    content_end = len(line.rstrip())
    if number == span.line:
        start = min(max(span.column - 1, 0), len(line))
    else:
        start = len(line) - len(line.lstrip())  # continuation lines: from the code, not the indent
    if number == span.end_line and number == last:
        end = min(max(span.end_column - 1, 0), len(line))
    else:
        end = content_end
    if number != span.line and start >= content_end:
        return ""  # a blank line inside the span
    end = max(end, start)
    offset = cells[start]
    length = max(1, cells[end] - cells[start])
    return " " * offset + "^" * length


def _expand(line: str, tab_width: int) -> tuple[str, list[int]]:
    """The line as displayed, and the display cell where each character starts
    (one more entry for the end of the line)."""
    shown: list[str] = []
    cells = [0]
    column = 0
    for char in line:
        if char == "\t":
            width = tab_width - column % tab_width
            shown.append(" " * width)
        elif unicodedata.combining(char):
            width = 0
            shown.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf"):
            width = 1  # form feeds, bidi overrides, zero-width marks: made visible, one cell
            shown.append("\ufffd")
        else:
            width = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
            shown.append(char)
        column += width
        cells.append(column)
    return "".join(shown), cells
