"""The parse guard on real code: how many real files it refuses and what it costs
next to libcst's parse of the same files.

Usage: python benchmarks/robustness/guard_realcode.py [--libcst-sample N] [ROOT ...]
Default roots: this interpreter's standard library and site-packages. Guard time
is measured on every file; libcst on a random sample of N files (default 1,500;
0 = every file).
"""

from __future__ import annotations

import argparse
import random
import sys
import sysconfig
import time
import tokenize
from pathlib import Path

from resilint.engine.guard import scan


def read(p: Path) -> str | None:
    try:
        with tokenize.open(p) as f:
            return f.read()
    except (SyntaxError, UnicodeDecodeError, OSError):
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--libcst-sample", type=int, default=1500)
    ap.add_argument("roots", nargs="*", type=Path)
    args = ap.parse_args()
    roots = args.roots or [Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])]
    files = sorted({p for root in roots for p in root.rglob("*.py") if p.is_file()})
    texts = [(p, t) for p in files if (t := read(p)) is not None]
    per_file: dict[Path, float] = {}
    refused = []
    for p, t in texts:
        t0 = time.perf_counter()
        r = scan(t).refusal
        per_file[p] = time.perf_counter() - t0
        if r is not None:
            refused.append((p, r))
    lines = sum(t.count("\n") for _, t in texts)
    print(f"files: {len(texts)}  lines: {lines:,}  refused: {len(refused)}  guard total: {sum(per_file.values()):.2f} s")
    for p, r in refused:
        print("  REFUSED", p, r)
    import libcst

    sample = texts if not args.libcst_sample else random.Random(1).sample(texts, min(args.libcst_sample, len(texts)))
    cst_total = g_total = 0.0
    for p, t in sample:
        if p in dict(refused):
            continue
        t0 = time.perf_counter()
        try:
            libcst.parse_module(t)
        except Exception:  # noqa: BLE001, S112 - Python 2 files, test data with bad syntax
            continue
        cst_total += time.perf_counter() - t0
        g_total += per_file[p]
    print(f"libcst on the sample: {cst_total:.1f} s; guard on the same files: {g_total:.2f} s = {100 * g_total / cst_total:.2f} %")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
