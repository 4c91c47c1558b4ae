"""``--add-noqa[=REASON]``: write a suppression for each reported line.

Where the comment goes: engine/suppressions.py honours a suppression on the line where
the finding's span *starts* (the engine looks up ``item.span.line``), so for a
multi-line call ``resp = requests.get(`` / ``url,`` / ``)`` the comment goes
after the ``(`` of the first line — a comment is legal there — not after the
closing ``)``.

A line cannot take a comment when it ends inside a string (a triple-quoted
string, or an f-string that spans lines) or with a backslash continuation; such
lines are skipped and reported, never edited. Only tokenize decides what is a
comment and what is inside a string.

An existing suppression on the line is extended rather than doubled:
``# noqa: REL101 -- why`` + REL202 -> ``# noqa: REL101,REL202 -- why``;
``# resilint: ignore[REL101] why`` gets REL202 inside its brackets (engine/suppressions.py
reads only the first suppression of a comment). A code already covered — by
itself, a prefix (``REL2``) or a bare ``# noqa`` — is not added again. A missing
reason is added; a placeholder reason is replaced when a real REASON is given;
a written reason is never touched. Any other comment on the line keeps its
text and gets ``  # noqa: ...`` appended (engine/suppressions.py and flake8 search the
whole comment for ``# noqa``).

Line endings (LF, CRLF, CR, mixed) and a UTF-8 BOM come back byte-for-byte; only
the edited lines change. Running it twice changes nothing the second time.

REL903 (a suppression without a reason on an AI-assisted line) is reported
*at* a suppression comment and is resolved by writing the reason, not by
suppressing it: for it only the reason is added.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

from resilint.engine.source_text import BOM, for_tokenize, split_eol, split_lines
from resilint.engine.suppressions import (
    IGNORE_PATTERN,
    NOQA_PATTERN,
    REASON_PLACEHOLDER,
    is_placeholder,
)
from resilint.model import Finding

NOT_BY_SUPPRESSION = frozenset({"REL903"})
"""Codes a suppression comment does not silence (the writer adds a reason only)."""

_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_MULTILINE_KINDS = {tokenize.STRING} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


@dataclass(frozen=True)
class NoqaResult:
    """The new text, how many lines changed, and the reported lines that could
    not take a comment (they end inside a string or with a backslash, or the
    file stops tokenizing before them)."""

    text: str
    changed: int
    skipped: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Layout:
    comments: dict[int, tuple[int, str]]  # line -> (0-based column, comment text)
    blocked: frozenset[int]  # lines that end inside a string or f-string
    readable_through: int  # the last line tokenize got through


def add_noqa(text: str, findings_for_file: Iterable[Finding], reason: str | None = None) -> NoqaResult:
    """Suppress every finding of one file at the line engine/suppressions.py reads.

    ``reason``: what follows ``--``; ``None`` or blank writes
    :data:`~resilint_adopt.placeholder.REASON_PLACEHOLDER`. A reason cannot hold
    ``#`` (engine/suppressions.py ends a reason there) or a line break: ``ValueError``.
    """
    written = _checked_reason(reason)
    wanted: dict[int, set[str]] = {}
    for finding in findings_for_file:
        codes = wanted.setdefault(finding.span.line, set())
        if finding.code not in NOT_BY_SUPPRESSION:
            codes.add(finding.code.upper())
    if not wanted:
        return NoqaResult(text, 0)
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    lines = split_lines(body)
    layout = _layout(body)
    changed = 0
    skipped: list[int] = []
    for number in sorted(wanted):
        if not 1 <= number <= len(lines) or number > layout.readable_through or number in layout.blocked:
            skipped.append(number)
            continue
        content, eol = split_eol(lines[number - 1])
        comment = layout.comments.get(number)
        if comment is None and content.rstrip().endswith("\\"):
            skipped.append(number)  # a backslash continuation: nothing may follow it
            continue
        new_content = _edited(content, comment, sorted(wanted[number]), written)
        if new_content is not None and new_content != content:
            lines[number - 1] = new_content + eol
            changed += 1
    return NoqaResult(bom + "".join(lines), changed, tuple(skipped))


def _checked_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        return REASON_PLACEHOLDER
    reason = reason.strip()
    if "#" in reason or "\n" in reason or "\r" in reason:
        raise ValueError(f"a suppression reason cannot contain '#' or a line break: {reason!r}")
    return reason


def _layout(body: str) -> _Layout:
    comments: dict[int, tuple[int, str]] = {}
    blocked: set[int] = set()
    fstrings: list[int] = []
    through = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(for_tokenize(body)).readline):
            (start, column), (end, _) = token.start, token.end
            if token.type == tokenize.COMMENT:
                comments[start] = (column, token.string)
            elif token.type in _MULTILINE_KINDS and end > start:
                blocked.update(range(start, end))
            elif _FSTRING_START is not None and token.type == _FSTRING_START:
                fstrings.append(start)
            elif _FSTRING_END is not None and token.type == _FSTRING_END and fstrings:
                blocked.update(range(fstrings.pop(), start))
            through = max(through, start - 1)  # every line before a token's start is complete
        through = 1 << 62
    except (tokenize.TokenError, SyntaxError):
        pass  # a file that does not tokenize: edit only the lines before the trouble
    return _Layout(comments, frozenset(blocked), through)


def _edited(content: str, comment: tuple[int, str] | None, codes: list[str], reason: str) -> str | None:
    """The line with its suppression added or extended; ``None``: nothing to do."""
    if comment is None:
        if not codes:
            return None
        return f"{content.rstrip()}  # noqa: {','.join(codes)} -- {reason}"
    column, text = comment
    merged = _merged(text, codes, reason)
    if merged is None:
        return None
    return content[:column] + merged + content[column + len(text) :]


def _merged(comment: str, codes: list[str], reason: str) -> str | None:
    ignore = IGNORE_PATTERN.search(comment)
    if ignore is not None:
        return _merged_ignore(comment, ignore, codes, reason)
    noqa = NOQA_PATTERN.search(comment)
    if noqa is not None:
        return _merged_noqa(comment, noqa, codes, reason)
    if not codes:
        return None
    return f"{comment.rstrip()}  # noqa: {','.join(codes)} -- {reason}"


def _missing(existing: str | None, codes: list[str]) -> list[str]:
    if existing is None:
        return []  # a bare noqa / ignore covers every code
    present = [c.upper() for c in re.split(r"[\s,]+", existing) if c]
    if not present:
        return []
    return [code for code in codes if not any(code.startswith(prefix) for prefix in present)]


def _merged_noqa(comment: str, match: re.Match[str], codes: list[str], reason: str) -> str:
    rest_start = match.start("rest")
    segment = match["rest"].split("#", 1)[0]  # engine/suppressions.py ends the reason at the next '#'
    result = comment
    if "--" in segment:
        dashes = rest_start + segment.index("--") + 2
        old = segment.split("--", 1)[1]
        if not old.strip() or (is_placeholder(old) and reason != REASON_PLACEHOLDER):
            end = rest_start + len(segment)
            trailing = " " if end < len(comment) else ""
            result = result[:dashes] + " " + reason + trailing + result[end:].lstrip(" ")
    else:
        end = rest_start + len(segment.rstrip())
        result = result[:end] + " -- " + reason + result[end:]
    missing = _missing(match["codes"], codes)
    if missing and match["codes"] is not None:
        separator = ", " if ", " in match["codes"] else ","
        at = match.end("codes")
        result = result[:at] + separator + separator.join(missing) + result[at:]
    return result


def _merged_ignore(comment: str, match: re.Match[str], codes: list[str], reason: str) -> str:
    rest_start = match.start("rest")
    segment = match["rest"].split("#", 1)[0]
    old = segment.strip().lstrip("-—:").strip()
    result = comment
    if not old or (is_placeholder(old) and reason != REASON_PLACEHOLDER):
        end = rest_start + len(segment)
        trailing = " " if end < len(comment) else ""
        result = result[:rest_start] + " " + reason + trailing + result[end:].lstrip(" ")
    missing = _missing(match["codes"], codes)
    if missing and match["codes"] is not None and match["codes"].strip():
        existing = match["codes"].rstrip()
        separator = ", " if ", " in existing else ","
        at = match.start("codes") + len(existing)
        result = result[:at] + separator + separator.join(missing) + result[at:]
    return result
