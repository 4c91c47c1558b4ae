"""Start-up cost: what one commit hook or one editor start pays, in one run.

    python benchmarks/startup.py [--repeat 15]

Measures, each in a fresh process (cold: ``--no-cache``; bytecode caching on),
``--repeat`` interleaved rounds, median and minimum wall-clock time:

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


def measure(commands: dict[str, list[str]], repeat: int, cwd: Path) -> dict[str, tuple[float, float]]:
    """``(median, minimum)`` wall-clock seconds per command. The commands run in
    interleaved rounds (one of each per round), so a slow spell of a shared or
    virtual machine hits them all alike; the minimum is the steadiest figure on
    such machines, the median the typical one."""
    for command in commands.values():  # warm the OS file cache and the bytecode
        subprocess.run(command, cwd=cwd, capture_output=True, env=ENV, check=False)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=cwd, capture_output=True, env=ENV, check=False)
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(values), min(values)) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
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
        floor_name = f"floor: import libcst + parse {lines} lines"
        commands = {
            floor_name: [sys.executable, "-c", FLOOR, str(triggered)],
            "resilint check, triggered file": [resilint, "check", "--no-cache", str(triggered)],
            "resilint check, file with no trigger": [resilint, "check", "--no-cache", str(plain)],
        }
        if shutil.which("ruff"):
            commands["ruff check (S113), no cache"] = ["ruff", "check", "--no-cache", "--select", "S113", str(triggered)]
        if shutil.which("pylint"):
            commands["pylint, one check (W3101)"] = ["pylint", "--disable=all", "--enable=W3101", str(triggered)]
        rows = measure(commands, args.repeat, work)
        probe = (
            "import sys; from resilint.cli.main import main; main(sys.argv[1:]); "
            "from resilint.lazy import is_loaded; print(is_loaded('libcst'), file=sys.stderr)"
        )
        imported = subprocess.run([sys.executable, "-c", probe, "check", "--no-cache", str(plain)], cwd=work, capture_output=True, text=True, env=ENV, check=False)
    floor = rows[floor_name]
    width = max(len(name) for name in rows)
    print(f"{args.repeat} interleaved rounds; load average {os.getloadavg()[0]:.2f}")
    print(f"{'measurement':<{width}}  median s  x floor   min s  x floor")
    for name, (median, minimum) in rows.items():
        print(f"{name:<{width}}  {median:8.3f}  {median / floor[0]:7.2f}  {minimum:6.3f}  {minimum / floor[1]:7.2f}")
    print(f"libcst imported for the file with no trigger: {imported.stderr.strip().splitlines()[-1] if imported.stderr.strip() else '?'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
