#!/usr/bin/env python3
"""Re-score the hand-judged real-code sample (benchmarks/realcode/judged.csv).

Each repository in repos.toml must be extracted at CHECKOUTS/<owner>+<name> at the
recorded commit (see README.md).  For every checkout, resilint runs with JSON output
and its findings are matched to the judgements by (repo, path, line, code).

    python benchmarks/realcode/score.py --checkouts /work/realcode
    python benchmarks/realcode/score.py --checkouts DIR --resilint "python -m resilint"

Prints, per code: judged findings still reported and their precision
(tp / (tp + fp + debatable), debatable counted against, and tp / (tp + fp)),
judged tp no longer reported (lost true positives, listed), judged fp/debatable
no longer reported (fixed), and reported findings without a judgement (to judge).
Stdlib only; always exits 0.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import shlex
import subprocess
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

HERE = os.path.dirname(os.path.abspath(__file__))


def load_repos(path):
    if tomllib is not None:
        with open(path, "rb") as f:
            return [(r["name"], r["commit"]) for r in tomllib.load(f)["repo"]]
    # minimal fallback: name = "..." / commit = "..." lines
    repos, name = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("name = "):
                name = line.split("=", 1)[1].strip().strip('"')
            elif line.startswith("commit = ") and name:
                repos.append((name, line.split("=", 1)[1].strip().strip('"')))
                name = None
    return repos


def load_judged(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run_resilint(cmd, checkout, jobs, timeout):
    argv = shlex.split(cmd) + ["check", ".", "--format", "json", "--no-cache",
                               "--no-git-provenance", "--jobs", str(jobs)]
    try:
        proc = subprocess.run(argv, cwd=checkout, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, "could not run resilint: %s" % exc
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        return None, "resilint exit %d, no JSON: %s" % (proc.returncode, proc.stderr.strip()[:300])
    note = ""
    if report.get("errors"):
        note = "resilint reported %d error(s), e.g. %s" % (
            len(report["errors"]), report["errors"][0])
    return report.get("findings", []), note


def fmt(x):
    return "-" if x is None else "%.2f" % x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkouts", required=True,
                    help="folder holding one extracted checkout per repo, named owner+name")
    ap.add_argument("--resilint", default="resilint",
                    help="command that runs resilint (default: resilint from PATH)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per repository")
    ap.add_argument("--repos", default=os.path.join(HERE, "repos.toml"))
    ap.add_argument("--judged", default=os.path.join(HERE, "judged.csv"))
    args = ap.parse_args(argv)

    repos = load_repos(args.repos)
    judged = load_judged(args.judged)
    verdict = {(j["repo"], j["path"], int(j["line"]), j["code"]): j for j in judged}

    reported = set()          # (repo, path, line, code) reported now
    scanned = set()           # repos that were run
    per_code_reported = collections.Counter()
    for name, commit in repos:
        checkout = os.path.join(args.checkouts, name.replace("/", "+", 1))
        if not os.path.isdir(checkout):
            print("skip %s: no checkout at %s (expected commit %s)" % (name, checkout, commit))
            continue
        findings, note = run_resilint(args.resilint, checkout, args.jobs, args.timeout)
        if findings is None:
            print("skip %s: %s" % (name, note))
            continue
        scanned.add(name)
        print("ran  %s: %d findings%s" % (name, len(findings), ("; " + note) if note else ""))
        for f in findings:
            key = (name, f["path"].replace(os.sep, "/"), int(f["line"]), f["code"])
            reported.add(key)
            per_code_reported[f["code"]] += 1

    rows = collections.defaultdict(lambda: collections.Counter())
    lost, fixed = [], []
    for key, j in verdict.items():
        repo, _, _, code = key
        if repo not in scanned:
            continue
        v = j["verdict"]
        if key in reported:
            rows[code][v] += 1
        elif v == "tp":
            lost.append(j)
            rows[code]["lost_tp"] += 1
        else:
            fixed.append(j)
            rows[code]["fixed"] += 1
    unjudged = collections.Counter(k[3] for k in reported if k not in verdict)

    codes = sorted(set(rows) | set(per_code_reported))
    head = ("code", "reported", "judged", "tp", "fp", "deb", "P(tp/all)", "P(tp/tp+fp)",
            "lost_tp", "fixed", "to_judge")
    print()
    print("%-7s %8s %6s %4s %4s %4s %10s %12s %7s %6s %8s" % head)
    tot = collections.Counter()
    for code in codes:
        r = rows[code]
        tp, fp, deb = r["tp"], r["fp"], r["debatable"]
        judged_now = tp + fp + deb
        p_all = tp / judged_now if judged_now else None
        p_strict = tp / (tp + fp) if tp + fp else None
        print("%-7s %8d %6d %4d %4d %4d %10s %12s %7d %6d %8d" % (
            code, per_code_reported[code], judged_now, tp, fp, deb, fmt(p_all), fmt(p_strict),
            r["lost_tp"], r["fixed"], unjudged[code]))
        for k, v in (("reported", per_code_reported[code]), ("judged", judged_now), ("tp", tp),
                     ("fp", fp), ("deb", deb), ("lost_tp", r["lost_tp"]), ("fixed", r["fixed"]),
                     ("to_judge", unjudged[code])):
            tot[k] += v
    jt = tot["judged"]
    print("%-7s %8d %6d %4d %4d %4d %10s %12s %7d %6d %8d" % (
        "all", tot["reported"], jt, tot["tp"], tot["fp"], tot["deb"],
        fmt(tot["tp"] / jt if jt else None),
        fmt(tot["tp"] / (tot["tp"] + tot["fp"]) if tot["tp"] + tot["fp"] else None),
        tot["lost_tp"], tot["fixed"], tot["to_judge"]))

    if lost:
        print("\nlost true positives (judged tp, no longer reported):")
        for j in sorted(lost, key=lambda j: (j["code"], j["repo"], j["path"], int(j["line"]))):
            print("  %s %s %s:%s  %s" % (j["code"], j["repo"], j["path"], j["line"], j["reason"]))
    if fixed:
        print("\nfixed (judged fp/debatable, no longer reported): %d" % len(fixed))
        for j in sorted(fixed, key=lambda j: (j["code"], j["repo"], j["path"], int(j["line"]))):
            print("  %s %-9s %s %s:%s" % (j["code"], j["verdict"], j["repo"], j["path"], j["line"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
