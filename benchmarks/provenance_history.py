"""The cost of git provenance on a repository with a long history.

Builds (with ``git fast-import``) a repository of FILES Python modules and
COMMITS commits — a quarter signed by agents in the ways they really sign
(Co-Authored-By trailers, the Copilot agent's author address, Assisted-by,
aider's name suffix), the rest human — where every module has findings, so
every module needs a blame: the worst case. Then times, in the same run:

* ``resilint check`` with ``--no-git-provenance`` (the floor) and with git
  provenance, serial (``--jobs 1``) and parallel;
* ``resilint provenance`` over the whole tree.

Usage: python benchmarks/provenance_history.py [--commits 3000] [--files 200] [--repeat 3] [--agent-share 0.25]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HUMANS = [("Ana Human", "ana@example.com"), ("Claude Monet", "claude@monet.example"), ("Bo Dev", "bo@example.com")]
AGENT_SIGNATURES = [
    ("Ana Human", "ana@example.com", "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"),
    ("Copilot", "198982749+Copilot@users.noreply.github.com", ""),
    ("Bo Dev", "bo@example.com", "\n\nAssisted-by: Cursor"),
    ("Bo Dev (aider)", "bo@example.com", ""),
]


NO_HOPS = "import sys, resilint.provenance.git as g; g.MAX_HOPS = 0; from resilint.cli.main import main; sys.exit(main(sys.argv[1:]))"


def build(repo: Path, commits: int, files: int, agent_share: float = 0.25, seed: int = 7, cosmetic_share: float = 0.0) -> None:
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    contents = {f"pkg/mod{i:04d}.py": ["import requests", ""] for i in range(files)}
    chunks: list[bytes] = []
    when = 1_700_000_000
    for n in range(1, commits + 1):
        path = f"pkg/mod{(n * 7919) % files:04d}.py"
        lines = contents[path]
        bodies = [i for i, line in enumerate(lines) if line.startswith("    return requests.get(")]
        if bodies and rng.random() < cosmetic_share:  # only a trailing comment changes (a noqa appended)
            i = rng.choice(bodies)
            lines[i] = lines[i].split("  #", 1)[0] + f"  # noqa: REL101 -- reviewed in {n}"
        elif len(bodies) > 3 and rng.random() < 0.3:  # rewrite an older line in the middle
            lines[rng.choice(bodies[:-1])] = f"    return requests.get(url, stream=True)  # edited in {n}"
        else:
            lines += ["", "", f"def handler_{n}(url):", f"    return requests.get(url)  # {n}"]
        if rng.random() < agent_share:
            name, email, trailer = rng.choice(AGENT_SIGNATURES)
        else:
            (name, email), trailer = rng.choice(HUMANS), ""
        message = f"Change {path} ({n}){trailer}\n".encode()
        body = ("\n".join(lines) + "\n").encode()
        when += 60
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(f"mark :{n}\nauthor {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n".encode())
        chunks.append(b"data %d\n%s" % (len(message), message))
        if n > 1:
            chunks.append(f"from :{n - 1}\n".encode())
        chunks.append(f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (len(body), body))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(chunks), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)


def timed(args: list[str], cwd: Path, repeat: int) -> tuple[float, float, str]:
    """Median wall time and median CPU time (user + system of resilint and every git
    it ran: on a shared machine CPU time is the stable figure)."""
    walls, cpus, out = [], [], ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed: {proc.stderr}")
        out = proc.stdout
    return statistics.median(walls), statistics.median(cpus), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--agent-share", type=float, default=0.25, help="share of commits signed by agents (0: a human-only history)")
    parser.add_argument("--cosmetic-share", type=float, default=0.0, help="share of commits that only change a trailing comment")
    parser.add_argument("--keep", action="store_true", help="keep the repository and print its path")
    args = parser.parse_args()
    resilint = str(Path(sys.executable).with_name("resilint"))
    work = Path(tempfile.mkdtemp(prefix="resilint-history-"))
    repo = work / "repo"
    start = time.perf_counter()
    build(repo, args.commits, args.files, args.agent_share, cosmetic_share=args.cosmetic_share)
    print(f"built {args.commits} commits over {args.files} files in {time.perf_counter() - start:.1f} s ({repo})")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    runs = [
        ("check --jobs 1 --no-git-provenance", ["check", "--jobs", "1", "--no-git-provenance"]),
        ("check --jobs 1 (git provenance)", ["check", "--jobs", "1"]),
        (f"check ({cpus} jobs) --no-git-provenance", ["check", "--no-git-provenance"]),
        (f"check ({cpus} jobs, git provenance)", ["check"]),
        ("provenance (whole tree)", ["provenance"]),
        ("check --jobs 1 (git, not looking past comment edits)", ["check", "--jobs", "1", "--hops=0"]),
    ]
    rows = []
    for graph in (False, True):
        if graph:  # what `git gc` / `git maintenance` leave in most clones
            subprocess.run(["git", "commit-graph", "write", "--reachable", "--changed-paths"], cwd=repo, check=True)
        for label, command in runs:
            if graph and "no-git" in label:
                continue
            extra = ["--no-cache"] if command[0] == "check" else []
            base = [resilint]
            if "--hops=0" in command:  # the same check with provenance/git.py's MAX_HOPS = 0, in process
                base, command = [sys.executable, "-c", NO_HOPS], [c for c in command if c != "--hops=0"]
            wall, cpu, out = timed([*base, *command, *extra, "--format", "json", "pkg"], repo, args.repeat)
            data = json.loads(out)
            if command[0] == "check":
                counts = (len(data["findings"]), sum(1 for f in data["findings"] if f["ai_assisted"]))
            else:
                counts = (data["summary"]["lines"], data["summary"]["ai_lines"])
            rows.append((label + (" +commit-graph" if graph else ""), wall, cpu, *counts))
    print(f"\n{'run':<52} {'wall s':>7} {'cpu s':>7} {'findings':>9} {'AI':>6}")
    for label, wall, cpu, total, ai in rows:
        print(f"{label:<52} {wall:>7.2f} {cpu:>7.2f} {total:>9} {ai:>6}")
    floor, with_git, with_graph = rows[0][2], rows[1][2], rows[5][2]
    print(
        f"\nCPU cost of git provenance, serial: {with_git - floor:.2f} s for {args.files} files "
        f"({1000 * (with_git - floor) / args.files:.0f} ms per file, x{with_git / floor:.2f}); "
        f"with a commit-graph: {1000 * (with_graph - floor) / args.files:.0f} ms per file (x{with_graph / floor:.2f})"
    )
    for label, _wall, cpu, _total, ai in (r for r in rows if "not looking past" in r[0]):
        looked = next(r for r in rows if r[0] == label.replace("(git, not looking past comment edits)", "(git provenance)"))
        print(
            f"looking past comment-only commits [{label}]: {looked[2] - cpu:+.2f} s CPU "
            f"({1000 * (looked[2] - cpu) / args.files:+.0f} ms per file, x{looked[2] / cpu:.2f}); AI findings {looked[4]} vs {ai}"
        )
    print("(provenance rows count lines and AI lines instead of findings)")
    if args.keep:
        print(f"kept {repo}")
    else:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
