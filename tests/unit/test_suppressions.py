"""engine.suppressions: comment parsing, reasons, codes, skip-file, lookups (unit level)."""

from __future__ import annotations

import pytest

from resilint.engine.suppressions import (
    NONE,
    Suppression,
    Suppressions,
    might_suppress,
    parse_comment,
    parse_suppressions,
    skip_file_marker,
)

def fields(s: Suppression | None) -> tuple[object, ...] | None:
    """The fields every test here is about (the record may grow more)."""
    return None if s is None else (s.line, s.column, s.codes, s.reason, s.comment)


# -- parse_comment ------------------------------------------------------------------


def test_noqa_reason_stops_at_a_further_comment() -> None:
    parsed = parse_comment("# noqa: REL101 -- reason  # other", 4, 9)
    assert fields(parsed) == (4, 9, frozenset({"REL101"}), "reason", "# noqa: REL101 -- reason  # other")


def test_noqa_reason_needs_the_double_dash() -> None:
    assert parse_comment("# noqa: REL101 reason without dashes", 1).reason == ""
    assert parse_comment("# noqa: REL101 - single dash", 1).reason == ""
    assert parse_comment("# noqa: REL101--tight", 1).reason == "tight"
    assert parse_comment("# noqa -- bare with reason", 1).reason == "bare with reason"
    assert parse_comment("# noqa: REL101 -- a -- b", 1).reason == "a -- b"


def test_ignore_reason_strips_separators_and_trailing_comment() -> None:
    assert parse_comment("# resilint: ignore[REL101] -- polling", 1).reason == "polling"
    assert parse_comment("# resilint: ignore[REL101]: polling", 1).reason == "polling"
    assert parse_comment("# resilint: ignore[REL101] \u2014 polling", 1).reason == "polling"
    assert parse_comment("# resilint: ignore[REL101]  why  # other # more", 1).reason == "why"
    assert parse_comment("# resilint: ignore -- everything", 1).reason == "everything"


def test_default_column_is_one_and_fields_are_kept() -> None:
    parsed = parse_comment("# resilint: ignore[rel101, REL2 ]  reason", 7)
    assert fields(parsed) == (7, 1, frozenset({"REL101", "REL2"}), "reason", "# resilint: ignore[rel101, REL2 ]  reason")


def test_codes_are_upper_cased_and_split_on_commas_and_spaces() -> None:
    assert parse_comment("# noqa: rel101", 1).codes == frozenset({"REL101"})
    assert parse_comment("# noqa:REL101 , REL102", 1).codes == frozenset({"REL101", "REL102"})
    assert parse_comment("# resilint: ignore[REL101 REL102,,REL103]", 1).codes == frozenset({"REL101", "REL102", "REL103"})


def test_empty_code_list_means_every_code() -> None:
    parsed = parse_comment("# resilint: ignore[]", 1)
    assert parsed is not None and parsed.codes is None
    assert parsed.covers("REL101") and parsed.covers("X1")
    blank = parse_comment("# resilint: ignore[ , ]", 1)
    assert blank is not None and blank.codes is None


def test_ignore_is_preferred_over_noqa_in_one_comment() -> None:
    parsed = parse_comment("# resilint: ignore[REL1] x # noqa: REL2", 1)
    assert parsed.codes == frozenset({"REL1"}) and parsed.reason == "x"
    assert not parsed.is_noqa


def test_case_insensitive_markers() -> None:
    assert parse_comment("# NOQA: REL101", 1).codes == frozenset({"REL101"})
    assert parse_comment("# Resilint: IGNORE[REL101]", 1).codes == frozenset({"REL101"})


def test_not_a_suppression() -> None:
    assert parse_comment("# resilint is great", 1) is None
    assert parse_comment("# ignore[REL101]", 1) is None


# -- Suppression --------------------------------------------------------------------


def test_is_noqa() -> None:
    assert parse_comment("# noqa: REL101", 1).is_noqa is True
    assert parse_comment("# resilint: ignore[REL101]", 1).is_noqa is False


def test_covers_by_prefix() -> None:
    parsed = parse_comment("# noqa: REL1,AI", 1)
    assert parsed.covers("REL101") is True
    assert parsed.covers("AI001") is True
    assert parsed.covers("REL201") is False
    assert parsed.covers("XREL1") is False  # a prefix, not a substring


# -- Suppressions -------------------------------------------------------------------


def test_matching_picks_the_first_covering_suppression_on_the_line() -> None:
    first = Suppression(3, 1, frozenset({"REL2"}), "a", "# noqa: REL2 -- a")
    second = Suppression(3, 20, None, "b", "# noqa -- b")
    table = Suppressions({3: (first, second)})
    assert table.matching(3, "REL201") is first
    assert table.matching(3, "REL101") is second
    assert table.matching(4, "REL101") is None
    assert Suppressions({3: (first,)}).matching(3, "REL101") is None


def test_all_flattens_in_line_order() -> None:
    a = Suppression(1, 1, None, "", "# noqa")
    b = Suppression(5, 1, None, "", "# noqa")
    c = Suppression(5, 9, None, "", "# noqa")
    assert Suppressions({1: (a,), 5: (b, c)}).all() == [a, b, c]
    assert Suppressions({}).all() == []


def test_defaults() -> None:
    assert Suppressions({}).skip_file is False
    assert NONE.skip_file is False and NONE.by_line == {}


# -- might_suppress -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("x = 1  # NOQA\n", True),
        ("x = 1  # Resilint: ignore\n", True),
        ("x = 1  # resilint: skip-file\n", True),
        ("x = 1  # resilint ignore\n", False),
        ("x = 1\n", False),
    ],
)
def test_might_suppress(text: str, expected: bool) -> None:
    assert might_suppress(text) is expected


# -- parse_suppressions -------------------------------------------------------------


def test_without_markers_returns_the_shared_empty_table() -> None:
    assert parse_suppressions("x = 1  # plain comment\n") is NONE


def test_lines_and_columns_come_from_the_tokens() -> None:
    text = "a = 1\nb = 2  # noqa: REL101 -- why\n    # resilint: ignore[REL2]\nc = 3  # other\n"
    parsed = parse_suppressions(text)
    assert {line: [fields(s) for s in group] for line, group in parsed.by_line.items()} == {
        2: [(2, 8, frozenset({"REL101"}), "why", "# noqa: REL101 -- why")],
        3: [(3, 5, frozenset({"REL2"}), "", "# resilint: ignore[REL2]")],
    }
    assert all(isinstance(group, tuple) for group in parsed.by_line.values())
    assert parsed.skip_file is False


def test_skip_file_in_a_string_does_not_skip() -> None:
    text = 'MARK = "# resilint: skip-file"\nx = 1  # noqa\n'
    parsed = parse_suppressions(text)
    assert parsed.skip_file is False
    assert sorted(parsed.by_line) == [2]
    assert skip_file_marker(text) is False


def test_skip_file_in_an_unrelated_comment_does_not_skip() -> None:
    for text in (
        "x = 1  # we never skip-file here  # noqa\n",
        "# skip-file\nx = 1  # noqa\n",
        "# resilint: skip-files\n",
        "# resilint: ignore  skip-file\n",
        '"""\n# resilint: skip-file\n"""\n',
    ):
        assert parse_suppressions(text).skip_file is False, text
        assert skip_file_marker(text) is False, text


def test_skip_file_comment_skips_and_later_comments_are_still_read() -> None:
    text = "# resilint: skip-file\nx = 1  # noqa: REL101\n"
    parsed = parse_suppressions(text)
    assert parsed.skip_file is True
    assert {line: [fields(s) for s in group] for line, group in parsed.by_line.items()} == {
        2: [(2, 8, frozenset({"REL101"}), "", "# noqa: REL101")]
    }
    assert skip_file_marker(text) is True
    assert skip_file_marker("#Resilint:SKIP-FILE\n") is False  # "skip-file" is looked for as written first
    assert parse_suppressions("#Resilint:SKIP-FILE\n").skip_file is True


def test_skip_file_comment_is_not_a_suppression() -> None:
    parsed = parse_suppressions("x = 1  # resilint: skip-file\n")
    assert parsed.skip_file is True and parsed.by_line == {}


def test_tokenize_error_at_the_end_keeps_earlier_comments() -> None:
    parsed = parse_suppressions("x = 1  # noqa: REL101\ny = (\n")
    assert list(parsed.by_line) == [1]
    assert parsed.by_line[1][0].codes == frozenset({"REL101"})


def test_skip_file_marker_without_the_word() -> None:
    assert skip_file_marker("x = 1  # noqa\n") is False


def test_reasons_keep_their_own_letters_and_stop_at_the_first_hash() -> None:
    assert parse_comment("# resilint: ignore[REL101] XML feed, polled", 1).reason == "XML feed, polled"
    assert parse_comment("# noqa: REL101 -- a # b # c", 1).reason == "a"


def test_codes_end_marks_where_the_noqa_code_list_stops() -> None:
    assert parse_comment("# noqa: REL101 -- why", 1).codes_end == 14
    assert parse_comment("#noqa:REL1,REL2", 1).codes_end == 15
    assert parse_comment("# noqa -- why", 1).codes_end is None
    assert parse_comment("# resilint: ignore[REL101] why", 1).codes_end is None


def test_the_placeholder_is_not_a_reason() -> None:
    assert parse_comment("# noqa: REL101 -- <reason>", 1).reason == ""
    assert parse_comment("# resilint: ignore[REL101] <reason>", 1).reason == ""
    assert parse_comment("# noqa: REL101 -- <reason> given", 1).reason == "<reason> given"


def test_the_placeholder_in_any_case_is_not_a_reason() -> None:
    from resilint.engine.suppressions import is_placeholder

    assert parse_comment("# noqa: REL101 -- <REASON>", 1).reason == ""
    assert parse_comment("# resilint: ignore[REL101] <Reason>", 1).reason == ""
    assert is_placeholder("  <reason> ") is True
    assert is_placeholder("<reasons>") is False
    assert is_placeholder("") is False
