"""Suppression comments: ``# noqa``, ``# noqa: REL101,REL2 -- reason``,
``# resilint: ignore[REL101] reason`` and ``# resilint: skip-file``.

Codes may be prefixes (``REL2`` silences every retry rule). A reason is what
follows ``--`` in a noqa comment, or the text after ``ignore[...]``, up to
any further ``#`` comment; on
AI-assisted lines a suppression without one is not honoured (REL903).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

NOQA_PATTERN = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:\s*,\s*[A-Z]+[0-9]*|\s+[A-Z]+[0-9]+)*))?(?P<rest>.*)$",
    re.IGNORECASE,
)
IGNORE_PATTERN = re.compile(r"#\s*resilint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?P<rest>.*)$", re.IGNORECASE)
_SKIP_FILE = re.compile(r"#\s*resilint:\s*skip-file\b", re.IGNORECASE)

# What tools write where a person must give the reason (the editor's "Suppress"
# action, ``--add-noqa`` without a reason): it never counts as one, so on an
# AI-assisted line the finding stays (with REL903) until someone writes why.
REASON_PLACEHOLDER = "<reason>"


@dataclass(frozen=True)
class Suppression:
    line: int
    column: int  # 1-based column of the comment
    codes: frozenset[str] | None  # None: every code
    reason: str  # "" when none was given (or only the placeholder)
    comment: str
    codes_end: int | None = None  # offset in ``comment`` just after the code list, if any

    @property
    def is_noqa(self) -> bool:
        """A ``# noqa`` comment (which flake8 also reads), not ``# resilint: ignore``."""
        return IGNORE_PATTERN.search(self.comment) is None

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)


@dataclass(frozen=True)
class Suppressions:
    by_line: dict[int, tuple[Suppression, ...]]
    skip_file: bool = False

    def matching(self, line: int, code: str) -> Suppression | None:
        for suppression in self.by_line.get(line, ()):
            if suppression.covers(code):
                return suppression
        return None

    def all(self) -> list[Suppression]:
        return [s for group in self.by_line.values() for s in group]


NONE = Suppressions({})


def might_suppress(text: str) -> bool:
    """Cheap check before tokenizing: most files carry no suppression at all."""
    lowered = text.lower()
    return "noqa" in lowered or "resilint:" in lowered


def parse_suppressions(text: str) -> Suppressions:
    """Suppressions in real comments (tokenized, so ``"# noqa"`` in a string is ignored)."""
    if not might_suppress(text):
        return NONE
    by_line: dict[int, list[Suppression]] = {}
    skip_file = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            if _SKIP_FILE.search(token.string):
                skip_file = True
                continue
            parsed = parse_comment(token.string, token.start[0], token.start[1] + 1)
            if parsed is not None:
                by_line.setdefault(parsed.line, []).append(parsed)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # the file parsed with libcst; tokenize may still disagree at EOF
    return Suppressions({k: tuple(v) for k, v in by_line.items()}, skip_file)


def parse_comment(comment: str, line: int, column: int = 1) -> Suppression | None:
    """One comment as a suppression, or None."""
    match = IGNORE_PATTERN.search(comment)
    if match:
        reason = match["rest"].split("#", 1)[0].strip().lstrip("-—:").strip()
        return Suppression(line, column, _codes(match["codes"]), _reason(reason), comment)
    match = NOQA_PATTERN.search(comment)
    if match:
        rest = match["rest"]
        reason = rest.split("--", 1)[1].split("#", 1)[0].strip() if "--" in rest else ""
        codes_end = match.end("codes") if match["codes"] else None
        return Suppression(line, column, _codes(match["codes"]), _reason(reason), comment, codes_end)
    return None


def is_placeholder(reason: str) -> bool:
    """Whether ``reason`` is only the placeholder (any case, any surrounding space:
    people retype it); anything more than the token is a reason."""
    return reason.strip().lower() == REASON_PLACEHOLDER


def _reason(text: str) -> str:
    return "" if is_placeholder(text) else text


def _codes(raw: str | None) -> frozenset[str] | None:
    if raw is None:
        return None
    codes = frozenset(c.upper() for c in re.split(r"[\s,]+", raw) if c)
    return codes or None


def skip_file_marker(text: str) -> bool:
    """Whether ``# resilint: skip-file`` appears in a comment."""
    return "skip-file" in text and parse_suppressions(text).skip_file
