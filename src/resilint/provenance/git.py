"""Provenance from git history: which commit last touched each line, and whether
an AI agent took part in it.

Lazily and cheaply: first one ``git log`` of the history (up to
:data:`HISTORY_LIMIT` commits) per repository and process — when no commit is an
agent's, nothing is ever blamed. Otherwise one ``git blame --porcelain`` per file
that needs it (the engine only asks for files with findings or suppressions), fed
the text being checked (``--contents -``) so line numbers always match it; then one
``git log`` for the commits not seen yet, each classified once (cached by SHA).
Git-ai authorship notes under ``refs/notes/ai`` name the exact lines an agent
wrote and are consulted first.

Provenance follows the *code*, not the last touch: a line whose last change
only touched its trailing comment (a ``# noqa`` appended), or its whitespace,
keeps the provenance of the code before that change — for uncommitted edits
(the editor, the index) by aligning the text with ``HEAD``'s version before the
blame, and for commits by looking past such commits (:data:`MAX_HOPS` at most
per line; see :func:`look_past_cosmetic`). Other uncommitted lines are the
working author's, or, with ``--commit-msg-file`` naming an agent, the commit
being made's (:data:`pending_commit`).

Anything that goes wrong — no git, not a work tree, an untracked file, a file
outside the work tree, a shallow clone's cut-off commit — means "unknown",
never an error; what makes the answer incomplete for a whole repository (a
shallow clone, grafts, a blame that failed) is said by :func:`history_warnings`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from types import MappingProxyType

from resilint.git import GitUnavailable
from resilint.git import run_git as _run_git_process
from resilint.model import Provenance
from resilint.provenance.agents import Commit, Patterns
from resilint.provenance.repo import (  # noqa: F401 - re-exported: the work-tree lookup lives there
    _TIMEOUT,
    NOTES_REF,
    Repo,
    find_repo,
    resolved_file,
    run_git,
    source_repo,
    stats,
)


ZERO_SHA = "0" * 40
_LOG_FORMAT = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x00%N%x00"
_LOG_FIELDS = 7


@dataclass(frozen=True)
class BlameLine:
    sha: str
    orig_line: int  # the line number in that commit's version of the file
    filename: str  # the file's path in that commit (follows renames)
    previous: tuple[str, str] | None = (
        None  # (parent, path there); None for a root or boundary commit
    )
    past: tuple[
        str, ...
    ] = ()  # the cosmetic changes looked past to get here (short SHAs, "uncommitted")


@dataclass(frozen=True)
class NoteRange:
    start: int
    end: int
    agent: str


@dataclass(frozen=True)
class CommitRecord:
    commit: Commit
    note: Mapping[str, tuple[NoteRange, ...]]  # git-ai note: file -> AI line ranges


HISTORY_LIMIT = (
    20_000  # commits read up front to learn whether any is an agent's at all
)
MAX_HOPS = 3  # comment/whitespace-only commits looked past per line, at most
UNCOMMITTED = "uncommitted"
# --commit-msg-file: what the commit being made will record, when its message names
# an agent; its new lines (the zero SHA in a blame of the staged text) get it.
pending_commit: Provenance | None = None

_ai_free: dict[tuple[Path, Patterns, tuple[object, ...]], bool] = {}
_commits: dict[
    tuple[Path, object, str], CommitRecord
] = {}  # (git dir, notes state, sha)
_classified: dict[tuple[Patterns, str], Provenance | None] = {}
_answers: dict[
    tuple[object, ...], dict[int, Provenance]
] = {}  # recent files' answers, oldest first
_ANSWERS = 64
_blames: dict[tuple[object, ...], dict[int, BlameLine] | None] = {}  # recent resolved blames, oldest first
_failures: dict[
    Path, dict[str, str]
] = {}  # work tree -> {path: why git could not blame it}


def blame(repo: Repo, relpath: str, text: str) -> dict[int, BlameLine] | None:
    """``final line -> BlameLine`` for ``text`` standing for ``relpath``; None when git
    cannot blame it (untracked file, no commits yet, or a failure, recorded for
    :func:`history_warnings`)."""
    out = _blame(
        repo,
        relpath,
        ["--contents", "-", "--", relpath],
        text.encode("utf-8", "surrogateescape"),
    )
    return None if out is None else _parse_blame(out, relpath)


def _blame(
    repo: Repo, relpath: str, args: list[str], data: bytes | None = None
) -> bytes | None:
    stats["blame"] += 1
    try:
        result = _run_git_process(
            ["blame", "--porcelain", "--root", *args],
            repo.top,
            stdin=data,
            timeout=_TIMEOUT,
        )
    except GitUnavailable as exc:
        _failures.setdefault(repo.top, {})[relpath] = str(exc)
        return None
    if result.returncode == 0:
        return result.stdout
    reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
    first = reason[0] if reason else f"exit status {result.returncode}"
    if (
        "no such path" not in first
        and "no such ref" not in first
        and "bad revision" not in first
    ):
        _failures.setdefault(repo.top, {})[relpath] = (
            first  # not merely untracked: say so
        )
    return None


def _parse_blame(out: bytes, relpath: str) -> dict[int, BlameLine]:
    lines: dict[int, BlameLine] = {}
    filenames: dict[str, str] = {}
    previous: dict[str, tuple[str, str]] = {}
    sha, orig, final = "", 0, 0
    for raw in out.split(b"\n"):
        if raw.startswith(b"\t"):
            lines[final] = BlameLine(
                sha, orig, filenames.get(sha, relpath), previous.get(sha)
            )
            continue
        line = raw.decode("utf-8", "surrogateescape")
        head = line.split(" ")
        if (
            len(head) >= 3
            and len(head[0]) == 40
            and head[1].isdigit()
            and head[2].isdigit()
        ):
            sha, orig, final = head[0], int(head[1]), int(head[2])
        elif line.startswith("filename "):
            filenames[sha] = _unquote(line[len("filename ") :])
        elif line.startswith("previous "):
            parent, _, path = line[len("previous ") :].partition(" ")
            previous[sha] = (parent, _unquote(path))
    return lines


# -- provenance follows the code: looking past comment and whitespace changes --------

_STRING_START = re.compile(r"""('{3}|"{3}|'|")""")


def code_of(line: str) -> str:
    """The code of one line: without its trailing comment and without any whitespace,
    so appending ``# noqa``, rewording a comment or re-indenting does not change it.
    Quotes on the line are honoured (``"#"`` in a string is code); a line inside a
    multi-line string is read as code."""
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char == "#":
            line = line[:i]
            break
        if char in "'\"":
            match = _STRING_START.match(line, i)
            quote = match.group(1) if match else char
            end = i + len(quote)
            while end < n and not line.startswith(quote, end):
                end += 2 if line[end] == "\\" else 1
            i = end + len(quote)
            continue
        i += 1
    return "".join(line.split())


def restore_cosmetic(text: str, base: str) -> tuple[str, set[int]]:
    """``text`` with each line whose code equals its counterpart in ``base`` (aligned
    by code) replaced by that counterpart, and the numbers of the lines replaced: a
    blame of the result attributes them to whoever wrote their code."""
    current, old = text.splitlines(), base.splitlines()
    now_code, old_code = [code_of(x) for x in current], [code_of(x) for x in old]
    restored: set[int] = set()
    out = list(current)
    for tag, i1, _i2, j1, j2 in SequenceMatcher(
        None, old_code, now_code, autojunk=False
    ).get_opcodes():
        if tag != "equal":
            continue
        for k in range(j2 - j1):
            if current[j1 + k] != old[i1 + k] and now_code[j1 + k]:
                out[j1 + k] = old[i1 + k]
                restored.add(j1 + k + 1)
    if not restored:
        return text, restored
    return "\n".join(out) + ("\n" if text.endswith(("\n", "\r")) else ""), restored


@dataclass
class _Hunk:
    old_start: int
    old: list[str] = field(default_factory=list)
    new_start: int = 0
    new: list[str] = field(default_factory=list)


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _commit_diffs(
    repo: Repo, shas: Iterable[str], paths: Iterable[str]
) -> dict[tuple[str, str], list[_Hunk]]:
    """``(commit, new path) -> hunks`` of each commit against its parent, limited to
    ``paths``, in one ``git log -p -U0`` (merges show no diff: never looked past)."""
    wanted = sorted(set(shas))
    out = run_git(
        [
            "-c",
            "core.quotepath=off",
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "-p",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--format=%x00%H",
            "--",
            *sorted(set(paths)),
        ],
        repo.top,
        "\n".join(wanted).encode() + b"\n",
    )
    stats["log"] += 1
    diffs: dict[tuple[str, str], list[_Hunk]] = {}
    if out is None:
        return diffs
    sha, hunks, hunk = "", None, None
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    for line in lines:
        if line.startswith("\x00"):
            sha, hunks, hunk = line[1:].strip(), None, None
        elif line.startswith("diff --git "):
            hunks, hunk = None, None
        elif line.startswith("+++ ") and hunk is None:
            target = line[4:].rstrip("\t")
            if target != "/dev/null":
                path = _unquote(target)
                hunks = diffs.setdefault((sha, path.removeprefix("b/")), [])
        elif line.startswith("@@ ") and hunks is not None:
            match = _HUNK.match(line)
            if match:
                hunk = _Hunk(int(match.group(1)), new_start=int(match.group(3)))
                hunks.append(hunk)
        elif hunk is not None and line.startswith("-"):
            hunk.old.append(line[1:])
        elif hunk is not None and line.startswith("+"):
            hunk.new.append(line[1:])
    return diffs


def _cosmetic_origin(hunks: list[_Hunk], line: int) -> int | None:
    """The parent's line number whose code ``line`` of the commit kept, when the
    commit changed only that line's comment or whitespace; else None."""
    for hunk in hunks:
        if not hunk.new_start <= line < hunk.new_start + len(hunk.new):
            continue
        if not hunk.old:
            return None  # an added line
        k = line - hunk.new_start
        code = code_of(hunk.new[k])
        if not code:
            return None
        old_code = [code_of(x) for x in hunk.old]
        if len(hunk.old) == len(hunk.new) and old_code[k] == code:
            return hunk.old_start + k
        matcher = SequenceMatcher(
            None, old_code, [code_of(x) for x in hunk.new], autojunk=False
        )
        for a, b, size in matcher.get_matching_blocks():
            if b <= k < b + size:
                return hunk.old_start + a + (k - b)
        return None
    return None


def _blame_at(
    repo: Repo, rev: str, path: str, lines: Iterable[int]
) -> dict[int, BlameLine]:
    """Blame of some lines of ``path`` as of ``rev`` (one process, one ``-L`` per run of lines)."""
    ranges: list[list[int]] = []
    for number in sorted(set(lines)):
        if ranges and ranges[-1][1] == number - 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    args = [arg for first, last in ranges for arg in ("-L", f"{first},{last}")]
    out = _blame(repo, path, [*args, rev, "--", path])
    return {} if out is None else _parse_blame(out, path)


def look_past_cosmetic(
    repo: Repo, blamed: dict[int, BlameLine], hops: int | None = None
) -> dict[int, BlameLine]:
    """Each line blamed on a commit that changed only its comment or whitespace is
    blamed again as of that commit's parent, up to ``hops`` times: one
    ``git log -p`` of the commits involved per round, and one ``git blame -L`` per
    parent version that holds such lines."""
    current = dict(blamed)
    hops = MAX_HOPS if hops is None else hops
    todo = {
        n
        for n, b in current.items()
        if b.previous is not None and b.sha != ZERO_SHA and b.sha not in repo.shallow
    }
    for _ in range(hops):
        if not todo:
            break
        diffs = _commit_diffs(
            repo,
            (current[n].sha for n in todo),
            (p for n in todo for p in (current[n].filename, current[n].previous[1])),
        )  # type: ignore[index]
        moves: dict[tuple[str, str], dict[int, int]] = {}
        for number in todo:
            line = current[number]
            origin = _cosmetic_origin(
                diffs.get((line.sha, line.filename), []), line.orig_line
            )
            if origin is not None and line.previous is not None:
                moves.setdefault(line.previous, {})[number] = origin
        todo = set()
        for (parent, path), wanted in moves.items():
            earlier = _blame_at(repo, parent, path, wanted.values())
            for number, origin in wanted.items():
                found = earlier.get(origin)
                if found is None:
                    continue
                stats["cosmetic"] += 1
                past = (*current[number].past, current[number].sha[:7])
                current[number] = BlameLine(
                    found.sha, found.orig_line, found.filename, found.previous, past
                )
                if found.previous is not None and found.sha not in repo.shallow:
                    todo.add(number)
    return current


def history_warnings(repo: Repo) -> list[str]:
    """What makes git provenance incomplete for this work tree, with the fix: a
    shallow clone, grafts, and (in this process) files git could not blame."""
    out: list[str] = []
    fix = "fetch the full history (actions/checkout `fetch-depth: 0`, or `git fetch --unshallow`), or declare AI-assisted changes from the pipeline with --ai-assisted / RESILINT_AI_ASSISTED=1"
    if repo.shallow:
        cut = ", ".join(sorted(s[:7] for s in repo.shallow)[:3])
        out.append(
            f"git history is incomplete (a shallow clone, cut off at {cut}): lines last changed at or before the cut-off "
            f"have no known author, so AI-assisted lines there are checked at human severity; {fix}"
        )
    grafts = repo.common_dir / "info" / "grafts"
    try:
        grafted = grafts.is_file() and grafts.stat().st_size > 0
    except OSError:
        grafted = False
    if grafted:
        out.append(
            f"git history is rewritten by {grafts} (grafts): blame may attribute lines to the wrong commits; remove the grafts, or {fix.split(', or ', 1)[1]}"
        )
    failed = _failures.get(repo.top, {})
    if failed:
        path, why = min(failed.items())
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        out.append(
            f"git could not blame {path}{more}: {why}; its lines have no known author, so AI-assisted lines there are checked at human severity"
        )
    return out


def _notes_state(repo: Repo) -> object:
    """Commit records carry their git-ai note: they are stale once the notes move."""
    return (repo.state[2], repo.state[4]) if repo.has_notes else None


def _store(repo: Repo, out: bytes) -> list[CommitRecord]:
    """Parse ``git log --format=_LOG_FORMAT`` output into the per-process cache."""
    records = []
    fields = out.decode("utf-8", "replace").split("\x00")
    for i in range(0, len(fields) - _LOG_FIELDS + 1, _LOG_FIELDS):
        sha, an, ae, cn, ce, message, note = fields[i : i + _LOG_FIELDS]
        sha = sha.strip()
        record = CommitRecord(
            Commit(sha, an, ae, cn, ce, message),
            parse_ai_note(note) if note.strip() else MappingProxyType({}),
        )
        _commits[(repo.git_dir, _notes_state(repo), sha)] = record
        records.append(record)
    return records


def history_is_ai_free(repo: Repo, patterns: Patterns) -> bool:
    """Whether no commit reachable from HEAD carries an AI signal (then no file needs a
    blame). One ``git log`` per repository and process, for histories up to
    :data:`HISTORY_LIMIT` commits; the commits read are cached for later blames.
    Repositories with git-ai notes are never assumed AI-free."""
    key = (repo.git_dir, patterns, repo.state)
    if key not in _ai_free:
        verdict = False
        count = run_git(
            ["rev-list", "--count", f"--max-count={HISTORY_LIMIT + 1}", "HEAD"],
            repo.top,
        )
        short = (
            count is not None
            and count.strip().isdigit()
            and int(count) <= HISTORY_LIMIT
        )
        if (
            short and not repo.has_notes
        ):  # a longer history costs more to scan than it saves
            out = run_git(
                [
                    "log",
                    f"--max-count={HISTORY_LIMIT + 1}",
                    "--no-notes",
                    f"--format={_LOG_FORMAT}",
                    "HEAD",
                ],
                repo.top,
            )
            stats["log"] += 1
            if out is not None:
                records = _store(repo, out)
                if len(records) <= HISTORY_LIMIT:
                    verdict = not any(
                        patterns.might_be_ai(r.commit) and classify(patterns, r)
                        for r in records
                    )
        _ai_free[key] = verdict
    return _ai_free[key]


def load_commits(repo: Repo, shas: Iterable[str]) -> dict[str, CommitRecord]:
    """Commit metadata (and git-ai notes) for ``shas``, one ``git log`` for those not
    cached yet."""
    wanted = set(shas)
    notes = _notes_state(repo)
    missing = sorted(s for s in wanted if (repo.git_dir, notes, s) not in _commits)
    if missing:
        out = run_git(
            [
                "log",
                "--no-walk=unsorted",
                "--stdin",
                f"--notes={NOTES_REF}" if repo.has_notes else "--no-notes",
                f"--format={_LOG_FORMAT}",
            ],
            repo.top,
            "\n".join(missing).encode() + b"\n",
        )
        stats["log"] += 1
        if out is not None:
            _store(repo, out)
    return {
        s: _commits[(repo.git_dir, notes, s)]
        for s in wanted
        if (repo.git_dir, notes, s) in _commits
    }


def parse_ai_note(text: str) -> Mapping[str, tuple[NoteRange, ...]]:
    """A git-ai authorship log (``authorship/3.x``): file paths, each followed by
    indented ``<attestation id> <ranges>`` lines, then ``---`` and JSON naming the
    agent of each id. Ids of known humans (``h_…``, ``humans``) are not AI."""
    head, _, tail = text.partition("\n---")
    try:
        meta = json.loads(tail) if tail.strip() else {}
    except ValueError:
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    prompts, sessions, humans = (
        _table(meta, key) for key in ("prompts", "sessions", "humans")
    )
    files: dict[str, list[NoteRange]] = {}
    current: str | None = None
    for line in head.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            current = _unquote(line.strip())
            continue
        parts = line.split()
        if current is None or len(parts) != 2:
            continue
        ident, ranges = parts
        if ident.startswith("h_") or ident in humans:
            continue
        agent = _agent_of(prompts.get(ident) or sessions.get(ident.split("::", 1)[0]))
        for chunk in ranges.split(","):
            start, _, end = chunk.partition("-")
            if start.isdigit() and (not end or end.isdigit()):
                files.setdefault(current, []).append(
                    NoteRange(int(start), int(end or start), agent)
                )
    return MappingProxyType({k: tuple(v) for k, v in files.items()})


def _table(meta: dict[str, object], key: str) -> dict[str, object]:
    value = meta.get(key)
    return value if isinstance(value, dict) else {}


def _agent_of(record: object) -> str:
    agent = record.get("agent_id") if isinstance(record, dict) else None
    if not isinstance(agent, dict):
        return "an agent"
    tool, model = agent.get("tool"), agent.get("model")
    return f"{tool} ({model})" if tool and model else str(tool or model or "an agent")


def _unquote(path: str) -> str:
    if len(path) >= 2 and path[0] == path[-1] == '"':
        return (
            path[1:-1]
            .encode("latin-1", "backslashreplace")
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8", "replace")
        )
    return path


def classify(patterns: Patterns, record: CommitRecord) -> Provenance | None:
    key = (patterns, record.commit.sha)
    if key not in _classified:
        _classified[key] = patterns.classify(record.commit)
        stats["classified"] += 1
    return _classified[key]


def line_provenance(file: Path, text: str, patterns: Patterns | Callable[[], Patterns]) -> dict[int, Provenance]:
    """The AI-assisted lines of ``file`` (whose current text is ``text``) by git history.
    ``patterns`` may be a function giving them: called only for a file in a work tree."""
    try:
        resolved = file.resolve()
    except (OSError, RuntimeError):
        return {}
    repo = find_repo(resolved.parent)
    if repo is None:
        return {}
    if callable(patterns):
        patterns = patterns()
    try:
        relpath = resolved.relative_to(repo.top.resolve()).as_posix()
    except ValueError:
        return {}  # outside the work tree
    if pending_commit is None and history_is_ai_free(repo, patterns):
        return {}  # no agent ever committed here: nothing to blame for
    key = (
        relpath,
        hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest(),
        repo.git_dir,
        repo.state,
        patterns,
        pending_commit,
    )
    if key in _answers:  # the same text again (an editor re-checking on save)
        return _answers[key]
    answer = _answers[key] = _line_provenance(repo, relpath, text, patterns)
    while len(_answers) > _ANSWERS:
        del _answers[next(iter(_answers))]
    return answer


def resolved_blame(repo: Repo, relpath: str, text: str) -> dict[int, BlameLine] | None:
    """The blame of ``text`` with provenance following the code: uncommitted lines
    whose code ``HEAD`` already had are blamed as ``HEAD``'s, and commits that only
    changed a line's comment or whitespace are looked past. Kept for the recent
    files (the provenance of a file and the baseline's "edited since" ask for the
    same blame); the caller must not change the mapping returned."""
    digest = hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()
    key = (repo.git_dir, repo.state, relpath, digest, MAX_HOPS)
    if key not in _blames:
        _blames[key] = _resolved_blame(repo, relpath, text)
        while len(_blames) > _ANSWERS:
            del _blames[next(iter(_blames))]
    return _blames[key]


def _resolved_blame(repo: Repo, relpath: str, text: str) -> dict[int, BlameLine] | None:
    base = run_git(["cat-file", "-p", f"HEAD:{relpath}"], repo.top)
    restored: set[int] = set()
    blamed_text = text
    if base is not None:
        head_text = base.decode("utf-8", "surrogateescape")
        if head_text != text:
            blamed_text, restored = restore_cosmetic(text, head_text)
    blamed = blame(repo, relpath, blamed_text)
    if not blamed:
        return blamed
    for number in restored:
        line = blamed.get(number)
        if line is not None and line.sha != ZERO_SHA:
            blamed[number] = BlameLine(
                line.sha, line.orig_line, line.filename, line.previous, (UNCOMMITTED,)
            )
    return look_past_cosmetic(repo, blamed)


def _line_provenance(
    repo: Repo, relpath: str, text: str, patterns: Patterns
) -> dict[int, Provenance]:
    blamed = resolved_blame(repo, relpath, text)
    if not blamed:
        return {}
    known = {
        b.sha
        for b in blamed.values()
        if b.sha != ZERO_SHA and b.sha not in repo.shallow
    }
    records = load_commits(repo, known)
    out: dict[int, Provenance] = {}
    for number, line in blamed.items():
        if line.sha == ZERO_SHA:
            if pending_commit is not None:
                out[number] = pending_commit
            continue
        record = records.get(line.sha)
        if record is None:
            continue  # cut off by a shallow clone, or unreadable: unknown
        found = _from_note(record, line) or classify(patterns, record)
        if found is not None:
            out[number] = _past(found, line) if line.past else found
    return out


def _past(found: Provenance, line: BlameLine) -> Provenance:
    """The evidence says which later edits left the code as it was."""
    return Provenance(
        found.signal,
        f"{found.detail}; code unchanged by later comment/whitespace edits ({', '.join(line.past)})",
        found.confidence,
    )


def _from_note(record: CommitRecord, line: BlameLine) -> Provenance | None:
    for span in record.note.get(line.filename, ()):
        if span.start <= line.orig_line <= span.end:
            where = (
                f"line {span.start}"
                if span.start == span.end
                else f"lines {span.start}-{span.end}"
            )
            detail = f"git-ai note: {span.agent}, {where} of {line.filename} ({record.commit.sha[:7]})"
            return Provenance("git-notes", detail)
    return None
