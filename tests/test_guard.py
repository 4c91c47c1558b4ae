"""parse_guard refuses what crashes or stalls libcst and accepts the near misses.

The near-miss tests also run libcst on the accepted text in a subprocess: an
accepted file must parse without crashing and well inside the time budget, so
these tests fail if a threshold is raised past what libcst survives.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest


from resilint.engine.guard import MAX_CHAIN, MAX_STRINGS, Refusal, assess


def expr(body: str) -> str:
    return "import requests\nrequests.get('u')\nx = " + body + "\n"


def nested(o: str, c: str, n: int, inner: str = "1") -> str:
    return expr(o * n + inner + c * n)


def chain(op: str, n: int, operand: str = "a") -> str:
    return expr(op.join([operand] * n))


def elifs(n: int) -> str:
    return "if a:\n    pass\n" + "elif a:\n    pass\n" * n


def blocks(n: int) -> str:
    return "".join("    " * i + "if a:\n" for i in range(n)) + "    " * n + "pass\n"


def in_blocks(n: int, code: str) -> str:
    """``code`` (one line per statement) as the body of ``n`` nested if-blocks."""
    lines = code.strip("\n").split("\n")
    return blocks(n).rsplit("pass", 1)[0] + ("\n" + "    " * n).join(lines) + "\n"


# The reproducers and the measured crash/hang sizes (MEASURED.md).
PATHOLOGICAL = {
    "and chain 10,000 (segfault)": chain(" and ", 10_000),
    "and chain 7,100 (segfault)": chain(" and ", 7_100),
    "binary 1+1 50,000 (hang)": chain(" + ", 50_000, "1"),
    "binary 1+1 2,000": chain(" + ", 2_000, "1"),
    "attribute 50,000 (hang)": expr("a" + ".b" * 50_000),
    "call chain 20,000 (hang)": expr("a" + "()" * 20_000),
    "method chain 5,000": expr("x" + ".f()" * 5_000),
    "subscript chain 5,000": expr("a" + "[0]" * 5_000),
    "lambdas 5,000 (hang/segfault)": expr("lambda: " * 5_000 + "1"),
    "lambdas 3,500 (segfault)": expr("lambda: " * 3_500 + "1"),
    "not 20,000": expr("not " * 20_000 + "a"),
    "unary minus 8,000 (hang)": expr("- " * 8_000 + "1"),
    "power 5,000": chain("**", 5_000, "2"),
    "ternary 5,000": chain(" if b else ", 5_000),
    "elif 50,000 (segfault)": elifs(50_000),
    "elif 8,300 (segfault)": elifs(8_300),
    "strings 3,100 (false syntax error)": chain(" ", 3_100, "'a'"),
    "150 calls around 10,000 elements (10 s)": nested("f(", ")", 150, "[" + ", ".join(["1"] * 10_000) + "]"),
    "list of 1M elements (hang)": expr("[" + ", ".join(["1"] * 1_000_000) + "]"),
    "200,000 simple lines (hang)": "".join(f"x{i} = {i}\n" for i in range(200_000)),
    "polynomial of 900 add links (1.4 s)": chain(" + ", 450, "3*a*b**2*c - 4*d*e"),
    "mixed: 1,400 lambdas + 1,000 and + 150 parens": nested("(", ")", 150, "lambda: " * 490 + " and ".join(["a"] * 1_000)),
}

SYNTAX = {  # CPython rejects these ("too many nested parentheses"): REL001, not REL003
    "calls 5,000": nested("f(", ")", 5_000),
    "lists 5,000": nested("[", "]", 5_000),
    "dicts 5,000": nested("{1:", "}", 5_000),
    "parens 5,000": nested("(", ")", 5_000),
    "parens 201": nested("(", ")", 201),
    "mixed 201": expr("f([{1: (" * 50 + "g(" + "1" + ")" + ")}])" * 50),
}

# Largest accepted sizes: the guard says yes, and libcst parses each quickly.
NEAR_MISS = {
    "and chain": chain(" and ", MAX_CHAIN),
    "binary 1+1": chain(" + ", MAX_CHAIN, "1"),
    "attribute": expr("a" + ".b" * (MAX_CHAIN - 1)),
    "call chain": expr("a" + "()" * (MAX_CHAIN - 1)),
    "method chain": expr("x" + ".f()" * (MAX_CHAIN // 2 - 1)),
    "lambdas": expr("lambda: " * (MAX_CHAIN // 2 - 1) + "1"),
    "unary": expr("- " * (MAX_CHAIN - 1) + "1"),
    "power": chain("**", MAX_CHAIN, "2"),
    "calls 200": nested("f(", ")", 200),
    "lists 200": nested("[", "]", 200),
    "dicts 200": nested("{1:", "}", 200),
    "elif 2,990": elifs(2_990),
    "blocks 99": blocks(99),
    "strings": chain(" ", MAX_STRINGS, "'a'"),
    "150 calls around 150 elements": nested("f(", ")", 150, "[" + ", ".join(["1"] * 150) + "]"),
    "polynomial of 450 add links": chain(" + ", 225, "3*a*b**2*c - 4*d*e"),
    "f-string fields": expr("f'{a!r:>{w}}' + " * 300 + "f\"{x['k'] + (y or z)}\""),
    "depth budget: near 3,000": in_blocks(90, nested("(", ")", 30, "lambda: " * 399 + "- " * 799 + " and ".join(["a"] * MAX_CHAIN))),
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_refuses_pathological(name: str) -> None:
    r = assess(PATHOLOGICAL[name])
    assert isinstance(r, Refusal) and r.kind == "limit", r
    assert r.line >= 1


@pytest.mark.parametrize("name", SYNTAX)
def test_cpython_nesting_limit_is_a_syntax_error(name: str) -> None:
    r = assess(SYNTAX[name])
    assert r == Refusal("too many nested parentheses", 3, "syntax")
    with pytest.raises(SyntaxError, match="too many nested parentheses"):
        compile(SYNTAX[name], "<t>", "exec")


PROBE = "import libcst, sys, time; s = sys.stdin.read(); t = time.perf_counter(); libcst.parse_module(s); print(time.perf_counter() - t)"


def test_near_misses_are_accepted_and_libcst_parses_them_quickly() -> None:
    for name, text in NEAR_MISS.items():
        assert assess(text) is None, name
    # all in one interpreter per text, two at a time: each must succeed in < 2 s
    procs = []
    for name, text in NEAR_MISS.items():
        p = subprocess.Popen([sys.executable, "-c", PROBE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        p.stdin.write(text)
        p.stdin.close()
        procs.append((name, p))
        if len(procs) >= 2:
            _finish(*procs.pop(0))
    for item in procs:
        _finish(*item)


def _finish(name: str, p: subprocess.Popen) -> None:
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail(f"{name}: libcst took more than 20 s")
    assert p.returncode == 0, (name, p.returncode, p.stderr.read()[-300:])
    secs = float(p.stdout.read())
    assert secs < 2.0, (name, secs)


def test_one_past_each_limit_is_refused() -> None:
    assert assess(in_blocks(99, nested("(", ")", 30, "lambda: " * 399 + "- " * 799 + " and ".join(["a"] * MAX_CHAIN)))) is not None
    assert assess(chain(" and ", MAX_CHAIN + 1)) is not None
    assert assess(expr("a" + ".b" * (MAX_CHAIN + 1))) is not None
    assert assess(expr("lambda: " * (MAX_CHAIN // 2 + 1) + "1")) is not None
    assert assess(chain(" ", MAX_STRINGS + 1, "'a'")) is not None
    assert assess(nested("(", ")", 201)) is not None


def test_precedence_is_not_fooled() -> None:
    # a unary minus or an exponent sign must not break a multiplication chain
    assert assess(chain("*", 1_500, "a*1e-5")) is not None
    assert assess(chain(" * ", 1_200, "-a")) is not None
    assert assess(expr(" * ".join(["a"] * 1_200) + " + 1")) is not None
    # ... and brackets, strings and comments are skipped correctly
    assert assess(expr("'(((' + \"[[[\" + '''{{{''' # ((((\n")) is None
    assert assess("return\"(\"\n" * 500 + "x = 1\n") is None
    assert assess(expr("f'{" + "(" * 600 + "1" + ")" * 600 + "}'")) is not None


def test_refusal_names_the_line() -> None:
    text = "a = 1\n" * 6 + "x = " + " and ".join(["a"] * 5_000) + "\n"
    r = assess(text)
    assert r is not None and r.line == 7
    assert r.reason.startswith("an expression chain of more than 800 operands at line 7")


def test_real_code_sample_is_accepted_cheaply() -> None:
    root = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    files = sorted(root.glob("*.py"))[:150]
    assert len(files) > 100
    t = time.perf_counter()
    for f in files:
        assert assess(f.read_text(encoding="utf-8", errors="replace")) is None, f
    assert time.perf_counter() - t < 5
