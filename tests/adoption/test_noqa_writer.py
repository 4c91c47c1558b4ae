from __future__ import annotations

import pytest
from builders import finding

from resilint.engine import suppressions as suppress
from resilint.engine.noqa_writer import add_noqa
from resilint.engine.suppressions import REASON_PLACEHOLDER, is_placeholder


def on(line: int, code: str = "REL101", column: int = 1):
    return finding(code=code, span=(line, column, line, column + 1))


def test_appends_a_suppression_with_the_placeholder():
    result = add_noqa("import requests\nrequests.get(url)\n", [on(2)])
    assert result.text == f"import requests\nrequests.get(url)  # noqa: REL101 -- {REASON_PLACEHOLDER}\n"
    assert result.changed == 1 and result.skipped == ()


def test_writes_the_given_reason_and_groups_codes_per_line():
    result = add_noqa(
        "x = f(g())\n", [on(1, "REL202"), on(1, "REL101"), on(1, "REL101", 7)], "polled, bounded by caller"
    )
    assert result.text == "x = f(g())  # noqa: REL101,REL202 -- polled, bounded by caller\n"
    assert result.changed == 1


def test_suppress_py_reads_what_was_written():
    text = add_noqa("x = f(g())\n", [on(1, "REL202"), on(1, "REL101")], "why").text
    parsed = suppress.parse_suppressions(text)
    s = parsed.matching(1, "REL202")
    assert s is not None and s.reason == "why" and s.covers("REL101")
    placeholder = suppress.parse_suppressions(add_noqa("x = f()\n", [on(1)]).text).matching(1, "REL101")
    assert placeholder is not None and placeholder.reason == ""  # the placeholder never counts as a reason
    assert REASON_PLACEHOLDER in placeholder.comment and is_placeholder(REASON_PLACEHOLDER)


def test_merges_into_an_existing_noqa():
    text = "a = f()  # noqa: REL101 -- kept\nb = f()  # noqa:E501\nc = f()  # noqa: REL2, E1\n"
    result = add_noqa(text, [on(1, "REL202"), on(2, "REL101"), on(3, "REL201")], "new")
    assert result.text.splitlines() == [
        "a = f()  # noqa: REL101,REL202 -- kept",
        "b = f()  # noqa:E501,REL101 -- new",
        "c = f()  # noqa: REL2, E1 -- new",  # REL2 already covers REL201
    ]
    assert result.changed == 3


def test_bare_noqa_gets_a_reason_not_codes_and_other_comments_are_kept():
    text = "a = f()  # noqa\nb = f()  # why not\nc = f()  # resilint: ignore[REL101]\n"
    result = add_noqa(text, [on(1), on(2), on(3, "REL202")], "r")
    assert result.text.splitlines() == [
        "a = f()  # noqa -- r",
        "b = f()  # why not  # noqa: REL101 -- r",
        "c = f()  # resilint: ignore[REL101,REL202] r",
    ]
    for number, code in ((1, "REL101"), (2, "REL101"), (3, "REL202")):
        assert suppress.parse_suppressions(result.text).matching(number, code).reason == "r"


def test_placeholder_is_replaced_by_a_real_reason_but_a_real_reason_is_never_replaced():
    first = add_noqa("a = f()\nb = f()  # noqa: REL101 -- mine\n", [on(1), on(2)])
    assert first.changed == 1
    second = add_noqa(first.text, [on(1), on(2)], "polled")
    assert second.text == "a = f()  # noqa: REL101 -- polled\nb = f()  # noqa: REL101 -- mine\n"


def test_empty_reason_after_dashes_is_filled():
    result = add_noqa("a = f()  # noqa: REL101 -- \n", [on(1)])
    assert result.text == f"a = f()  # noqa: REL101 -- {REASON_PLACEHOLDER}\n"


def test_idempotent():
    text = "import requests\r\nrequests.get(url)\r\nx = f()  # noqa: REL2\r\n"
    findings = [on(2), on(3, "REL202"), on(3, "REL101")]
    once = add_noqa(text, findings)
    twice = add_noqa(once.text, findings)
    assert twice.text == once.text and twice.changed == 0
    with_reason = add_noqa(text, findings, "r")
    assert add_noqa(with_reason.text, findings, "r").changed == 0


def test_keeps_crlf_cr_mixed_endings_and_bom_byte_exact():
    text = "\ufeffimport requests\r\nrequests.get(a)\r\ny = 1\nrequests.get(b)\rz = 2"
    result = add_noqa(text, [on(2), on(4), on(5)], "r")
    assert result.text == (
        "\ufeffimport requests\r\nrequests.get(a)  # noqa: REL101 -- r\r\ny = 1\n"
        "requests.get(b)  # noqa: REL101 -- r\rz = 2  # noqa: REL101 -- r"
    )
    assert result.text.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_never_touches_a_line_inside_a_multiline_string():
    text = 'x = f("""\nrequests.get(url)\n""")\nq = g("a"\n      "b")\n'
    result = add_noqa(text, [on(1), on(2), on(3), on(4)])
    lines = result.text.splitlines()
    assert lines[0] == 'x = f("""' and lines[1] == "requests.get(url)"
    assert lines[2].startswith('""")  # noqa: REL101')
    assert lines[3].startswith('q = g("a"  # noqa: REL101')
    assert result.skipped == (1, 2) and result.changed == 2


def test_multiline_statement_gets_the_comment_on_its_first_line():
    text = "resp = requests.get(\n    url,\n)\n"
    result = add_noqa(text, [finding(span=(1, 8, 3, 2))], "r")
    assert result.text == "resp = requests.get(  # noqa: REL101 -- r\n    url,\n)\n"
    compile(result.text, "x.py", "exec")
    assert suppress.parse_suppressions(result.text).matching(1, "REL101") is not None


def test_backslash_continuation_is_skipped():
    text = "x = a + \\\n    requests.get(url)\n"
    result = add_noqa(text, [on(1)])
    assert result.text == text and result.skipped == (1,)


def test_hash_in_a_string_is_not_a_comment():
    text = 'x = f("# noqa: E501")\n'
    result = add_noqa(text, [on(1)], "r")
    assert result.text == 'x = f("# noqa: E501")  # noqa: REL101 -- r\n'


def test_rel903_gets_a_reason_not_a_code():
    text = "x = f()  # noqa: REL101\n"
    result = add_noqa(text, [on(1, "REL903", 10)], "checked by hand")
    assert result.text == "x = f()  # noqa: REL101 -- checked by hand\n"


def test_a_reason_with_a_hash_or_line_break_is_refused():
    for bad in ("see #12", "a\nb"):
        with pytest.raises(ValueError):
            add_noqa("x = 1\n", [on(1)], bad)


def test_result_still_compiles_and_unknown_lines_are_skipped():
    text = "def f():\n    return g()\n"
    result = add_noqa(text, [on(2), on(99)])
    compile(result.text, "x.py", "exec")
    assert result.skipped == (99,) and result.changed == 1
