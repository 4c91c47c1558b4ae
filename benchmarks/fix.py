"""``resilint check --fix`` on real code: time against a plain check, and the round
trip on every fixable finding.

Each checkout under ``--checkouts`` (default /work/realcode) is copied to a temporary
folder (never edited in place) and:

1. checked (``--format json --no-cache``): the findings, and how many carry a fix;
2. fixed with ``--fix --unsafe-fixes --fix-ai`` (every fix, the most work), timed
   against step 1's time;
3. every changed file re-parsed (CPython's ``ast`` and libcst): unparsable results
   are counted (the target is 0);
4. checked again: findings fixed, new findings (a code on a file that did not have
   that many before), fixable findings left;
5. fixed again: files changed by the second run (the target is 0).

Usage: python benchmarks/fix.py [--checkouts DIR] [--resilint PATH] [--jobs N]
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import libcst as cst


def run(resilint: str, folder: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run([resilint, "check", "--no-cache", *args, "."], cwd=folder, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def findings(resilint: str, folder: Path, jobs: list[str]) -> tuple[float, list[dict]]:
    seconds, proc = run(resilint, folder, "--format", "json", *jobs)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{folder}: check failed: {proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout)["findings"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*.py") if p.is_file() and ".git" not in p.parts}


def parse_error(data: bytes) -> str | None:
    try:
        ast.parse(data)
        cst.parse_module(data)
    except Exception as exc:  # noqa: BLE001 - any failure counts
        return f"{type(exc).__name__}: {exc}"
    return None


def unparsable(folder: Path, changed: list[str], old: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Changed files that parsed before and do not now, and those that did not parse
    before either (this Python rejects them: e.g. PEP 758's `except A, B:` before 3.14)."""
    bad, before = [], []
    for name in changed:
        error = parse_error((folder / name).read_bytes())
        if error is None:
            continue
        (before if parse_error(old[name]) is not None else bad).append(f"{name}: {error}")
    return bad, before


def measure(resilint: str, checkout: Path, jobs: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / checkout.name
        shutil.copytree(checkout, folder, symlinks=True, ignore=shutil.ignore_patterns(".git", "node_modules", ".resilint_cache"))
        subprocess.run(["git", "init", "-q"], cwd=folder, check=True)  # discovery as in a checkout (gitignore honoured)
        subprocess.run(["git", "add", "-A"], cwd=folder, check=True, capture_output=True)
        plain_seconds, before = findings(resilint, folder, jobs)
        old = snapshot(folder)
        fix_seconds, proc = run(resilint, folder, "--fix", "--unsafe-fixes", "--fix-ai", *jobs)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{checkout.name}: --fix failed: {proc.stderr[-2000:]}")
        new = snapshot(folder)
        changed = sorted(name for name in new if old.get(name) != new[name])
        bad, already = unparsable(folder, changed, old)
        _, after = findings(resilint, folder, jobs)
        fixed_now = snapshot(folder)
        run(resilint, folder, "--fix", "--unsafe-fixes", "--fix-ai", *jobs)
        second = sorted(name for name, data in snapshot(folder).items() if fixed_now.get(name) != data)
        per_file_before = Counter((f["path"], f["code"]) for f in before)
        per_file_after = Counter((f["path"], f["code"]) for f in after)
        new_findings = per_file_after - per_file_before
        return {
            "project": checkout.name,
            "files_changed": len(changed),
            "findings": len(before),
            "fixable": sum(1 for f in before if f["fixable"]),
            "safe": sum(1 for f in before if f["fix_safety"] == "safe"),
            "fixed": len(before) - len(after) + sum(new_findings.values()),
            "fixable_left": sum(1 for f in after if f["fixable"]),
            "new_findings": sorted(f"{p}: {c}" for (p, c), n in new_findings.items() for _ in range(n)),
            "unparsable": bad,
            "unparsable_before_too": already,
            "second_run_changed": second,
            "plain_seconds": round(plain_seconds, 2),
            "fix_seconds": round(fix_seconds, 2),
            "by_code": dict(sorted(Counter(f["code"] for f in before if f["fixable"]).items())),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkouts", type=Path, default=Path("/work/realcode"))
    parser.add_argument("--resilint", default=shutil.which("resilint") or "resilint")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--only", nargs="*", default=None, help="checkout folder names")
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    rows = []
    for checkout in sorted(p for p in args.checkouts.iterdir() if p.is_dir()):
        if args.only and checkout.name not in args.only:
            continue
        row = measure(args.resilint, checkout, jobs)
        rows.append(row)
        print(json.dumps(row), flush=True)
    plain = sum(r["plain_seconds"] for r in rows)
    fix = sum(r["fix_seconds"] for r in rows)
    print(
        f"TOTAL fixable={sum(r['fixable'] for r in rows)} fixed={sum(r['fixed'] for r in rows)} "
        f"fixable_left={sum(r['fixable_left'] for r in rows)} new={sum(len(r['new_findings']) for r in rows)} "
        f"unparsable={sum(len(r['unparsable']) for r in rows)} second_run_changed={sum(len(r['second_run_changed']) for r in rows)} "
        f"plain={plain:.1f}s fix={fix:.1f}s ratio={fix / plain:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
