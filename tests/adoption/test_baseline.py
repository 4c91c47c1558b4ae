from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import finding, span_of

from resilint.engine.baseline import (
    Baseline,
    BaselineError,
    fingerprints,
    load_baseline,
    normalised_text,
    write_baseline,
)

SOURCE = """import requests


def fetch(url):
    headers = {"a": 1}
    resp = requests.get(url)
    return resp.json()
"""

CALL = "requests.get(url)"


def at(source: str, needle: str = CALL, occurrence: int = 0, **kw):
    return finding(path="src/app.py", span=span_of(source, needle, occurrence), **kw)


def run(tmp_path: Path, old: str, new: str, old_findings=None, new_findings=None, **filter_kw):
    old_findings = old_findings if old_findings is not None else [at(old)]
    new_findings = new_findings if new_findings is not None else [at(new)]
    baseline = write_baseline(tmp_path / "baseline.json", old_findings, lambda p: old, cwd=tmp_path)
    return baseline, baseline.filter(new_findings, lambda p: new, cwd=tmp_path, **filter_kw)


def test_unchanged_code_is_all_baselined(tmp_path):
    _, result = run(tmp_path, SOURCE, SOURCE)
    assert (result.new, result.baselined, result.stale) == ((), 1, ())


def test_survives_lines_inserted_above(tmp_path):
    moved = "import os\nimport sys\n\n" + SOURCE
    _, result = run(tmp_path, SOURCE, moved)
    assert result.new == () and result.baselined == 1 and result.stale == ()


def test_survives_an_unrelated_edit_in_the_same_function(tmp_path):
    edited = SOURCE.replace('headers = {"a": 1}', 'headers = {"a": 2, "b": 3}\n    log = None').replace(
        "return resp.json()", "return resp.text"
    )
    _, result = run(tmp_path, SOURCE, edited)
    assert result.new == () and result.baselined == 1


def test_survives_reindent_and_reformat(tmp_path):
    old = "def f(url):\n    return requests.get(url,timeout=None)\n"
    new = "class A:\n    def f(url):\n        return requests.get( url , timeout = None )\n"
    _, result = run(
        tmp_path,
        old,
        new,
        [at(old, "requests.get(url,timeout=None)")],
        [at(new, "requests.get( url , timeout = None )")],
    )
    assert result.new == () and result.baselined == 1


def test_survives_a_noqa_added_on_the_line(tmp_path):
    suppressed = SOURCE.replace("requests.get(url)", "requests.get(url)  # noqa: REL101 -- <reason>")
    _, result = run(tmp_path, SOURCE, suppressed)
    assert result.new == () and result.baselined == 1


def test_survives_a_noqa_on_the_first_line_of_a_multiline_span(tmp_path):
    old = "resp = requests.get(\n    url,\n    verify=True,\n)\n"
    new = "resp = requests.get(  # noqa: REL101 -- polled\n    url,  # the target\n    verify=True,\n)\n"
    call_old = "requests.get(\n    url,\n    verify=True,\n)"
    call_new = "requests.get(  # noqa: REL101 -- polled\n    url,  # the target\n    verify=True,\n)"
    _, result = run(tmp_path, old, new, [at(old, call_old)], [at(new, call_new)])
    assert result.new == () and result.baselined == 1


def test_body_edit_of_a_loop_span_keeps_the_header_fingerprint(tmp_path):
    old = "while True:\n    try:\n        work()\n    except Exception:\n        pass\n"
    new = old.replace("work()", "work(1)\n        more()")
    loop_old, loop_new = old.rstrip("\n"), new.rstrip("\n")
    kw = {"code": "REL204", "name": "unbounded-retry-loop"}
    _, result = run(tmp_path, old, new, [at(old, loop_old, **kw)], [at(new, loop_new, **kw)])
    assert result.new == () and result.baselined == 1


def test_strings_are_not_comments():
    one = 'f("# noqa a")\n'
    two = 'f("# noqa b")\n'
    span = (1, 1, 1, len(one))
    assert normalised_text(one, finding(span=span).span) != normalised_text(two, finding(span=span).span)
    assert normalised_text(one, finding(span=span).span) == 'f ( "# noqa a" )'


def test_message_text_is_not_part_of_the_fingerprint(tmp_path):
    _, result = run(tmp_path, SOURCE, SOURCE, [at(SOURCE, message="old wording")], [at(SOURCE, message="new wording")])
    assert result.new == () and result.baselined == 1


def test_two_identical_calls_are_two_entries(tmp_path):
    src = "requests.get(url)\nrequests.get(url)\n"
    findings = [at(src, occurrence=0), at(src, occurrence=1)]
    baseline = write_baseline(tmp_path / "b.json", findings, lambda p: src, cwd=tmp_path)
    assert len(baseline.entries) == 2
    assert len({e.fingerprint for e in baseline.entries}) == 2
    prints = fingerprints(findings, lambda p: src)
    assert len(set(prints)) == 2


def test_removing_one_of_two_identical_calls_leaves_one_stale_and_pruning_removes_it(tmp_path):
    src = "requests.get(url)\nx = 1\nrequests.get(url)\n"
    after = "x = 1\nrequests.get(url)\n"
    baseline, result = run(tmp_path, src, after, [at(src, occurrence=0), at(src, occurrence=1)], [at(after)])
    assert result.new == () and result.baselined == 1 and len(result.stale) == 1
    pruned = baseline.pruned(result.stale)
    assert len(pruned.entries) == 1
    pruned.save()
    again = load_baseline(tmp_path / "baseline.json").filter([at(after)], lambda p: after, cwd=tmp_path)
    assert again.new == () and again.stale == () and again.baselined == 1


def test_a_new_identical_call_above_is_the_one_reported(tmp_path):
    old = "a = 1\n" * 9 + "requests.get(url)\n" + "b = 2\n" * 39 + "requests.get(url)\n"
    new = "requests.get(url)\n" + "c = 3\n" * 100 + old  # new call on line 1, old ones moved down
    old_findings = [at(old, occurrence=0), at(old, occurrence=1)]
    new_findings = [at(new, occurrence=i) for i in range(3)]
    _, result = run(tmp_path, old, new, old_findings, new_findings)
    assert [f.line for f in result.new] == [1]
    assert result.baselined == 2 and result.stale == ()


def test_a_different_code_or_a_new_problem_is_new(tmp_path):
    new_src = SOURCE + "requests.post(url)\n"
    new_findings = [at(new_src), at(new_src, "requests.post(url)"), at(new_src, code="REL102", name="x")]
    _, result = run(tmp_path, SOURCE, new_src, [at(SOURCE)], new_findings)
    assert [(f.code, f.line) for f in result.new] == [("REL101", 8), ("REL102", 6)]
    assert result.baselined == 1


def test_paths_are_relative_to_the_baseline_folder(tmp_path):
    (tmp_path / "src").mkdir()
    write_baseline(tmp_path / "baseline.json", [at(SOURCE)], lambda p: SOURCE, cwd=tmp_path)
    data = json.loads((tmp_path / "baseline.json").read_text())
    assert data["entries"][0]["path"] == "src/app.py"
    # the same finding, seen from inside src/ (its path is relative to the working directory)
    from_src = finding(path="app.py", span=span_of(SOURCE, CALL))
    result = load_baseline(tmp_path / "baseline.json").filter([from_src], lambda p: SOURCE, cwd=tmp_path / "src")
    assert result.new == () and result.baselined == 1


def test_baseline_in_a_subfolder_records_parent_relative_paths(tmp_path):
    write_baseline(tmp_path / "ci" / "baseline.json", [at(SOURCE)], lambda p: SOURCE, cwd=tmp_path)
    data = json.loads((tmp_path / "ci" / "baseline.json").read_text())
    assert data["entries"][0]["path"] == "../src/app.py"


def test_file_format_is_versioned_and_sorted(tmp_path):
    src = "requests.get(b)\nrequests.get(a)\n"
    findings = [
        finding(path="z.py", span=span_of(src, "requests.get(b)")),
        finding(path="a.py", span=span_of(src, "requests.get(a)"), ai=True),
        finding(path="a.py", span=span_of(src, "requests.get(b)"), code="REL102"),
    ]
    write_baseline(
        tmp_path / "b.json", findings, lambda p: src, cwd=tmp_path, commit="abc", written_at="2026-01-01T00:00:00+00:00"
    )
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["version"] == 1 and data["tool"] == "resilint" and data["commit"] == "abc"
    assert [(e["path"], e["code"]) for e in data["entries"]] == [
        ("a.py", "REL101"),
        ("a.py", "REL102"),
        ("z.py", "REL101"),
    ]
    assert set(data["entries"][0]) == {"code", "path", "fingerprint", "line", "ai_assisted"}
    assert data["entries"][0]["ai_assisted"] is True
    loaded = load_baseline(tmp_path / "b.json")
    assert loaded.commit == "abc" and loaded.written_at == "2026-01-01T00:00:00+00:00" and len(loaded.entries) == 3


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "not found"),
        ("{not json", "not valid JSON"),
        ("[]", "not a resilint baseline"),
        ('{"tool": "ruff", "version": 1, "entries": []}', "not a resilint baseline"),
        ('{"tool": "resilint", "version": 2, "entries": []}', "format version 2 is not supported"),
        ('{"tool": "resilint", "entries": []}', "format version None"),
        ('{"tool": "resilint", "version": 1, "entries": {}}', '"entries" must be a list'),
        ('{"tool": "resilint", "version": 1, "entries": [{"code": "REL101"}]}', "entry 1: 'path' must be a string"),
        (
            '{"tool": "resilint", "version": 1, "entries": [{"code": "R", "path": "a.py", "fingerprint": "xyz", "line": 1, "ai_assisted": false}]}',
            "64 lowercase hex",
        ),
    ],
)
def test_bad_baseline_files_are_one_line_errors_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BaselineError) as error:
        load_baseline(path)
    message = str(error.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_ai_entry_comes_back_after_an_ai_edit_but_human_entries_do_not(tmp_path):
    src = "requests.get(url)\nrequests.post(url)\n"
    old = [at(src, ai=True), at(src, "requests.post(url)")]
    new = [at(src, ai=True), at(src, "requests.post(url)")]
    asked: list[int] = []

    def changed(f):
        asked.append(f.line)
        return True

    _, result = run(tmp_path, src, src, old, new, changed_by_ai_since=changed)
    assert [f.line for f in result.new] == [1]
    assert result.baselined == 1 and result.stale == () and len(result.revoked) == 1
    assert asked == [1]  # only asked about the entry recorded as AI-assisted
    _, untouched = run(tmp_path, src, src, old, new, changed_by_ai_since=lambda f: False)
    assert untouched.new == () and untouched.baselined == 2
    _, unknown = run(tmp_path, src, src, old, new)
    assert unknown.new == () and unknown.baselined == 2


def test_unreadable_source_still_matches_by_code_and_path(tmp_path):
    baseline = write_baseline(tmp_path / "b.json", [at(SOURCE)], lambda p: None, cwd=tmp_path)
    result = baseline.filter([at(SOURCE)], lambda p: None, cwd=tmp_path)
    assert result.new == () and result.baselined == 1


def test_crlf_and_bom_do_not_change_fingerprints():
    lf = SOURCE
    crlf = "\ufeff" + SOURCE.replace("\n", "\r\n")
    f = at(SOURCE)
    assert fingerprints([f], lambda p: lf) == fingerprints([f], lambda p: crlf)


def test_pruned_keeps_what_is_not_stale(tmp_path):
    baseline = write_baseline(tmp_path / "b.json", [at(SOURCE)], lambda p: SOURCE, cwd=tmp_path)
    assert isinstance(baseline, Baseline)
    assert baseline.pruned(()).entries == baseline.entries


def test_the_removed_middle_call_is_the_stale_entry(tmp_path):
    src = "requests.get(url)\n" + "x = 1\n" * 10 + "requests.get(url)\n" + "y = 2\n" * 10 + "requests.get(url)\n"
    after = src.replace("x = 1\n" * 10 + "requests.get(url)\n", "x = 1\n" * 10)
    _, result = run(
        tmp_path, src, after, [at(src, occurrence=i) for i in range(3)], [at(after, occurrence=i) for i in range(2)]
    )
    assert [e.line for e in result.stale] == [12]
    assert result.new == () and result.baselined == 2
    assert result.note("b.json") == "baseline b.json: 2 findings baselined, 1 entry stale (no longer match)"


@pytest.mark.parametrize(
    "source, span, expected",
    [
        ("x = f(\n    a,\n    b,\n)\n", (1, 5, 4, 2), "f ( a , b )"),  # trailing comma dropped
        ("x = f(a, b)\n", (1, 5, 1, 12), "f ( a , b )"),
        ("@retry(wait=w)\ndef f():\n    pass\n", (1, 1, 3, 9), "@ retry ( wait = w )"),
        ('s = """a\n   b"""\n', (1, 5, 2, 10), 's = """a b"""'[4:]),
        ("x = f(  # noqa: REL101\n a)\n", (1, 5, 2, 4), "f ( a )"),
        ("x = 1\n", (1, 5, 1, 5), "1"),  # an empty span: the rest of its line
        ("x = 1\n", (9, 1, 9, 2), ""),  # outside the file
        ("x = f(\n", (1, 5, 1, 8), "f("),  # does not tokenize: whitespace collapsed only
    ],
)
def test_normalised_text(source, span, expected):
    assert normalised_text(source, finding(span=span).span) == expected


def test_only_checked_files_can_have_stale_entries(tmp_path):
    other = finding(path="src/other.py", span=span_of(SOURCE, CALL))
    baseline = write_baseline(tmp_path / "b.json", [at(SOURCE), other], lambda p: SOURCE, cwd=tmp_path)
    partial = baseline.filter([at(SOURCE)], lambda p: SOURCE, checked=["src/app.py"], cwd=tmp_path)
    assert partial.stale == () and partial.baselined == 1
    clean = baseline.filter([], lambda p: SOURCE, checked=["src/app.py"], cwd=tmp_path)
    assert [e.path for e in clean.stale] == ["src/app.py"]
    everything = baseline.filter([at(SOURCE)], lambda p: SOURCE, cwd=tmp_path)
    assert [e.path for e in everything.stale] == ["src/other.py"]


def test_entries_after_a_pruned_gap_still_match(tmp_path):
    src = "".join("requests.get(url)\n" + "x = 1\n" * 5 for _ in range(4))
    lines = src.splitlines(keepends=True)
    del lines[6]  # the second call goes: its entry (index 1) is the stale one
    after = "".join(lines)
    baseline, result = run(
        tmp_path, src, after, [at(src, occurrence=i) for i in range(4)], [at(after, occurrence=i) for i in range(3)]
    )
    assert [e.line for e in result.stale] == [7]
    pruned = baseline.pruned(result.stale)
    again = pruned.filter([at(after, occurrence=i) for i in range(3)], lambda p: after, cwd=tmp_path)
    assert again.new == () and again.baselined == 3 and again.stale == ()


def test_many_findings_are_fast(tmp_path):
    import time

    src = "".join(f"requests.get(url{i})\n" for i in range(3000))
    every = [finding(path="src/app.py", span=(i + 1, 1, i + 1, len(f"requests.get(url{i})") + 1)) for i in range(3000)]
    baseline = write_baseline(tmp_path / "b.json", every[::2], lambda p: src, cwd=tmp_path)
    start = time.perf_counter()
    result = baseline.filter(every, lambda p: src, cwd=tmp_path)
    assert time.perf_counter() - start < 2.0
    assert len(result.new) == 1500 and result.baselined == 1500
