"""Slow fuzz job: extreme shapes by size through the installed CLI.

hypothesmith's programs are far too small to reach what crashes or stalls
libcst (thousands of operands, thousands of nesting levels, megabytes), so this
generates them: every shape of the fuzzing report at sizes from harmless to
far past every guard limit, plus random mixtures of them, each placed in a
folder with good files. Every run is made with ``--jobs 1`` and ``--jobs 2``
and must

* finish (no hang: the wall time is bounded by the per-file budget),
* exit 0 or 1 (findings) -- never 2 (an error line) or a signal,
* report each good file exactly as a run without the bad file does,
* give the bad file a finding (any code) or nothing -- never a traceback.

Usage: python benchmarks/robustness/fuzz_shapes.py [--seed N] [--mixtures N] [--budget S] [--quick]
Prints one line per case and the totals (files, crashes, hangs, lost runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TRIGGER = "import requests\nrequests.get('u')\n"
GOOD = {f"good{i}.py": f"import requests\n\ndef f{i}(u):\n    return requests.get(u{', timeout=1' if i % 2 else ''})\n" for i in range(12)}


def expr(body: str) -> str:
    return TRIGGER + "x = " + body + "\n"


SHAPES: dict[str, Callable[[int], str]] = {
    "and": lambda n: expr(" and ".join(["a"] * n)),
    "plus": lambda n: expr(" + ".join(["1"] * n)),
    "power": lambda n: expr("**".join(["2"] * n)),
    "ternary": lambda n: expr(" if b else ".join(["a"] * n)),
    "attr": lambda n: expr("a" + ".b" * n),
    "callchain": lambda n: expr("a" + "()" * n),
    "methods": lambda n: expr("x" + ".f()" * n),
    "subscripts": lambda n: expr("a" + "[0]" * n),
    "calls": lambda n: expr("f(" * n + "1" + ")" * n),
    "lists": lambda n: expr("[" * n + "1" + "]" * n),
    "dicts": lambda n: expr("{1:" * n + "1" + "}" * n),
    "parens": lambda n: expr("(" * n + "1" + ")" * n),
    "lambdas": lambda n: expr("lambda: " * n + "1"),
    "not": lambda n: expr("not " * n + "a"),
    "unary": lambda n: expr("- " * n + "1"),
    "strings": lambda n: expr(" ".join(["'a'"] * n)),
    "fstrings": lambda n: expr("f'{" * min(n, 150) + "1" + "}'" * min(n, 150)),
    "elif": lambda n: TRIGGER + "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "blocks": lambda n: TRIGGER + "".join("    " * i + "if a:\n" for i in range(min(n, 120))) + "    " * min(n, 120) + "pass\n",
    "imports": lambda n: TRIGGER + "import " + ".".join(["a"] * n) + "\n",
    "comprehension": lambda n: expr("[x " + " ".join(["for x in y"] * n) + "]"),
    "list": lambda n: expr("[" + ", ".join(["1"] * (n * 100)) + "]"),
    "lines": lambda n: TRIGGER + "".join(f"x{i} = {i}\n" for i in range(n * 20)),
    "nested_list_in_calls": lambda n: expr("f(" * min(n, 190) + "[" + ", ".join(["1"] * 2_000) + "]" + ")" * min(n, 190)),
    "polynomial": lambda n: expr(" + ".join(["3*a*b**2*c - 4*d*e"] * n)),
    "continued": lambda n: TRIGGER + "x = (\n" + " and\n".join(["    a"] * n) + "\n)\n",
    "defs": lambda n: TRIGGER + "".join(f"def f{i}(u):\n    return requests.get(u)\n" for i in range(n * 5)),
}
SIZES = [10, 100, 500, 800, 1_000, 2_000, 5_000, 10_000, 50_000]
QUICK_SIZES = [100, 1_000, 10_000]


def run_cli(folder: Path, jobs: int, budget: float, files: list[str]) -> tuple[int, dict | None, str, float]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("RESILINT_AI_ASSISTED", None)
    exe = str(Path(sys.executable).with_name("resilint"))
    start = time.monotonic()
    proc = subprocess.run(
        [exe, "check", "--no-cache", "--format", "json", "--jobs", str(jobs), "--file-timeout", str(budget), *files],
        cwd=folder, capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    elapsed = time.monotonic() - start
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report = None
    return proc.returncode, report, proc.stderr, elapsed


def good_findings(report: dict) -> list[tuple]:
    return sorted((f["path"], f["line"], f["column"], f["code"]) for f in report["findings"] if f["path"] in GOOD)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mixtures", type=int, default=20)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="resilint-fuzz-"))
    (work / "pyproject.toml").write_text("[tool.resilint]\n")
    for name, text in GOOD.items():
        (work / name).write_text(text)
    rc, clean, err, _ = run_cli(work, 1, args.budget, list(GOOD))
    assert clean is not None and rc in (0, 1), err
    expected = good_findings(clean)
    cases: list[tuple[str, str]] = []
    for shape, make in SHAPES.items():
        for n in QUICK_SIZES if args.quick else SIZES:
            cases.append((f"{shape}-{n}", make(n)))
    for i in range(args.mixtures):  # a shape inside another, at random sizes
        a, b = rng.sample(sorted(SHAPES), 2)
        inner = SHAPES[a](rng.choice(SIZES)).split("x = ", 1)[-1].rstrip("\n")
        outer = SHAPES[b](rng.choice([10, 100, 1_000]))
        cases.append((f"mix{i}-{a}-in-{b}", outer.replace("x = ", f"x = ({inner})\ny = ", 1) if "x = " in outer else outer + f"z = ({inner})\n"))
    totals = {"files": 0, "crashes": 0, "hangs": 0, "lost": 0, "errors": 0, "findings": {}}
    for name, text in cases:
        bad = f"bad_{name}.py"
        (work / bad).write_text(text)
        for jobs in (1, 2):
            rc, report, err, elapsed = run_cli(work, jobs, args.budget, [bad, *GOOD])
            totals["files"] += 1
            outcome = "ok"
            if rc < 0 or rc > 2:
                totals["crashes"] += 1
                outcome = f"CRASH rc={rc}"
            elif report is None or "Traceback" in err:
                totals["lost"] += 1
                outcome = "LOST (no report)"
            elif rc == 2:
                totals["errors"] += 1
                outcome = "ERROR LINE: " + err.strip().splitlines()[-1][:120]
            elif good_findings(report) != expected:
                totals["lost"] += 1
                outcome = "GOOD FILES CHANGED"
            if elapsed > args.budget * 2 + 15:
                totals["hangs"] += 1
                outcome += f" HANG {elapsed:.0f}s"
            codes = sorted({f["code"] for f in (report or {}).get("findings", []) if f["path"] == bad})
            for code in codes:
                totals["findings"][code] = totals["findings"].get(code, 0) + 1
            print(f"{name:40} j{jobs} {len(text):>9} chars {elapsed:6.1f}s {','.join(codes) or '-':14} {outcome}", flush=True)
        (work / bad).unlink()
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(totals))
    return 0 if not (totals["crashes"] or totals["hangs"] or totals["lost"] or totals["errors"]) else 1


if __name__ == "__main__":
    sys.exit(main())
