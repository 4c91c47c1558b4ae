"""Property tests (hypothesis, hypothesmith) over the parse guard and the engine,
with bounded examples so the suite stays fast. The extreme sizes these generators
never reach are in benchmarks/robustness/fuzz_shapes.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilint.config.settings import Config
from resilint.engine.core import Engine
from resilint.engine.guard import MAX_CHAIN, scan

hypothesmith = pytest.importorskip("hypothesmith")

TRIGGER = "import requests\nrequests.get(u)\n"
ENGINE = Engine(Config(root=Path(__file__).resolve().parent))
BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Line fragments that exercise the simple-line fast path: plain statements,
# brackets, strings (also with brackets inside), comments, f-strings, continuation
# lines, block openers, elif/else, and long chains.
FRAGMENTS = st.sampled_from(
    [
        "x = 1",
        "y = f(a, [b, {c: d}])  # comment (",
        "s = 'a(' + \"b[\" + r'\\'{'",
        "t = f'{a + (b * c)}' + fr\"{d!r:>{w}}\"",
        "if a:",
        "elif b:",
        "else:",
        "for i in range(3):",
        "z = (1 +",
        "     2)",
        "w = 1 + \\",
        "    2",
        "def g(a, b=None, *c, **d): return a and b or c",
        "v = lambda q: q.attr.other()[0]",
        "u = " + " + ".join(["a"] * 200),
        "m = " + "(" * 3 + "1" + ")" * 3,
        "'''doc",
        "string'''",
        "pass",
        "",
        "# only a comment",
    ]
)


@st.composite
def programs(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.tuples(st.integers(0, 3), FRAGMENTS), max_size=60))
    repeat = draw(st.integers(1, 40))
    body = "\n".join("    " * level + text for level, text in lines)
    return body * repeat if draw(st.booleans()) else body


@BOUNDED
@given(programs())
def test_the_fast_path_never_refuses_less(text: str) -> None:
    """Skipping simple lines only ever over-counts: whatever the full token scan
    refuses, the default scan refuses too."""
    slow, fast = scan(text, fast=False), scan(text, fast=True)
    if slow.refusal is not None:
        assert fast.refusal is not None, slow.refusal


@BOUNDED
@given(st.integers(MAX_CHAIN - 5, MAX_CHAIN + 5), st.sampled_from([" and ", " + ", " * ", " or ", " | "]), st.integers(0, 30))
def test_chains_over_many_simple_lines_are_counted(n: int, op: str, padding: int) -> None:
    """A chain split over lines inside brackets is one statement whatever the fast path does."""
    text = "x = 1\n" * padding + "y = (\n" + f"{op}\n".join(["a"] * n) + "\n)\n" + "z = 2\n" * padding
    assert (scan(text).refusal is not None) == (n > MAX_CHAIN)


@BOUNDED
@given(hypothesmith.from_grammar())
def test_generated_programs_check_without_engine_errors(source: str) -> None:
    """Valid programs (CPython's grammar) with a trigger: the check never raises, no
    rule crashes (REL002), and the syntax error finding (REL001) never appears."""
    result = ENGINE.check_source(TRIGGER + source, "gen.py")
    codes = {f.code for f in result.findings}
    assert "REL002" not in codes and "REL001" not in codes, result.findings
    assert result.errors == ()


@BOUNDED
@given(st.text(max_size=400))
def test_arbitrary_text_is_a_finding_or_nothing(source: str) -> None:
    result = ENGINE.check_source(TRIGGER + source, "text.py")
    assert "REL002" not in {f.code for f in result.findings}
    assert result.errors == ()
