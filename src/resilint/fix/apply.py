"""Applying fixes to one file's text, and writing the result.

- **Non-overlapping**: fixes are taken in order; one whose edits overlap an edit
  already taken waits for the next pass (an identical edit, such as the same import
  added by two fixes, is shared, not a conflict).
- **Re-parses**: the result must parse (libcst, after the parse guard); a fix whose
  result does not is left out and the reason recorded for its finding.
- **Byte-exact**: text is decoded as the interpreter does and encoded back the same
  way (a BOM kept, an encoding cookie honoured); edits carry the file's own line
  endings; nothing outside the edits changes.
- **Atomic write**: a temporary file in the same folder, renamed over the original,
  never over a file that changed since it was read.
"""

from __future__ import annotations

import io
import os
import tempfile
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from resilint.fix.plan import Locator, Unlocatable
from resilint.model import Fix


@dataclass(frozen=True)
class Source:
    """A file's text as the engine sees it, and how to turn it back into bytes."""

    text: str
    encoding: str
    bom: bool

    @classmethod
    def decode(cls, data: bytes) -> Source:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        bom = encoding == "utf-8-sig"
        return cls(data.decode(encoding), "utf-8" if bom else encoding, bom)

    def encode(self, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode(self.encoding)


@dataclass(frozen=True)
class Applied:
    """One pass: the new text, the indexes of the fixes applied, those that wait for
    the next pass (they overlapped), and those left out with the reason."""

    text: str
    applied: tuple[int, ...]
    deferred: tuple[int, ...]
    failed: tuple[tuple[int, str], ...] = ()
    edits: tuple[tuple[int, int, str], ...] = ()  # the (start, end, new) edits made, offsets of the old text

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def _ranges(fix: Fix, locator: Locator) -> list[tuple[int, int, str]]:
    return [
        (locator.offset(e.span.line, e.span.column), locator.offset(e.span.end_line, e.span.end_column), e.text)
        for e in fix.edits
    ]


def _conflicts(edit: tuple[int, int, str], taken: Sequence[tuple[int, int, str]]) -> bool:
    start, end, _text = edit
    for other in taken:
        if other == edit:
            continue  # the same edit twice (an import two fixes need): shared
        o_start, o_end, _ = other
        if start == end or o_start == o_end:  # an insertion conflicts with anything at or around its point
            if o_start <= start <= o_end or start <= o_start <= end:
                return True
        elif start < o_end and o_start < end:
            return True
    return False


def splice(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with non-overlapping ``(start, end, new)`` edits applied (identical
    edits once)."""
    out, at = [], 0
    for start, end, new in sorted(set(edits), key=lambda e: (e[0], e[1])):
        out.append(text[at:start])
        out.append(new)
        at = end
    out.append(text[at:])
    return "".join(out)


def parses(text: str) -> str | None:
    """None when ``text`` parses (guard, then libcst), else why not."""
    from resilint.engine.guard import scan
    from resilint.engine.parsing import ParseFailure, parse

    verdict = scan(text)
    if verdict.refusal is not None:
        return f"the result would not parse ({verdict.refusal.reason}, line {verdict.refusal.line})"
    result = parse(text)
    if isinstance(result, ParseFailure):
        problem = result.problem
        return f"the result would not parse: {problem.message if problem is not None else result.error}"
    return None


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Applied:
    """One pass over ``fixes`` (in order) on ``text``."""
    locator = Locator(text, {})
    taken: list[tuple[int, int, str]] = []
    chosen: list[tuple[int, list[tuple[int, int, str]]]] = []
    deferred: list[int] = []
    failed: list[tuple[int, str]] = []
    for index, fix in enumerate(fixes):
        try:
            edits = _ranges(fix, locator)
        except Unlocatable:
            failed.append((index, "its edits do not fit the file (it changed since the check)"))
            continue
        if any(not 0 <= s <= e <= len(text) for s, e, _ in edits):
            failed.append((index, "its edits do not fit the file (it changed since the check)"))
            continue
        if any(_conflicts(edit, taken) for edit in edits) or _overlap_within(edits):
            deferred.append(index)
            continue
        taken.extend(edits)
        chosen.append((index, edits))
    if not chosen:
        return Applied(text, (), tuple(deferred), tuple(failed))
    new = splice(text, taken)
    if parses(new) is None:
        return Applied(new, tuple(i for i, _ in chosen), tuple(deferred), tuple(failed), tuple(dict.fromkeys(taken)))
    # Some fix breaks the file: keep those that parse alone, in order, re-checking the whole.
    kept: list[tuple[int, list[tuple[int, int, str]]]] = []
    for index, edits in chosen:
        trial = splice(text, [e for _, es in kept for e in es] + edits)
        reason = parses(trial)
        if reason is None:
            kept.append((index, edits))
        else:
            failed.append((index, reason))
    made = [e for _, es in kept for e in es]
    new = splice(text, made) if kept else text
    return Applied(new, tuple(i for i, _ in kept), tuple(deferred), tuple(sorted(failed)), tuple(dict.fromkeys(made)))


def _overlap_within(edits: list[tuple[int, int, str]]) -> bool:
    return any(_conflicts(edit, edits[:i]) for i, edit in enumerate(edits))


def line_shift(text: str, edits: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """``(offset, added lines)`` per edit: lines after ``offset`` move by that much."""
    return [(end, new.count("\n") + new.count("\r") - new.count("\r\n") - _lines(text[start:end])) for start, end, new in edits]


def _lines(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class ChangedOnDisk(Exception):
    """The file changed since it was read: nothing was written."""


def write_atomically(file: Path, data: bytes, expected: bytes) -> None:
    """Write ``data`` through a temporary file in the same folder and a rename (the
    file's mode kept), never over a file whose bytes are no longer ``expected``."""
    try:
        current = file.read_bytes()
    except OSError as exc:
        raise ChangedOnDisk(f"cannot read it again: {exc.strerror}") from None
    if current != expected:
        raise ChangedOnDisk("it changed since it was read; nothing was written (run again)")
    mode = file.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".resilint-fix", dir=file.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        if file.read_bytes() != expected:  # a last look: an editor may have saved meanwhile
            raise ChangedOnDisk("it changed while the fix was being written; nothing was written (run again)")
        os.replace(temporary, file)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
