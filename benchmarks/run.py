"""Measure resilint against its floors and its peers, in one run, on one corpus.

    python benchmarks/run.py                  # download the pinned corpus once, then measure
    python benchmarks/run.py --quick          # a smaller corpus (requests + alembic)

The corpus is the source distributions of a few large projects (pinned below),
downloaded with pip into benchmarks/corpus/ (gitignored). Every tool runs in
its own subprocess on the same explicit file list; wall time, files/s, lines/s
and the peak RSS of the largest process are printed, with ratios against the
floors (libcst parse-all, ast.parse-all) and the peers measured in the same
run. The slow peers (Fixit, pylint) run on a sample, and resilint is measured
on the same sample for their ratios. Peers that are not installed are skipped
with a note: install them with `pip install ruff flake8 flake8-bugbear fixit pylint`.

Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
PINNED = [
    "django==5.2.19",
    "sqlalchemy==2.1.9",
    "botocore==1.44.5",
    "requests==2.34.2",
    "celery==5.7.0",
    "alembic==1.20.1",
]
SAMPLE = ("requests-", "alembic-")  # the slow peers' sample: these sdists

PARSE_LIBCST = "import sys, libcst\nfor p in sys.argv[1:]:\n    try:\n        libcst.parse_module(open(p, 'rb').read())\n    except Exception:\n        pass\n"
PARSE_AST = "import sys, ast\nfor p in sys.argv[1:]:\n    try:\n        ast.parse(open(p, 'rb').read())\n    except Exception:\n        pass\n"


@dataclass
class Result:
    name: str
    seconds: float
    peak_mb: float
    files: int
    lines: int
    returncode: int

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


def ensure_corpus(quick: bool) -> Path:
    wanted = [p for p in PINNED if not quick or p.split("==")[0] in ("requests", "alembic")]
    CORPUS.mkdir(exist_ok=True)
    # Its own (empty) configuration: the corpus is the config root, so the result
    # cache lives in corpus/.resilint_cache and this checkout's settings do not apply.
    (CORPUS / "pyproject.toml").write_text("[tool.resilint]\n", encoding="utf-8")
    for spec in wanted:
        name, version = spec.split("==")
        if any(CORPUS.glob(f"{name}-{version}")) or any(CORPUS.glob(f"{name.capitalize()}-{version}")):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", tmp, spec],
                check=True,
            )
            for archive in Path(tmp).glob("*.tar.gz"):
                with tarfile.open(archive) as tar:
                    tar.extractall(CORPUS, filter="data") if sys.version_info >= (3, 12) else tar.extractall(CORPUS)
    return CORPUS


def python_files(root: Path, prefixes: tuple[str, ...] | None = None) -> list[Path]:
    files = []
    for top in sorted(root.iterdir()):
        if top.is_dir() and (prefixes is None or top.name.lower().startswith(prefixes)):
            files.extend(sorted(top.rglob("*.py")))
    return files


def count_lines(files: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in files)


# Every tool runs as installed: bytecode caches are written and used (an editable
# resilint under PYTHONDONTWRITEBYTECODE=1 would recompile its modules in every
# process, ~80 ms each, while the peers' caches were written by pip).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(name: str, argv: list[str], files: list[Path], lines: int, cwd: Path) -> Result:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024  # KiB on Linux: the largest process of the tree that was waited for
    return Result(name, seconds, peak, len(files), lines, proc.returncode)


def tool(name: str) -> str | None:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else shutil.which(name)


def run(args: argparse.Namespace) -> None:
    root = ensure_corpus(args.quick)
    files = python_files(root)
    sample = python_files(root, SAMPLE)
    lines, sample_lines = count_lines(files), count_lines(sample)
    names = [str(p.relative_to(root)) for p in files]
    sample_names = [str(p.relative_to(root)) for p in sample]
    jobs = args.jobs or os.cpu_count() or 1
    resilint = tool("resilint")
    if resilint is None:
        sys.exit("resilint is not installed in this environment")
    cache_dir = root / ".resilint_cache"
    shutil.rmtree(cache_dir, ignore_errors=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"corpus: {len(files)} files, {lines:,} lines ({root}); slow-peer sample: {len(sample)} files, {sample_lines:,} lines")
    results: dict[str, Result] = {}
    py = sys.executable
    check = [resilint, "check", "--format", "json", "--output", os.devnull, "--fail-on", "error"]
    plan = [
        ("floor: libcst parse-all (1 process)", [py, "-c", PARSE_LIBCST, *names], files, lines),
        ("floor: ast.parse-all (1 process)", [py, "-c", PARSE_AST, *names], files, lines),
        ("resilint cold, 1 job", [*check, "--no-cache", "--jobs", "1", *names], files, lines),
        (f"resilint cold, {jobs} jobs", [*check, "--no-cache", "--jobs", str(jobs), *names], files, lines),
        (f"resilint cache fill, {jobs} jobs", [*check, "--jobs", str(jobs), *names], files, lines),
        (f"resilint warm cache, {jobs} jobs", [*check, "--jobs", str(jobs), *names], files, lines),
        ("resilint cold, 1 job (sample)", [*check, "--no-cache", "--jobs", "1", *sample_names], sample, sample_lines),
    ]
    if tool("ruff"):
        plan.append(("ruff S113 (no cache)", [tool("ruff"), "check", "--isolated", "--no-cache", "--select", "S113", "--exit-zero", *names], files, lines))
    if tool("flake8"):
        plan.append(("flake8 + bugbear, 1 job", [tool("flake8"), "--isolated", "--select", "B", "-j", "1", "--exit-zero", *names], files, lines))
    if tool("fixit"):
        plan.append(("Fixit (sample)", [tool("fixit"), "lint", *sample_names], sample, sample_lines))
    if tool("pylint"):
        plan.append(
            ("pylint missing-timeout, 1 job (sample)", [tool("pylint"), "--disable=all", "--enable=missing-timeout", "--jobs", "1", "--exit-zero", *sample_names], sample, sample_lines)
        )
    for name, argv, subset, subset_lines in plan:
        if args.skip and any(s in name for s in args.skip):
            continue
        result = measure(name, argv, subset, subset_lines, root)
        results[name] = result
        print(f"  {name:<42} {result.seconds:8.2f} s {result.files_per_s:9.0f} files/s {result.lines_per_s:11,.0f} lines/s {result.peak_mb:7.0f} MB  rc={result.returncode}")

    def ratio(a: str, b: str) -> str:
        if a in results and b in results and results[b].seconds:
            return f"{results[a].seconds / results[b].seconds:.2f}x"
        return "n/a"

    print("ratios (time; < 1 means resilint is faster):")
    print(f"  resilint cold 1 job / libcst parse-all floor: {ratio('resilint cold, 1 job', 'floor: libcst parse-all (1 process)')}")
    print(f"  resilint cold 1 job / ast.parse-all floor:    {ratio('resilint cold, 1 job', 'floor: ast.parse-all (1 process)')}")
    print(f"  resilint cold {jobs} jobs / 1 job:               {ratio(f'resilint cold, {jobs} jobs', 'resilint cold, 1 job')}")
    print(f"  resilint / ruff S113:                         {ratio('resilint cold, 1 job', 'ruff S113 (no cache)')}")
    print(f"  resilint / flake8 + bugbear:                  {ratio('resilint cold, 1 job', 'flake8 + bugbear, 1 job')}")
    print(f"  resilint / Fixit (sample):                    {ratio('resilint cold, 1 job (sample)', 'Fixit (sample)')}")
    print(f"  resilint / pylint missing-timeout (sample):   {ratio('resilint cold, 1 job (sample)', 'pylint missing-timeout, 1 job (sample)')}")
    warm = results.get(f"resilint warm cache, {jobs} jobs")
    if warm:
        print(f"  warm cache: {warm.seconds:.2f} s for {lines:,} lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="requests + alembic only")
    parser.add_argument("--jobs", type=int, help="processes for the parallel runs (default: all cores)")
    parser.add_argument("--skip", action="append", default=[], help="skip measurements whose name contains this")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
