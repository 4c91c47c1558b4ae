"""The parse guard (engine/guard.py) refuses what crashes or stalls libcst and accepts the near misses.

The near-miss tests also run libcst on the accepted text in a subprocess: an
accepted file must parse without crashing and well inside the time budget, so
these tests fail if a threshold is raised past what libcst survives.
"""

from __future__ import annotations

import json
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


# The reproducers and the measured crash/hang sizes (notes/robustness.md).
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


PROBE = r"""
import json, sys, time
from pathlib import Path
from resilint.config.settings import Config
from resilint.engine.core import Engine
engine = Engine(Config(root=Path.cwd()))
texts = json.load(sys.stdin)
reference = "import requests\n" + "".join(f"def f{i}(a, b=None):\n    return g(a, [b, {i}], key='v') + h.x(a)\n" for i in range(1000))
t = time.perf_counter()
engine.check_source(reference, "reference.py")
print("reference", time.perf_counter() - t, "", sep="\n", flush=True)
for name, text in texts.items():
    print(name, flush=True)  # a crash names the shape it died on
    t = time.perf_counter()
    if not text.startswith("import requests"):
        text = "import requests\nrequests.get('u')\n" + text  # a trigger, so the file is parsed and walked
    result = engine.check_source(text, "near.py")
    print(time.perf_counter() - t, flush=True)
    print(",".join(sorted({f.code for f in result.findings} | {"error" for _ in result.errors})), flush=True)
"""


def test_near_misses_are_accepted_and_libcst_parses_them_quickly() -> None:
    """Every accepted near miss is checked by the real engine in one process (a
    segfault fails the test naming the shape): it is analysed (no REL003, so no
    RecursionError in names, rules or positions either), and within 15x the time
    of an ordinary 2,000-line module checked by the same process (~0.2 s idle
    here; relative, so a loaded machine does not fail it)."""
    for name, text in NEAR_MISS.items():
        assert assess(text) is None, name
    run = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps(NEAR_MISS), capture_output=True, text=True, timeout=180, check=False)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, (f"died after {lines[-3:]}", run.returncode, run.stderr[-300:])
    rows = [lines[i : i + 3] for i in range(0, len(lines), 3)]
    reference = float(rows[0][1])
    times = {name: float(secs) for name, secs, _ in rows[1:]}
    codes = {name: found for name, _, found in rows[1:]}
    assert sorted(times) == sorted(NEAR_MISS)
    assert {name: found for name, found in codes.items() if "REL003" in found or "error" in found} == {}
    slow = {name: round(secs / reference, 1) for name, secs in times.items() if secs > 15 * reference}
    assert not slow, (reference, slow)


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
