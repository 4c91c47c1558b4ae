"""resilint against pylint running one check, on a pinned 199-file corpus, in one run.

    python benchmarks/vs_pylint.py [--repeat 5] [--pylint PATH] [--resilint PATH]

The corpus is the source distributions of flask, httpx, requests and tenacity
(pinned below: 199 .py files, tests and examples included), downloaded once with
``pip download --no-deps --no-binary :all:`` into benchmarks/corpus-vs-pylint/
(gitignored; a folder of its own because run.py checks every folder under
benchmarks/corpus/). Nothing is installed: pylint must be on PATH or given with
``--pylint`` (keep it out of resilint's environment, e.g.
``python3 -m venv ../venv-peers && ../venv-peers/bin/pip install pylint``).

Measures, each in a fresh process (cold: ``--no-cache``; bytecode caching on),
one warm-up run then the median of ``--repeat`` runs, wall-clock and CPU
(user + system of the process and the workers it waited for) time of:

* ``resilint check --no-cache --jobs 2 FILES`` and ``--jobs 1``;
* ``pylint --disable=all --enable=missing-timeout -j 2 FILES`` and ``-j 1``
  (W3101, the one pylint check that matches REL101; an empty rcfile so no
  project configuration applies).

Prints the table, the ratios pylint / resilint for each ``-j`` setting, what
each tool reported in its warm-up run, and the load average before and after
(on a shared machine the CPU time is the steadier figure). Exit status 0
whatever the tools report. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus-vs-pylint"
PINNED = ["flask==3.1.3", "httpx==0.29.0", "requests==2.34.2", "tenacity==9.2.1"]
# Every tool runs as installed: bytecode caches are written and used.
TIMEOUT = 900  # seconds for one tool run; pylint -j 1 takes about a minute here
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def ensure_corpus() -> Path:
    CORPUS.mkdir(exist_ok=True)
    # Its own (empty) configurations: this checkout's settings do not apply.
    (CORPUS / "pyproject.toml").write_text("[tool.resilint]\n", encoding="utf-8")
    (CORPUS / "pylintrc").write_text("", encoding="utf-8")
    for spec in PINNED:
        name, version = spec.split("==")
        if (CORPUS / f"{name}-{version}").is_dir():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", tmp, spec],
                check=True,
                timeout=900,
            )
            for archive in Path(tmp).glob("*.tar.gz"):
                with tarfile.open(archive) as tar:
                    tar.extractall(CORPUS, filter="data") if sys.version_info >= (3, 12) else tar.extractall(CORPUS)
    return CORPUS


def python_files(root: Path) -> list[str]:
    files: list[Path] = []
    for spec in PINNED:
        files.extend(sorted((root / spec.replace("==", "-")).rglob("*.py")))
    return [str(p.relative_to(root)) for p in files]


def timed(command: list[str], repeat: int, cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Median wall-clock and median CPU seconds of the child (its waited-for
    workers included, through RUSAGE_CHILDREN), after one warm-up run whose
    output is returned."""
    warm = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV, check=False, timeout=TIMEOUT)
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=False, timeout=TIMEOUT)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus), warm


def tool(name: str, given: str | None) -> str | None:
    if given:
        return given
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else shutil.which(name)


def fmt(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in load)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pylint", help="the pylint executable (default: pylint on PATH)")
    parser.add_argument("--resilint", help="the resilint executable (default: next to this Python, then PATH)")
    args = parser.parse_args()
    resilint = tool("resilint", args.resilint)
    if resilint is None:
        print("resilint is not installed in this environment; give --resilint PATH", file=sys.stderr)
        return 0
    pylint = args.pylint or shutil.which("pylint")
    root = ensure_corpus()
    files = python_files(root)
    lines = sum((root / name).read_bytes().count(b"\n") for name in files)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"corpus: {len(files)} files, {lines:,} lines ({', '.join(PINNED)}; {root})")
    print(f"repeat: {args.repeat} (median), one warm-up run each")
    load_before = os.getloadavg()

    plan: list[tuple[str, list[str]]] = []
    for jobs in (2, 1):
        plan.append((f"resilint check --jobs {jobs}", [resilint, "check", "--no-cache", "--jobs", str(jobs), *files]))
    if pylint:
        for jobs in (2, 1):
            argv = [pylint, "--rcfile=pylintrc", "--disable=all", "--enable=missing-timeout", "-j", str(jobs), *files]
            plan.append((f"pylint W3101 -j {jobs}", argv))
    rows: dict[str, tuple[float, float]] = {}
    reported: dict[str, str] = {}
    for name, argv in plan:
        wall, cpu, warm = timed(argv, args.repeat, root)
        rows[name] = (wall, cpu)
        if name.startswith("resilint"):
            codes = re.findall(r": (REL\d{3}) ", warm.stdout)
        else:
            codes = re.findall(r": (W3101): ", warm.stdout)
        reported[name] = f"exit {warm.returncode}, {len(codes)} findings ({', '.join(sorted(set(codes))) or 'none'})"
    load_after = os.getloadavg()

    width = max(len(name) for name in rows)
    print(f"\n{'measurement':<{width}}  wall s   cpu s  files/s (wall)  warm-up run reported")
    for name, (wall, cpu) in rows.items():
        print(f"{name:<{width}}  {wall:6.2f}  {cpu:6.2f}  {len(files) / wall:14.1f}  {reported[name]}")
    if pylint:
        print("\nratio pylint / resilint (higher: resilint faster)")
        for jobs in (2, 1):
            p, r = rows[f"pylint W3101 -j {jobs}"], rows[f"resilint check --jobs {jobs}"]
            print(f"  -j {jobs}: wall {p[0] / r[0]:5.1f}x   cpu {p[1] / r[1]:5.1f}x")
    else:
        print("\npylint not found: install it in a separate environment and pass --pylint PATH")
    print(f"\nload average (1, 5, 15 min): before {fmt(load_before)}; after {fmt(load_after)}")
    if max(load_before[0], load_after[0]) > 1:
        print("the machine was shared while measuring (1-minute load > 1): trust the CPU column more than wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
