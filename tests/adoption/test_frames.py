from __future__ import annotations

import re

from builders import finding, span_of

from resilint.model import Report, Severity
from resilint.report.full import render_full

ADVICE = {"REL101": "pass timeout=(connect, read) seconds"}


def render(source: str | None, *findings, **kw) -> str:
    return render_full(Report(findings=tuple(findings), files=1), lambda p: source, ADVICE.get, **kw)


def test_header_frame_carets_and_help():
    src = "import requests\n\ndef fetch(url):\n    return requests.get(url)\n"
    out = render(src, finding(path="app.py", span=span_of(src, "requests.get(url)"), message="no timeout"))
    assert out == (
        "app.py:4:12: REL101 [error] no timeout (http-call-without-timeout)\n"
        "  |\n"
        "3 | def fetch(url):\n"
        "4 |     return requests.get(url)\n"
        "  |            ^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        "help: pass timeout=(connect, read) seconds\n"
    )


def test_no_help_without_advice_and_severity_label():
    src = "x = f()\n"
    out = render(src, finding(code="REL999", span=(1, 5, 1, 8), severity=Severity.WARNING))
    assert "[warning]" in out and "help:" not in out
    assert out.splitlines()[2:4] == ["1 | x = f()", "  |     ^^^"]


def test_tabs_expand_and_carets_follow():
    src = "if x:\n\treturn\tget(url)\n"
    out = render(src, finding(span=span_of(src, "get(url)")))
    lines = out.splitlines()
    row = next(line for line in lines if line.startswith("2 |"))
    carets = lines[lines.index(row) + 1]
    assert "\t" not in row
    assert row == "2 |     return  get(url)"
    assert carets.index("^") == row.index("get") and carets.count("^") == len("get(url)")


def test_wide_characters_take_two_cells():
    src = 's = "日本"; get(url)\n'
    out = render(src, finding(span=span_of(src, "get(url)")))
    lines = out.splitlines()
    carets = lines[3]
    # '日本' occupies 4 display cells, so the caret sits 2 cells right of the character index
    assert carets.index("^") - len("  | ") == len('s = "日本"; ') + 2


def test_multiline_span_carets_and_clipping():
    src = "resp = requests.get(\n    url,\n    verify=True,\n)\nnext_line = 1\n"
    out = render(src, finding(span=span_of(src, "requests.get(\n    url,\n    verify=True,\n)")))
    assert out.splitlines()[1:11] == [
        "  |",
        "1 | resp = requests.get(",
        "  |        ^^^^^^^^^^^^^",
        "2 |     url,",
        "  |     ^^^^",
        "3 |     verify=True,",
        "  |     ^^^^^^^^^^^^",
        "4 | )",
        "  | ^",
        "5 | next_line = 1",
    ]
    long = "call(\n" + "".join(f"    a{i},\n" for i in range(20)) + ")\n"
    clipped = render(long, finding(span=(1, 1, 22, 2)), max_lines=6)
    assert "  | ..." in clipped
    shown = [line.split(" |")[0].strip() for line in clipped.splitlines() if line[:2].strip().isdigit()]
    assert shown == ["1", "2", "3", "21", "22"]  # six rows with the "..." row


def test_missing_source_still_reports_the_finding():
    out = render(None, finding(span=(3, 1, 3, 4)))
    assert out == (
        "app.py:3:1: REL101 [error] call without a timeout (http-call-without-timeout)\n"
        "help: pass timeout=(connect, read) seconds\n"
    )
    gone = render("x = 1\n", finding(span=(40, 1, 40, 2)))
    assert "|" not in gone


def test_color_and_several_findings_are_separated():
    src = "a()\nb()\n"
    out = render(src, finding(span=(1, 1, 1, 4)), finding(span=(2, 1, 2, 4)), color=True)
    assert "\033[31m" in out
    assert re.sub(r"\033\[[0-9;]*m", "", out).count("help:") == 2
    plain = render(src, finding(span=(1, 1, 1, 4)), finding(span=(2, 1, 2, 4)))
    assert "\n\napp.py:2:1:" in plain
