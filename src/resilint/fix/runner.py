"""Fixing files until they are stable: the loop behind ``--fix``, ``--fix-diff``, the
``resilint-fix`` pre-commit hook and the editor's "fix all" action.

The findings to fix (the *targets*) are chosen once, from the checked findings:
those with a fix that is safe (or any with ``--unsafe-fixes``), not on AI-assisted
lines unless ``--fix-ai`` / ``ai-lines = true`` (the second reviewer must see those
fixes first). Each pass applies the targets' fixes that do not overlap
(:mod:`resilint.fix.apply`), re-checks the whole new text, and follows the targets'
lines through the edits; a fix that waited (it overlapped) comes back fresh from
that re-check. The loop ends when no target has a fix left, nothing changed, or
after :data:`MAX_PASSES` passes.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from resilint.fix.apply import Source, apply_fixes
from resilint.model import Finding, Span

if TYPE_CHECKING:
    from resilint.api import Linter

MAX_PASSES = 8


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False  # --unsafe-fixes
    ai: bool = False  # --fix-ai (or [tool.resilint.fix] ai-lines = true)

    def eligible(self, finding: Finding) -> bool:
        fix = finding.fix
        if fix is None or not (fix.safe or self.unsafe):
            return False
        return finding.provenance is None or self.ai


@dataclass(frozen=True)
class FileFix:
    """What fixing one file did (nothing is written here)."""

    path: str
    before: bytes
    after: bytes
    fixed: tuple[Finding, ...] = ()  # targets gone after the fixes
    failed: tuple[tuple[Finding, str], ...] = ()  # targets whose fix was left out, and why
    remaining: tuple[Finding, ...] = ()  # the file's findings after fixing (lines of the new text)
    kept: tuple[Finding, ...] = ()  # the given findings not fixed, moved to their lines in the new text
    passes: int = 0
    offered: int = 0  # findings with a fix that were not targets (unsafe, AI-assisted lines)
    applied: int = 0  # fixes applied over all passes (a placeholder fix leaves its finding)

    @property
    def changed(self) -> bool:
        return self.after != self.before

    def diff(self) -> str:
        """A unified diff of the change (text as decoded; empty when unchanged)."""
        if not self.changed:
            return ""
        old = Source.decode(self.before)
        new = Source.decode(self.after)
        lines = difflib.unified_diff(
            old.text.splitlines(keepends=True),
            new.text.splitlines(keepends=True),
            f"a/{self.path}",
            f"b/{self.path}",
        )
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


Check = Callable[[str], Sequence[Finding]]


def fix_text(
    data: bytes,
    path: str,
    findings: Sequence[Finding],
    check: Check,
    options: FixOptions,
    *,
    max_passes: int = MAX_PASSES,
    verify: bool = True,
) -> FileFix:
    """Fix ``findings`` (one file's, checked from ``data``) with ``check(text)``
    re-checking the whole new text after each pass. ``verify=False``: re-check only
    when a fix waited for the next pass; a pass after which none waits ends the loop,
    and the applied fixes count as fixed (their results parsed)."""
    source = Source.decode(data)
    text = source.text
    targets = {id(f): f for f in findings if options.eligible(f)}
    offered = sum(1 for f in findings if f.fix is not None and id(f) not in targets)
    everything = {id(f): f for f in findings}
    lines = {key: f.line for key, f in everything.items()}  # finding -> its line in the current text
    failed: dict[int, str] = {}
    current: Sequence[Finding] | None = findings
    passes = 0
    applied_count = 0
    resolved: set[int] = set()  # targets whose fix was applied (unverified runs)
    while passes < max_passes:
        wanted = {(targets[k].code, line): k for k, line in lines.items() if k in targets and k not in failed}
        assert current is not None
        candidates = [
            (wanted[(f.code, f.line)], f)
            for f in current
            if (f.code, f.line) in wanted and f.fix is not None and (f.fix.safe or options.unsafe)
        ]
        if not candidates:
            break
        passes += 1
        applied = apply_fixes(text, [f.fix for _, f in candidates])  # type: ignore[misc]
        for index, reason in applied.failed:
            failed[candidates[index][0]] = reason
        if not applied.changed:
            break
        applied_count += len(applied.applied)
        resolved.update(candidates[i][0] for i in applied.applied if candidates[i][1].fix.resolves)  # type: ignore[union-attr]
        lines = {key: _moved(text, line, applied.edits) for key, line in lines.items()}
        text = applied.text
        if not verify and not applied.deferred:
            current = None
            break
        current = check(text)
    after = source.encode(text) if text != source.text else data
    if current is None:
        gone = resolved - set(failed)
        current = [_at_line(everything[k], lines[k]) for k in everything if k not in gone]
    present = {(f.code, f.line) for f in current}
    gone = {k for k, line in lines.items() if k in targets and k not in failed and (targets[k].code, line) not in present}
    fixed = tuple(targets[k] for k in gone)
    remaining = tuple(current) if text != source.text else tuple(findings)
    kept = tuple(_at_line(everything[k], lines[k]) for k in everything if k not in gone)
    return FileFix(
        path,
        data,
        after,
        fixed=fixed,
        failed=tuple((targets[k], reason) for k, reason in failed.items()),
        remaining=remaining,
        passes=passes,
        offered=offered,
        kept=kept,
        applied=applied_count,
    )


def _moved(text: str, line: int, edits: Sequence[tuple[int, int, str]]) -> int:
    """Line ``line`` of ``text`` after ``edits`` (offsets in ``text``)."""
    starts = _line_starts(text)
    if not 1 <= line <= len(starts):
        return line
    begin = starts[line - 1]
    shift = 0
    for start, end, new in edits:
        if end <= begin and not (start == end == begin):
            shift += _count(new) - _count(text[start:end])
        elif start == end == begin:
            shift += _count(new)  # inserted before the line's first character
    return line + shift


def _count(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _line_starts(text: str) -> list[int]:
    from resilint.engine.source_text import split_lines

    starts, at = [0], 0
    for line in split_lines(text):
        at += len(line)
        starts.append(at)
    return starts


def _at_line(finding: Finding, line: int) -> Finding:
    if line == finding.line:
        return finding
    delta = line - finding.line
    span = Span(line, finding.span.column, finding.span.end_line + delta, finding.span.end_column)
    return dataclasses.replace(finding, span=span)


def engine_check(linter: Linter, file: Path | None, shown: str) -> Check:
    """A whole-file re-check of new text, as ``file`` would be checked."""

    def check(text: str) -> Sequence[Finding]:
        return linter.engine.check_source(text, shown, file=file).findings

    return check


__all__ = ["MAX_PASSES", "FileFix", "FixOptions", "engine_check", "fix_text"]
