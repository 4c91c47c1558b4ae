from __future__ import annotations

from resilint.engine.suppressions import parse_comment, parse_suppressions


def test_noqa_forms() -> None:
    bare = parse_comment("# noqa", 1)
    assert bare is not None and bare.codes is None and bare.covers("REL101")
    coded = parse_comment("# noqa: REL101,REL2", 1)
    assert coded is not None and coded.codes == {"REL101", "REL2"}
    assert coded.covers("REL101") and coded.covers("REL205") and not coded.covers("REL102")
    spaced = parse_comment("#noqa:REL101 REL102", 1)
    assert spaced is not None and spaced.codes == {"REL101", "REL102"}
    other = parse_comment("# noqa: E501", 1)
    assert other is not None and not other.covers("REL101")


def test_reasons() -> None:
    assert parse_comment("# noqa: REL101 -- bounded by the caller", 1).reason == "bounded by the caller"
    assert parse_comment("# noqa: REL101", 1).reason == ""
    assert parse_comment("# resilint: ignore[REL101] polling, deadline upstream", 1).reason == "polling, deadline upstream"
    assert parse_comment("# resilint: ignore[REL101]  # another comment", 1).reason == ""
    ignore_all = parse_comment("# resilint: ignore", 1)
    assert ignore_all is not None and ignore_all.codes is None


def test_comments_only_not_strings() -> None:
    text = 'x = "# noqa"\ny = 1  # noqa: REL101\n# resilint: skip-file\n'
    parsed = parse_suppressions(text)
    assert sorted(parsed.by_line) == [2]
    assert parsed.skip_file
    assert not parse_suppressions('s = "# resilint: skip-file"\n').skip_file


def test_unrelated_comments() -> None:
    assert parse_comment("# TODO: noqa later?", 1) is None  # like flake8: "#" then "noqa"
    assert parse_comment("# just a comment", 1) is None
