"""Start-up cost: what one commit hook or one editor start pays, in one run.

    python benchmarks/startup.py [--repeat 5]

Measures, each in a fresh process (cold: ``--no-cache``; bytecode caching on),
median of ``--repeat`` runs, wall-clock and CPU (user + system) time:

* the floor: ``import libcst`` and parse the file (what any libcst linter pays);
* ``resilint check`` on a realistic 180-line file that holds triggers;
* ``resilint check`` on a file with no trigger at all (the target is that such a
  run never imports libcst);
* ruff and pylint (one check) on the same file, when installed.

Ratios are against the floor measured in the same run. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIGGERED = '''\
"""A small service client: HTTP calls, a retry, a subprocess and a cache."""

import json
import logging
import subprocess
import time

import requests
from tenacity import retry, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

'''
BLOCK = '''

def fetch_{i}(session, url):
    """Fetch one page and decode it."""
    response = session.get(url, timeout=(3.05, 27))
    response.raise_for_status()
    data = json.loads(response.text)
    for key in ("a", "b", "c"):
        if key not in data:
            log.warning("missing %s", key)
    return data


@retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=1, max=30))
def push_{i}(url, payload):
    return requests.post(url, json=payload, timeout=10)
'''
PLAIN = '''\
"""Pure computation: nothing any rule looks at."""


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0
'''
FLOOR = "import sys, libcst\nlibcst.parse_module(open(sys.argv[1], 'rb').read())\n"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], repeat: int, cwd: Path) -> tuple[float, float]:
    """Median wall-clock and median CPU (user + system) seconds of the child: on a
    shared machine the CPU time is the steadier of the two."""
    subprocess.run(command, cwd=cwd, capture_output=True, env=ENV, check=False)  # warm the OS file cache and bytecode
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, env=ENV, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    resilint = shutil.which("resilint") or str(Path(sys.executable).with_name("resilint"))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "pyproject.toml").write_text("[tool.resilint]\n")
        triggered = work / "client.py"
        triggered.write_text(TRIGGERED + "".join(BLOCK.format(i=i) for i in range(9)))
        plain = work / "stats.py"
        plain.write_text(PLAIN * 1)
        lines = triggered.read_text().count("\n")
        rows: list[tuple[str, tuple[float, float]]] = []
        floor = timed([sys.executable, "-c", FLOOR, str(triggered)], args.repeat, work)
        rows.append((f"floor: import libcst + parse {lines} lines", floor))
        rows.append(("resilint check, triggered file", timed([resilint, "check", "--no-cache", str(triggered)], args.repeat, work)))
        rows.append(("resilint check, file with no trigger", timed([resilint, "check", "--no-cache", str(plain)], args.repeat, work)))
        probe = (
            "import sys; from resilint.cli.main import main; main(sys.argv[1:]); "
            "from resilint.lazy import is_loaded; print(is_loaded('libcst'), file=sys.stderr)"
        )
        imported = subprocess.run([sys.executable, "-c", probe, "check", "--no-cache", str(plain)], cwd=work, capture_output=True, text=True, env=ENV, check=False)
        if shutil.which("ruff"):
            rows.append(("ruff check (S113), no cache", timed(["ruff", "check", "--no-cache", "--select", "S113", str(triggered)], args.repeat, work)))
        if shutil.which("pylint"):
            rows.append(("pylint, one check (W3101)", timed(["pylint", "--disable=all", "--enable=W3101", str(triggered)], args.repeat, work)))
    width = max(len(name) for name, _ in rows)
    print(f"{'measurement':<{width}}  wall s  x floor   cpu s  x floor")
    for name, (wall, cpu) in rows:
        print(f"{name:<{width}}  {wall:6.3f}  {wall / floor[0]:7.2f}  {cpu:6.3f}  {cpu / floor[1]:7.2f}")
    print(f"libcst imported for the file with no trigger: {imported.stderr.strip().splitlines()[-1] if imported.stderr.strip() else '?'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
