"""A baseline: today's findings, recorded so that only new ones are reported.

Adopting a linter on a mature code base gives hundreds of findings at once; a
baseline accepts them as they are and makes every *new* finding visible, for a
nightly full scan as much as for a rule rolled out to an old tree.

Fingerprint
-----------
Each finding is recorded as ``sha256(code, path, text, index)`` where

* ``path`` is the file's path relative to the baseline file's folder, with
  ``/`` separators, so the baseline works from any working directory and on
  any OS;
* ``text`` is the *normalised* source of the reported span's first logical
  line: the span is cut out of the file, tokenized on its own, comments and
  line-continuation tokens are dropped, whitespace runs collapse to one space
  and a trailing comma before a closing bracket is dropped. So line moves,
  re-indentation, a reformat, a ``# noqa`` appended later (also on the first
  line of a multi-line call, inside the span), and edits elsewhere in the
  function leave it unchanged. "First logical line" stops a span that covers
  a whole ``while`` loop or function at its header: an unrelated edit in the
  body is not a reason to report the loop again. Only comments that tokenize
  says are comments are stripped (``"# not a comment"`` in a string stays); if
  the fragment does not tokenize, only ``# noqa``/``# resilint:`` comments are
  cut by pattern and whitespace collapsed;
* ``index`` is the occurrence of that ``(code, path, text)`` in the file in
  source order, so two identical calls are two entries.

The message is never part of it: rules may reword their messages.

Matching
--------
Findings with the same ``(code, path, text)`` form a group; the baseline's
entries of that group are found by recomputing the fingerprints for indices
``0, 1, 2, ...`` (past gaps that pruning leaves; see ``_claim``). A group with as many findings as entries is wholly baselined. When the
counts differ, the entries' informational ``line`` decides *which* of the
identical findings is the new one (or which entry is stale): findings and
entries are aligned in order, minimising how much the line shift changes from
one match to the next (an insertion above moves all of them alike; a new
identical call is where the shift jumps). ``line`` never decides *whether* a
finding is baselined, only which of several identical ones is new.

Give :meth:`Baseline.filter` the file's *full* findings (before ``--diff``
scoping): the index and the alignment need every identical finding of the
file; apply the diff scope to ``new`` afterwards. Pass the checked files as
``checked`` so a run over part of the tree does not call the rest stale.

Limits: a renamed or moved file makes its entries stale and its findings new;
so does moving the baseline file to another folder (paths are relative to it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from resilint.engine.source_text import for_tokenize, source_lines
from resilint.model import Finding, Span

FORMAT_VERSION = 1
TOOL = "resilint"

SourceOf = Callable[[str], "str | None"]
"""The text of a finding's file, by ``Finding.path``; ``None`` when unreadable."""

_SKIPPED_TOKENS = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})
_SUPPRESSION_COMMENT = re.compile(r"#\s*(?:noqa|resilint\s*:).*$", re.IGNORECASE | re.MULTILINE)
_WHITESPACE = re.compile(r"\s+")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_GAP_WINDOW = 64  # missing indices in a row after which a group's entries are taken to end
_ALIGN_LIMIT = 200  # identical findings in one file beyond which alignment falls back to source order


class BaselineError(Exception):
    """A baseline file that is missing, unreadable, corrupt or of another
    format version. The message is one line and starts with the file's path."""


@dataclass(frozen=True)
class Entry:
    """One recorded finding. ``line`` is informational (and a tie-breaker between
    identical findings); ``ai_assisted`` says whether the line was AI-assisted
    when the baseline was written."""

    code: str
    path: str  # relative to the baseline file's folder, "/" separators
    fingerprint: str
    line: int
    ai_assisted: bool

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.path, self.code, self.line, self.fingerprint)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "path": self.path,
            "fingerprint": self.fingerprint,
            "line": self.line,
            "ai_assisted": self.ai_assisted,
        }


@dataclass(frozen=True)
class BaselineResult:
    """What filtering a run's findings through a baseline leaves.

    ``new``: findings to report, in their input order. ``baselined``: how many
    were matched. ``stale``: entries nothing matches any more (fixed, or the
    code changed); :meth:`Baseline.pruned` removes them. ``revoked``: entries of
    AI-assisted findings that did match but whose code an AI has edited since
    the baseline was written, so the finding is reported again (they are not
    stale: the finding still exists).
    """

    new: tuple[Finding, ...]
    baselined: int
    stale: tuple[Entry, ...]
    revoked: tuple[Entry, ...] = ()

    def note(self, baseline_name: str) -> str:
        """The summary note every front end prints, so they all say it alike:
        ``baseline b.json: 12 findings baselined, 2 entries stale (no longer match)``."""
        parts = [f"{_plural(self.baselined, 'finding')} baselined"]
        if self.stale:
            parts.append(f"{_plural(len(self.stale), 'entry', 'entries')} stale (no longer match)")
        if self.revoked:
            parts.append(f"{_plural(len(self.revoked), 'AI-assisted finding')} reported again after an AI edit")
        return f"baseline {baseline_name}: " + ", ".join(parts)


@dataclass(frozen=True)
class _Keyed:
    finding: Finding
    position: int  # index in the caller's list
    path: str  # as hashed
    text: str


@dataclass(frozen=True)
class Baseline:
    """A loaded (or just written) baseline file.

    ``path`` is the file's absolute path; entry paths are relative to its folder.
    ``written_at`` (UTC, ISO 8601) and ``commit`` (when the caller gave one) say
    when the baseline was taken: the reference point for "edited by AI since".
    """

    path: Path
    entries: tuple[Entry, ...]
    written_at: str | None = None
    commit: str | None = None

    @property
    def root(self) -> Path:
        return self.path.parent

    def filter(
        self,
        findings: Iterable[Finding],
        source_of: SourceOf,
        changed_by_ai_since: Callable[[Finding], bool] | None = None,
        *,
        checked: Iterable[str] | None = None,
        cwd: Path | None = None,
    ) -> BaselineResult:
        """Split ``findings`` into new ones and baselined ones.

        ``findings``: every finding of the checked files (before ``--diff``
        scoping; see the module docstring). Their paths are relative to ``cwd``
        (default: the working directory), as in :class:`~resilint.model.Finding`.

        ``checked``: the paths (like ``Finding.path``) of every file this run
        checked, with or without findings. Only their entries can be stale, so
        ``resilint check one/file.py --baseline b.json`` does not call the rest
        of the baseline stale (and pruning does not delete it). ``None``: the
        run covered every file the baseline knows.

        ``changed_by_ai_since``: the AI rule. An entry recorded for an
        AI-assisted finding matches only while this returns ``False`` for the
        finding: the caller answers whether an AI edited the finding's
        enclosing function (or its line, if it has no finding-to-function map)
        after the baseline was written (``self.written_at`` / ``self.commit``),
        from the provenance it already has. ``None`` means "no such
        information": entries match as recorded. Entries recorded for human
        lines are not affected — the check is about AI code that was accepted
        once and then changed by an AI again.
        """
        here = _cwd(cwd)
        seen: dict[str, str] = {}

        def relative(path: str) -> str:
            if path not in seen:
                seen[path] = _relative(path, self.root, here)
            return seen[path]

        keyed = _keyed(list(findings), source_of, relative)
        remaining: dict[str, list[Entry]] = {}
        for entry in self.entries:
            remaining.setdefault(entry.fingerprint, []).append(entry)

        new: list[_Keyed] = []
        revoked: list[Entry] = []
        baselined = 0
        for (code, path, text), members in _groups(keyed).items():
            group_entries = _claim(remaining, code, path, text, len(members))
            pairs = _align([m.finding.line for m in members], [e.line for e in group_entries])
            for fi, ei in pairs:
                member, entry = members[fi], group_entries[ei]
                if entry.ai_assisted and changed_by_ai_since is not None and changed_by_ai_since(member.finding):
                    revoked.append(entry)
                    new.append(member)
                else:
                    baselined += 1
            matched = {fi for fi, _ei in pairs}
            new.extend(m for i, m in enumerate(members) if i not in matched)
            matched_entries = {ei for _fi, ei in pairs}
            for ei, entry in enumerate(group_entries):
                if ei not in matched_entries:  # back to the pool: reported as stale
                    remaining.setdefault(entry.fingerprint, []).append(entry)
        in_scope = None if checked is None else {relative(p) for p in checked} | {k.path for k in keyed}
        stale = sorted(
            (e for bucket in remaining.values() for e in bucket if in_scope is None or e.path in in_scope),
            key=Entry.sort_key,
        )
        new.sort(key=lambda k: k.position)
        return BaselineResult(
            new=tuple(k.finding for k in new),
            baselined=baselined,
            stale=tuple(stale),
            revoked=tuple(sorted(revoked, key=Entry.sort_key)),
        )

    def pruned(self, stale: Iterable[Entry]) -> Baseline:
        """This baseline without ``stale`` (as returned by :meth:`filter`); save
        it with :meth:`save`. Removes each given entry once."""
        drop: dict[Entry, int] = {}
        for entry in stale:
            drop[entry] = drop.get(entry, 0) + 1
        kept: list[Entry] = []
        for entry in self.entries:
            if drop.get(entry, 0):
                drop[entry] -= 1
            else:
                kept.append(entry)
        return Baseline(self.path, tuple(kept), self.written_at, self.commit)

    def save(self) -> None:
        """Write this baseline to ``self.path`` (atomically)."""
        _write_json(self.path, _document(self.entries, self.written_at, self.commit))


def fingerprints(
    findings: Sequence[Finding],
    source_of: SourceOf,
    *,
    relative_to: Path | None = None,
    cwd: Path | None = None,
) -> list[str]:
    """The fingerprint of each finding, in the order given.

    Paths are hashed as ``Finding.path`` says, or, with ``relative_to`` (a
    folder), relative to it with ``/`` separators — as a baseline in that
    folder records them.
    """
    root = None if relative_to is None else Path(relative_to).resolve()
    here = _cwd(cwd) if root is not None else None
    seen: dict[str, str] = {}

    def path_of(path: str) -> str:
        if path not in seen:
            seen[path] = path.replace(os.sep, "/") if root is None or here is None else _relative(path, root, here)
        return seen[path]

    keyed = _keyed(list(findings), source_of, path_of)
    result = [""] * len(keyed)
    for (code, path, text), members in _groups(keyed).items():
        for index, member in enumerate(members):
            result[member.position] = _digest(code, path, text, index)
    return result


def write_baseline(
    path: str | Path,
    findings: Sequence[Finding],
    source_of: SourceOf,
    *,
    cwd: Path | None = None,
    commit: str | None = None,
    written_at: str | None = None,
) -> Baseline:
    """Record ``findings`` in a baseline file at ``path`` and return it.

    ``commit`` (e.g. ``git rev-parse HEAD``) and ``written_at`` (default: now,
    UTC) are the reference point for the AI rule of :meth:`Baseline.filter`.
    Entries are sorted (path, code, line, fingerprint) for stable diffs.
    """
    target = Path(path).resolve()
    findings = list(findings)
    prints = fingerprints(findings, source_of, relative_to=target.parent, cwd=cwd)
    here = _cwd(cwd)
    entries = sorted(
        (
            Entry(f.code, _relative(f.path, target.parent, here), fp, f.line, f.ai_assisted)
            for f, fp in zip(findings, prints)
        ),
        key=Entry.sort_key,
    )
    stamp = written_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    baseline = Baseline(target, tuple(entries), stamp, commit)
    baseline.save()
    return baseline


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; :class:`BaselineError` (one line, naming the file)
    when it is missing, unreadable, not JSON, not a resilint baseline, of
    another format version, or has a malformed entry."""
    shown = str(path)
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{shown}: baseline file not found (write one with --write-baseline {shown})") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BaselineError(f"{shown}: cannot read baseline: {reason}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{shown}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        raise BaselineError(f'{shown}: not a resilint baseline (expected a JSON object with "tool": "{TOOL}")')
    version = data.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise BaselineError(
            f"{shown}: baseline format version {version!r} is not supported (expected {FORMAT_VERSION}); "
            "write it again with --write-baseline"
        )
    items = data.get("entries")
    if not isinstance(items, list):
        raise BaselineError(f'{shown}: "entries" must be a list')
    entries = tuple(_entry(item, number, shown) for number, item in enumerate(items, 1))
    written_at = data.get("written_at")
    commit = data.get("commit")
    return Baseline(
        Path(path).resolve(),
        entries,
        written_at if isinstance(written_at, str) else None,
        commit if isinstance(commit, str) else None,
    )


# -- fingerprint parts --------------------------------------------------------------


def normalised_text(source: str, span: Span) -> str:
    """The normalised text of ``span``'s first logical line in ``source`` (see
    the module docstring); ``""`` when the span lies outside the source."""
    fragment = _fragment(source_lines(source), span)
    return _normalise(fragment) if fragment else ""


def _fragment(lines: list[str], span: Span) -> str:
    if not 1 <= span.line <= len(lines):
        return ""
    last = max(span.line, min(span.end_line, len(lines)))
    parts: list[str] = []
    for number in range(span.line, last + 1):
        line = lines[number - 1]
        start = span.column - 1 if number == span.line else 0
        end = span.end_column - 1 if number == span.end_line else len(line)
        parts.append(line[max(start, 0) : max(end, 0)])
    fragment = "\n".join(parts)
    if not fragment.strip():  # an empty (point) span: the rest of its line
        fragment = lines[span.line - 1][max(span.column - 1, 0) :]
    return fragment


def _normalise(fragment: str) -> str:
    words: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(for_tokenize(fragment) + "\n").readline):
            if token.type == tokenize.NEWLINE:
                if words:
                    break
                continue
            if token.type in _SKIPPED_TOKENS:
                continue
            words.append(_WHITESPACE.sub(" ", token.string))
    except (tokenize.TokenError, SyntaxError):  # all or nothing: a prefix of the tokens could hide a difference
        return _WHITESPACE.sub(" ", _SUPPRESSION_COMMENT.sub("", fragment)).strip()
    return _join(words)


def _join(words: list[str]) -> str:
    kept = [w for i, w in enumerate(words) if not (w == "," and i + 1 < len(words) and words[i + 1] in ")]}")]
    return " ".join(kept)


def _digest(code: str, path: str, text: str, index: int) -> str:
    payload = "\x1f".join((code, path, text, str(index)))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _claim(remaining: dict[str, list[Entry]], code: str, path: str, text: str, members: int) -> list[Entry]:
    """Take the group's entries out of ``remaining``, in index order.

    Indices run 0..n-1 when written; pruning a stale entry from the middle
    leaves a gap. So the scan goes past the group's size until
    ``_GAP_WINDOW`` indices in a row are missing: bounded work per group, and
    only a gap longer than that (that many identical findings in one file
    pruned while later ones stay) would lose the entries beyond it — they
    turn stale and their findings new; writing the baseline again fixes it.
    """
    claimed: list[Entry] = []
    misses = 0
    index = 0
    while index < members or misses < _GAP_WINDOW:
        bucket = remaining.get(_digest(code, path, text, index))
        if bucket:
            claimed.append(bucket.pop())
            misses = 0
        elif index >= members:
            misses += 1
        index += 1
    return claimed


def _keyed(findings: list[Finding], source_of: SourceOf, path_of: Callable[[str], str]) -> list[_Keyed]:
    sources: dict[str, list[str] | None] = {}
    keyed: list[_Keyed] = []
    for position, finding in enumerate(findings):
        if finding.path not in sources:
            text = source_of(finding.path)
            sources[finding.path] = None if text is None else source_lines(text)
        lines = sources[finding.path]
        fragment = _fragment(lines, finding.span) if lines is not None else ""
        keyed.append(_Keyed(finding, position, path_of(finding.path), _normalise(fragment) if fragment else ""))
    return keyed


def _groups(keyed: list[_Keyed]) -> dict[tuple[str, str, str], list[_Keyed]]:
    """Findings by (code, path, text), each group in source order."""
    groups: dict[tuple[str, str, str], list[_Keyed]] = {}
    order = sorted(keyed, key=lambda k: (k.path, _span_key(k.finding.span), k.finding.code, k.position))
    for item in order:
        groups.setdefault((item.finding.code, item.path, item.text), []).append(item)
    return groups


def _span_key(span: Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


def _align(finding_lines: list[int], entry_lines: list[int]) -> list[tuple[int, int]]:
    """Order-preserving pairs (finding index, entry index) covering the shorter
    list, chosen so the line shift changes least between consecutive pairs (then
    the smallest shifts)."""
    n, m = len(finding_lines), len(entry_lines)
    if n == 0 or m == 0:
        return []
    if n == m or max(n, m) > _ALIGN_LIMIT:
        return [(i, i) for i in range(min(n, m))]
    swap = n > m  # align the shorter list (small) into the longer (large)
    small, large = (entry_lines, finding_lines) if swap else (finding_lines, entry_lines)

    def shift(i: int, j: int) -> int:  # finding line - entry line
        return large[j] - small[i] if swap else small[i] - large[j]

    s, big = len(small), len(large)
    cost: list[list[tuple[int, int] | None]] = [[None] * big for _ in range(s)]
    back: list[list[int]] = [[-1] * big for _ in range(s)]
    for j in range(big):
        cost[0][j] = (0, abs(shift(0, j)))
    for i in range(1, s):
        for j in range(i, big):
            best: tuple[int, int] | None = None
            for jp in range(i - 1, j):
                previous = cost[i - 1][jp]
                if previous is None:
                    continue
                candidate = (previous[0] + abs(shift(i, j) - shift(i - 1, jp)), previous[1] + abs(shift(i, j)))
                if best is None or candidate < best:
                    best, back[i][j] = candidate, jp
            cost[i][j] = best
    last = min((j for j in range(big) if cost[s - 1][j] is not None), key=lambda j: cost[s - 1][j])  # type: ignore[arg-type, return-value]
    pairs: list[tuple[int, int]] = []
    for i in range(s - 1, -1, -1):
        pairs.append((last, i) if swap else (i, last))
        last = back[i][last]
    pairs.reverse()
    return pairs


# -- paths and files ----------------------------------------------------------------


def _cwd(cwd: Path | None) -> Path:
    return (cwd or Path.cwd()).resolve()


def _relative(path: str, root: Path, cwd: Path) -> str:
    """``path`` (relative to ``cwd`` or absolute) relative to ``root``, "/"-separated."""
    candidate = Path(path)
    absolute = (candidate if candidate.is_absolute() else cwd / candidate).resolve()
    try:
        return Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return absolute.as_posix()


def _document(entries: Iterable[Entry], written_at: str | None, commit: str | None) -> dict[str, object]:
    document: dict[str, object] = {"tool": TOOL, "version": FORMAT_VERSION}
    if written_at is not None:
        document["written_at"] = written_at
    if commit is not None:
        document["commit"] = commit
    document["paths"] = "relative to this file's folder"
    document["entries"] = [e.to_json() for e in sorted(entries, key=Entry.sort_key)]
    return document


def _write_json(path: Path, document: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
    os.replace(temporary, path)


def _entry(item: object, number: int, shown: str) -> Entry:
    where = f"{shown}: entry {number}"
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: expected an object")
    for key, kind in (("code", str), ("path", str), ("fingerprint", str), ("line", int), ("ai_assisted", bool)):
        value = item.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise BaselineError(f"{where}: {key!r} must be {_KIND_NAMES[kind]}")
    if not _HEX64.match(item["fingerprint"]):
        raise BaselineError(f"{where}: 'fingerprint' must be 64 lowercase hex digits")
    return Entry(item["code"], item["path"], item["fingerprint"], item["line"], item["ai_assisted"])


_KIND_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"
