"""Precision and recall of the timeouts rules (REL101-REL108) on their fixture
files, compared in the same run with ruff S113, bandit B113 and pylint W3101.

    python benchmarks/timeouts_peers.py

Expectations are the fixtures' inline ``# expect: CODE`` comments. resilint is
scored per code (path, line, code). The peers have one rule each, about
requests (and httpx for ruff/bandit): a peer finding on a line counts as a hit
for whichever REL1xx code that line expects, and as a false positive on a line
that expects nothing. Peers that are not installed are skipped with a note.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "rules" / "timeouts"
CODES = [f"REL10{i}" for i in range(1, 9)]
_EXPECT = re.compile(r"#\s*expect(?P<below>-below)?:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)")
_CALL_LINE = re.compile(r"^\s*(?!def |class |import |from |#|\"|@)\S.*\w\(")

Key = tuple[str, int]  # (absolute path, line)


def expectations() -> tuple[dict[Key, set[str]], int]:
    """Expected codes per line, and the number of silent lines that contain a call."""
    expected: dict[Key, set[str]] = {}
    silent_calls = 0
    for file in sorted(FIXTURES.rglob("*.py")):
        lines = file.read_text(encoding="utf-8").splitlines()
        marked: set[int] = set()
        for number, line in enumerate(lines, start=1):
            for match in _EXPECT.finditer(line):
                target = number + 1 if match["below"] else number
                marked.add(target)
                expected.setdefault((str(file), target), set()).update(re.split(r"[\s,]+", match["codes"].strip()))
        silent_calls += sum(1 for n, line in enumerate(lines, start=1) if n not in marked and _CALL_LINE.match(line))
    return expected, silent_calls


def suppressed_lines() -> set[Key]:
    """Lines carrying one of our suppression comments (fixtures of the suppression feature)."""
    return {
        (str(file), number)
        for file in FIXTURES.rglob("*.py")
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1)
        if "noqa: REL" in line or "resilint: ignore" in line
    }


def run(args: list[str], cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False).stdout


def resilint_findings() -> set[tuple[str, int, str]]:
    exe = Path(sys.executable).with_name("resilint")
    found: set[tuple[str, int, str]] = set()
    for folder in sorted({p.parent for p in FIXTURES.rglob("*.py")}):
        files = sorted(p.name for p in folder.glob("*.py"))
        report = json.loads(
            run([str(exe), "check", "--no-cache", "--format", "json", "--select", "REL1", *files], folder)
        )
        found |= {(str(folder / f["path"]), f["line"], f["code"]) for f in report["findings"]}
    return found


def peer_findings(tool: str, files: list[str]) -> set[Key] | None:
    exe = Path(sys.executable).with_name(tool)
    if not exe.exists() and shutil.which(tool) is None:
        return None
    command = str(exe) if exe.exists() else tool
    if tool == "ruff":
        out = run(
            [command, "check", "--isolated", "--no-cache", "--select", "S113", "--output-format", "json", *files], ROOT
        )
        return {(str(Path(d["filename"]).resolve()), d["location"]["row"]) for d in json.loads(out or "[]")}
    if tool == "bandit":
        out = run([command, "-q", "-f", "json", "-t", "B113", *files], ROOT)
        return {
            (str(Path(r["filename"]).resolve()), r["line_number"]) for r in json.loads(out or "{}").get("results", [])
        }
    out = run([command, "--disable=all", "--enable=missing-timeout", "--output-format=json", *files], ROOT)
    return {(str(Path(m["path"]).resolve()), m["line"]) for m in json.loads(out or "[]")}


def main() -> int:
    expected, silent_calls = expectations()
    suppressed = suppressed_lines()
    files = sorted(str(p) for p in FIXTURES.rglob("*.py"))
    ours = resilint_findings()
    print(
        f"{len(files)} fixture files, {sum(len(c) for c in expected.values())} expected findings, "
        f"{silent_calls} silent lines with a call (near-misses and compliant calls)\n"
    )
    print("resilint, per code: expected / found / true positives -> precision, recall")
    for code in CODES:
        want = {(p, line) for (p, line), codes in expected.items() if code in codes}
        got = {(p, line) for p, line, c in ours if c == code}
        tp = len(want & got)
        precision = tp / len(got) if got else 1.0
        recall = tp / len(want) if want else 1.0
        print(f"  {code}: {len(want):3} / {len(got):3} / {tp:3} -> P={precision:.2f} R={recall:.2f}")
    print("\npeers (one requests rule each), recall per code and precision over all their findings:")
    for tool in ("ruff", "bandit", "pylint"):
        found = peer_findings(tool, files)
        if found is None:
            print(f"  {tool}: not installed (pip install {tool})")
            continue
        per_code = []
        for code in CODES:
            want = {key for key, codes in expected.items() if code in codes}
            per_code.append(f"{code} {len(want & found) / len(want):.2f}" if want else f"{code} -")
        found = {key for key in found if key not in suppressed}  # peers do not know our suppressions
        hits = Counter(bool(expected.get(key)) for key in found)
        precision = hits[True] / len(found) if found else 1.0
        print(f"  {tool}: {', '.join(per_code)}; findings {len(found)}, precision {precision:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
