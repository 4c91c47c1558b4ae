"""Inline expectations in fixture files (design §10).

``# expect: REL101`` on a line that must be reported; ``# expect-below: REL101
REL903`` for the next line. Every other line must stay silent.
"""

from __future__ import annotations

import re
from pathlib import Path

_EXPECT = re.compile(r"#\s*expect(?P<below>-below)?:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)")

Expectation = tuple[str, int, str]  # (path, line, code)


def expectations(path: Path, shown_as: str) -> set[Expectation]:
    found: set[Expectation] = set()
    text = path.read_bytes().decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _EXPECT.finditer(line):
            target = number + 1 if match["below"] else number
            for code in re.split(r"[\s,]+", match["codes"].strip()):
                found.add((shown_as, target, code))
    return found
