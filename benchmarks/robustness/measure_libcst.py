"""Measure where libcst 1.9's native parser crashes or slows down, so that
the parse guard's thresholds (src/resilint/engine/guard.py) rest on numbers rather than guesses.

Every probe runs in a fresh subprocess because the interesting outcome is a
segfault (a C-stack overflow in the Rust parser), which would take this
script down with it.  Results go to measured.json beside it; notes/robustness.md is written from
them (plus the hand-written conclusions there).

Usage: python benchmarks/robustness/measure_libcst.py [--quick] [shape ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TIMEOUT = 30.0  # seconds per probe; anything slower is "slow", which the guard must refuse anyway

# What a probe subprocess runs.  mode "libcst": parse (and optionally walk the
# tree with a visitor, which recurses in Python); "ast": ast.parse + compile;
# "thread": libcst in a thread with a 256 MiB stack.
PROBE = r"""
import sys, time
mode, path = sys.argv[1], sys.argv[2]
src = open(path, encoding="utf-8").read()
if mode == "ast":
    import ast
    for step in ("ast.parse", "compile"):
        try:
            t = time.perf_counter()
            (ast.parse if step == "ast.parse" else lambda s: compile(s, path, "exec"))(src)
            print(step, "ok", round(time.perf_counter() - t, 3))
        except BaseException as e:
            print(step, type(e).__name__ + ":", str(e)[:80])
            break
    sys.exit(0)
import libcst
if mode == "thread":
    import threading
    threading.stack_size(256 * 1024 * 1024)
    out = {}
    def run():
        t = time.perf_counter(); libcst.parse_module(src); out["t"] = time.perf_counter() - t
    th = threading.Thread(target=run); th.start(); th.join()
    print("parse", "ok", round(out["t"], 3))
    sys.exit(0)
t = time.perf_counter()
mod = libcst.parse_module(src)
print("parse", "ok", round(time.perf_counter() - t, 3))
if mode == "visit":
    try:
        mod.visit(libcst.CSTVisitor()); print("visit", "ok")
    except RecursionError:
        print("visit", "RecursionError")
"""


def _wrap(body: str) -> str:
    return "import requests\nrequests.get('u')\nx = " + body + "\n"


# name -> (generator, what n counts)
SHAPES: dict[str, tuple[Callable[[int], str], str]] = {
    "calls f(f(..))": (lambda n: _wrap("f(" * n + "1" + ")" * n), "depth"),
    "lists [[..]]": (lambda n: _wrap("[" * n + "1" + "]" * n), "depth"),
    "dicts {1:{1:..}}": (lambda n: _wrap("{1:" * n + "1" + "}" * n), "depth"),
    "parens ((..))": (lambda n: _wrap("(" * n + "1" + ")" * n), "depth"),
    "lambdas": (lambda n: _wrap("lambda: " * n + "1"), "depth"),
    "not not ..": (lambda n: _wrap("not " * n + "a"), "depth"),
    "unary - - ..": (lambda n: _wrap("- " * n + "1"), "depth"),
    "power 2**2**..": (lambda n: _wrap("**".join(["2"] * n)), "operands"),
    "ternary chain": (lambda n: _wrap(" if b else ".join(["a"] * n)), "operands"),
    "if/elif chain": (lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n, "branches"),
    "and chain": (lambda n: _wrap(" and ".join(["a"] * n)), "operands"),
    "binary 1+1+..": (lambda n: _wrap(" + ".join(["1"] * n)), "operands"),
    "compare a<a<..": (lambda n: _wrap(" < ".join(["a"] * n)), "operands"),
    "attribute a.b.b..": (lambda n: _wrap("a" + ".b" * n), "trailers"),
    "call chain a()()..": (lambda n: _wrap("a" + "()" * n), "trailers"),
    "method chain x.f().f()..": (lambda n: _wrap("x" + ".f()" * n), "trailers"),
    "subscript a[0][0]..": (lambda n: _wrap("a" + "[0]" * n), "trailers"),
    "string concat 'a' 'a'..": (lambda n: _wrap(" ".join(["'a'"] * n)), "strings"),
    "comprehension fors": (lambda n: _wrap("[x" + " for x in a" * n + "]"), "clauses"),
    "dotted import a.b.b..": (lambda n: "import a" + ".b" * n + "\n", "names"),
    "nested blocks": (lambda n: "".join("    " * i + "if a:\n" for i in range(n)) + "    " * n + "pass\n", "depth"),
}

# Flat shapes: only time versus size matters.
FLAT: dict[str, tuple[Callable[[int], str], str]] = {
    "flat list [1, 1, ..]": (lambda n: _wrap("[" + ", ".join(["1"] * n) + "]"), "elements"),
    "simple statements": (lambda n: "".join(f"x{i} = {i}\n" for i in range(n)), "lines"),
    "calls nested 150 around a list": (lambda n: _wrap("f(" * 150 + "[" + ", ".join(["1"] * n) + "]" + ")" * 150), "elements"),
}


@dataclass
class Probe:
    n: int
    outcome: str  # "ok", "crash(SIG)", "timeout", "error: ..."
    seconds: float | None
    extra: str = ""


def probe(src: str, mode: str = "libcst", timeout: float = TIMEOUT) -> Probe:
    """Run one parse in a fresh interpreter and classify how it ended."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as f:
        f.write(src)
    try:
        t = time.perf_counter()
        try:
            p = subprocess.run([PYTHON, "-c", PROBE, mode, f.name], capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Probe(0, "timeout", None)
        wall = time.perf_counter() - t
        if p.returncode < 0:
            return Probe(0, f"crash(signal {-p.returncode})", round(wall, 3))
        if p.returncode != 0:
            last = (p.stderr.strip().splitlines() or ["?"])[-1]
            return Probe(0, "error: " + last[:100], round(wall, 3))
        lines = p.stdout.strip().splitlines()
        if mode == "ast":
            return Probe(0, "; ".join(lines), None)
        secs = float(lines[0].split()[2])
        return Probe(0, "ok", secs, "; ".join(lines[1:]))
    finally:
        os.unlink(f.name)


SIZES = [50, 100, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10_000, 20_000, 50_000, 100_000]


def sweep(name: str, gen: Callable[[int], str], sizes: list[int], mode: str = "libcst") -> dict:
    """Grow n until the parse crashes or exceeds TIMEOUT, then bisect the boundary."""
    points: list[Probe] = []
    last_ok, first_bad = 0, None
    for n in sizes:
        r = probe(gen(n), mode)
        r.n = n
        points.append(r)
        if r.outcome == "ok" and (r.seconds or 0) < TIMEOUT / 2:
            last_ok = n
            continue
        if r.outcome == "ok":
            last_ok = n
        else:
            first_bad = n
        break
    boundary = None
    if first_bad is not None and last_ok:
        lo, hi = last_ok, first_bad
        bad_outcome = points[-1].outcome
        while hi - lo > max(2, lo // 50):
            mid = (lo + hi) // 2
            r = probe(gen(mid), mode)
            r.n = mid
            points.append(r)
            if r.outcome == "ok":
                lo = mid
            else:
                hi, bad_outcome = mid, r.outcome
        boundary = {"last_ok": lo, "first_bad": hi, "bad_outcome": bad_outcome}
    # what CPython says at the first failing size (and at the last good one)
    cpython = {}
    for n in {x for x in (last_ok, first_bad) if x}:
        cpython[n] = probe(gen(n), "ast").outcome
    points.sort(key=lambda p: p.n)
    return {"name": name, "points": [asdict(p) for p in points], "boundary": boundary, "cpython": cpython}


def thread_stack_check() -> list[dict]:
    """Does a 256 MiB thread stack avoid the crash, and what does the parse cost then?"""
    cases = [
        ("and chain", 10_000), ("and chain", 50_000), ("calls f(f(..))", 3_000),
        ("lists [[..]]", 5_000), ("lambdas", 5_000), ("if/elif chain", 50_000),
    ]
    out = []
    for name, n in cases:
        gen = SHAPES[name][0]
        main = probe(gen(n), "libcst", timeout=120)
        thr = probe(gen(n), "thread", timeout=120)
        out.append({"shape": name, "n": n, "main_thread": asdict(main), "thread_256MiB": asdict(thr)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("shapes", nargs="*")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-thread", action="store_true")
    args = ap.parse_args()
    path = HERE / "measured.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    todo = {k: v for k, v in SHAPES.items() if not args.shapes or k in args.shapes}
    flat = {k: v for k, v in FLAT.items() if not args.shapes or k in args.shapes}
    with ThreadPoolExecutor(args.jobs) as ex:
        futs = {k: ex.submit(sweep, k, g, SIZES) for k, (g, _) in todo.items()}
        ffuts = {k: ex.submit(sweep, k, g, [10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]) for k, (g, _) in flat.items()}
        for k, f in futs.items():
            data.setdefault("shapes", {})[k] = f.result() | {"unit": SHAPES[k][1]}
            print(k, data["shapes"][k]["boundary"], flush=True)
        for k, f in ffuts.items():
            data.setdefault("flat", {})[k] = f.result() | {"unit": FLAT[k][1]}
            print(k, [(p["n"], p["outcome"], p["seconds"]) for p in data["flat"][k]["points"]], flush=True)
    if not args.no_thread and not args.shapes:
        data["thread"] = thread_stack_check()
    path.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    sys.exit(main())
