"""Two builds of resilint, the same findings? Run both on the same folders and
compare the JSON findings (path, line, column, code, message) and error lines.

    python benchmarks/compare_builds.py --old /path/to/old/venv/bin/resilint \\
        --new resilint fixtures/demo /work/realcode/getredash+redash ...

Used to prove a refactoring changed no finding (exit 1 when any folder differs).
Each folder is checked from inside it with --no-cache --no-git-provenance.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path


def findings(command: str, folder: Path) -> tuple[set[tuple[object, ...]], list[tuple[str, str]]]:
    run = subprocess.run(
        [*command.split(), "check", ".", "--format", "json", "--no-cache", "--no-git-provenance"],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    data = json.loads(run.stdout)
    found = {(f["path"], f["line"], f["column"], f["code"], f["message"]) for f in data["findings"]}
    return found, sorted((e["path"], e["message"]) for e in data["errors"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the old build's resilint command")
    parser.add_argument("--new", default="resilint", help="the new build's resilint command")
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    differing = 0
    for folder in args.folders:
        old, old_errors = findings(args.old, folder)
        new, new_errors = findings(args.new, folder)
        same = old == new and old_errors == new_errors
        differing += not same
        print(f"{folder}: {len(old)} old, {len(new)} new, {len(old - new)} only old, {len(new - old)} only new"
              + ("" if old_errors == new_errors else ", error lines differ"))
        for item in sorted(old - new, key=str)[:10]:
            print(f"  - {item}")
        for item in sorted(new - old, key=str)[:10]:
            print(f"  + {item}")
    print(f"{differing} of {len(args.folders)} folders differ")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
