"""What CI reports share: repository-relative paths and stable fingerprints.

Code scanning and GitLab resolve paths against the repository root, while a
finding's ``path`` is relative to the working directory; a run from a
sub-folder must still point at the right file. A fingerprint must survive
unrelated edits above a finding (so an old alert is matched, not re-raised):
it hashes the rule, the file and the *content* of the flagged line, plus an
occurrence counter for identical lines, never the line number.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from resilint.model import Finding


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding ``.git``; else ``start``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


class Locator:
    """Maps finding paths to repository-relative posix paths and fingerprints them."""

    def __init__(self, root: Path | None = None, cwd: Path | None = None) -> None:
        self.cwd = (cwd or Path.cwd()).resolve()
        self.root = root or repository_root(self.cwd)
        self._lines: dict[str, list[str] | None] = {}

    def relative(self, path: str) -> str:
        """``path`` (as reported, relative to cwd) relative to the repository root."""
        absolute = Path(path) if os.path.isabs(path) else self.cwd / path
        try:
            rel = Path(os.path.normpath(absolute)).relative_to(self.root)
        except ValueError:
            return PurePosixPath(Path(path).as_posix()).as_posix()
        return rel.as_posix()

    def line_text(self, path: str, line: int) -> str | None:
        if path not in self._lines:
            try:
                text = (self.cwd / path).read_text(encoding="utf-8", errors="replace")
                self._lines[path] = text.splitlines()
            except OSError:
                self._lines[path] = None  # stdin, deleted file: fall back to the line number
        lines = self._lines[path]
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    def fingerprints(self, findings: Iterable[Finding]) -> list[str]:
        """One stable hex digest per finding, in order."""
        seen: dict[tuple[str, str, str], int] = {}
        out: list[str] = []
        for finding in findings:
            text = self.line_text(finding.path, finding.line)
            anchor = " ".join(text.split()) if text is not None else f"line {finding.line}"
            key = (finding.code, self.relative(finding.path), anchor)
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8", "surrogatepass"))
            out.append(digest.hexdigest()[:32])
        return out
