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

Anything that goes wrong — no git, not a work tree, an untracked file, a file
outside the work tree, a shallow clone's cut-off commit — means "unknown",
never an error. Uncommitted lines are the working author's: not AI-assisted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from resilint.git import git_output
from resilint.model import Provenance
from resilint.provenance.agents import Commit, Patterns, patterns_for

if TYPE_CHECKING:
    from resilint.provenance.sources import FileProvenance, SourceFile

ZERO_SHA = "0" * 40
NOTES_REF = "refs/notes/ai"
_TIMEOUT = 120  # seconds; a blame of a large, old file can take a while
_LOG_FORMAT = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x00%N%x00"
_LOG_FIELDS = 7


@dataclass(frozen=True)
class Repo:
    top: Path
    git_dir: Path
    common_dir: Path  # shared by linked work trees: refs, notes, shallow
    shallow: frozenset[str]  # commits whose parents were cut off: their lines are unknown
    has_notes: bool
    state: tuple[object, ...]  # changes when HEAD, refs or notes move (see _state)


@dataclass(frozen=True)
class BlameLine:
    sha: str
    orig_line: int  # the line number in that commit's version of the file
    filename: str  # the file's path in that commit (follows renames)


@dataclass(frozen=True)
class NoteRange:
    start: int
    end: int
    agent: str


@dataclass(frozen=True)
class CommitRecord:
    commit: Commit
    note: Mapping[str, tuple[NoteRange, ...]]  # git-ai note: file -> AI line ranges


HISTORY_LIMIT = 20_000  # commits read up front to learn whether any is an agent's at all

_locations: dict[Path, tuple[Path, Path, Path] | None] = {}  # folder -> (top, git dir, common dir)
_repos: dict[tuple[Path, tuple[object, ...]], Repo] = {}
_ai_free: dict[tuple[Path, Patterns, tuple[object, ...]], bool] = {}
_commits: dict[tuple[Path, object, str], CommitRecord] = {}  # (git dir, notes state, sha)
_classified: dict[tuple[Patterns, str], Provenance | None] = {}
_answers: dict[tuple[object, ...], dict[int, Provenance]] = {}  # recent files' answers, oldest first
_ANSWERS = 64
stats = {"blame": 0, "log": 0, "classified": 0}  # process counters (benchmarks, tests)


def run_git(args: Iterable[str], cwd: Path, data: bytes | None = None) -> bytes | None:
    """stdout of a successful git command, or None (git missing, failed, timed out)."""
    return git_output(args, cwd, stdin=data, timeout=_TIMEOUT)


def _state(git_dir: Path, common_dir: Path) -> tuple[object, ...]:
    """A cheap fingerprint (file stats) of what provenance depends on: HEAD, its reflog,
    packed refs, the notes ref and the shallow list. A long-running process (the
    language server) sees a new commit or new notes without asking git."""
    out: list[object] = []
    for path in (git_dir / "HEAD", git_dir / "logs" / "HEAD", common_dir / "packed-refs", common_dir / "shallow", common_dir / NOTES_REF):
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def find_repo(folder: Path) -> Repo | None:
    """The work tree containing ``folder``, or None. Where it is is cached per folder;
    its state (shallow commits, notes) is re-read when its fingerprint changes."""
    if folder not in _locations:
        # Ask git once per work tree, not once per folder: the nearest folder with a
        # ".git" entry (a directory, or a file for worktrees and submodules) answers
        # for every folder below it. Folders with none above them ask git directly
        # (GIT_DIR and friends may still place them in a repository).
        anchor = next((p for p in (folder, *folder.parents) if (p / ".git").exists()), folder)
        if anchor not in _locations:
            _locations[anchor] = _ask_location(anchor)
        _locations[folder] = _locations[anchor]
    location = _locations[folder]
    if location is None:
        return None
    top, git_dir, common_dir = location
    state = _state(git_dir, common_dir)
    repo = _repos.get((git_dir, state))
    if repo is None:
        try:
            shallow = frozenset((common_dir / "shallow").read_text().split())
        except OSError:
            shallow = frozenset()
        has_notes = run_git(["rev-parse", "-q", "--verify", NOTES_REF], top) is not None
        repo = _repos[(git_dir, state)] = Repo(top, git_dir, common_dir, shallow, has_notes, state)
    return repo


def _ask_location(folder: Path) -> tuple[Path, Path, Path] | None:
    out = run_git(["rev-parse", "--is-inside-work-tree", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"], folder)
    lines = out.decode("utf-8", "surrogateescape").splitlines() if out else []
    if len(lines) == 4 and lines[0] == "true":
        return (Path(lines[1]), Path(lines[2]), (folder / lines[3]).resolve())
    return None


def blame(repo: Repo, relpath: str, text: str) -> dict[int, BlameLine] | None:
    """``final line -> BlameLine`` for ``text`` standing for ``relpath``; None when git
    cannot blame it (untracked file, no commits yet)."""
    out = run_git(
        ["blame", "--porcelain", "--root", "--contents", "-", "--", relpath],
        repo.top,
        text.encode("utf-8", "surrogateescape"),
    )
    stats["blame"] += 1
    if out is None:
        return None
    lines: dict[int, BlameLine] = {}
    filenames: dict[str, str] = {}
    sha, orig, final = "", 0, 0
    for raw in out.split(b"\n"):
        if raw.startswith(b"\t"):
            lines[final] = BlameLine(sha, orig, filenames.get(sha, relpath))
            continue
        line = raw.decode("utf-8", "surrogateescape")
        head = line.split(" ")
        if len(head) >= 3 and len(head[0]) == 40 and head[1].isdigit() and head[2].isdigit():
            sha, orig, final = head[0], int(head[1]), int(head[2])
        elif line.startswith("filename "):
            filenames[sha] = _unquote(line[len("filename ") :])
    return lines


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
        record = CommitRecord(Commit(sha, an, ae, cn, ce, message), parse_ai_note(note) if note.strip() else MappingProxyType({}))
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
        count = run_git(["rev-list", "--count", f"--max-count={HISTORY_LIMIT + 1}", "HEAD"], repo.top)
        short = count is not None and count.strip().isdigit() and int(count) <= HISTORY_LIMIT
        if short and not repo.has_notes:  # a longer history costs more to scan than it saves
            out = run_git(["log", f"--max-count={HISTORY_LIMIT + 1}", "--no-notes", f"--format={_LOG_FORMAT}", "HEAD"], repo.top)
            stats["log"] += 1
            if out is not None:
                records = _store(repo, out)
                if len(records) <= HISTORY_LIMIT:
                    verdict = not any(patterns.might_be_ai(r.commit) and classify(patterns, r) for r in records)
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
            ["log", "--no-walk=unsorted", "--stdin", f"--notes={NOTES_REF}" if repo.has_notes else "--no-notes", f"--format={_LOG_FORMAT}"],
            repo.top,
            "\n".join(missing).encode() + b"\n",
        )
        stats["log"] += 1
        if out is not None:
            _store(repo, out)
    return {s: _commits[(repo.git_dir, notes, s)] for s in wanted if (repo.git_dir, notes, s) in _commits}


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
    prompts, sessions, humans = (_table(meta, key) for key in ("prompts", "sessions", "humans"))
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
                files.setdefault(current, []).append(NoteRange(int(start), int(end or start), agent))
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
        return path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")
    return path


def classify(patterns: Patterns, record: CommitRecord) -> Provenance | None:
    key = (patterns, record.commit.sha)
    if key not in _classified:
        _classified[key] = patterns.classify(record.commit)
        stats["classified"] += 1
    return _classified[key]


def line_provenance(file: Path, text: str, patterns: Patterns) -> dict[int, Provenance]:
    """The AI-assisted lines of ``file`` (whose current text is ``text``) by git history."""
    try:
        resolved = file.resolve()
    except (OSError, RuntimeError):
        return {}
    repo = find_repo(resolved.parent)
    if repo is None:
        return {}
    try:
        relpath = resolved.relative_to(repo.top.resolve()).as_posix()
    except ValueError:
        return {}  # outside the work tree
    if history_is_ai_free(repo, patterns):
        return {}  # no agent ever committed here: nothing to blame for
    key = (relpath, hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest(), repo.git_dir, repo.state, patterns)
    if key in _answers:  # the same text again (an editor re-checking on save)
        return _answers[key]
    answer = _answers[key] = _line_provenance(repo, relpath, text, patterns)
    while len(_answers) > _ANSWERS:
        del _answers[next(iter(_answers))]
    return answer


def _line_provenance(repo: Repo, relpath: str, text: str, patterns: Patterns) -> dict[int, Provenance]:
    blamed = blame(repo, relpath, text)
    if not blamed:
        return {}
    known = {b.sha for b in blamed.values() if b.sha != ZERO_SHA and b.sha not in repo.shallow}
    records = load_commits(repo, known)
    out: dict[int, Provenance] = {}
    for number, line in blamed.items():
        record = records.get(line.sha)
        if record is None:
            continue  # uncommitted, cut off by a shallow clone, or unreadable: unknown
        found = _from_note(record, line) or classify(patterns, record)
        if found is not None:
            out[number] = found
    return out


def _from_note(record: CommitRecord, line: BlameLine) -> Provenance | None:
    for span in record.note.get(line.filename, ()):
        if span.start <= line.orig_line <= span.end:
            where = f"line {span.start}" if span.start == span.end else f"lines {span.start}-{span.end}"
            detail = f"git-ai note: {span.agent}, {where} of {line.filename} ({record.commit.sha[:7]})"
            return Provenance("git-notes", detail)
    return None


class GitSource:
    """Signal 4: git history (trailers, identities, footers, git-ai notes)."""

    name = "git"
    order = 40

    def may_have_ai_lines(self, source: SourceFile) -> bool:
        """False when git is off, the file is outside a work tree, or no commit in
        the history is an agent's: then the engine can skip the AI-only rules."""
        config = source.config
        if not (config.git_provenance and config.ai.git) or source.file is None:
            return False
        try:
            repo = find_repo(source.file.resolve().parent)
        except (OSError, RuntimeError):
            return False
        return repo is not None and not history_is_ai_free(repo, patterns_for(config))

    def file_provenance(self, source: SourceFile) -> FileProvenance | None:
        from resilint.provenance.sources import FileProvenance

        config = source.config
        if not (config.git_provenance and config.ai.git) or source.file is None:
            return None
        lines = line_provenance(source.file, source.text, patterns_for(config))
        return FileProvenance(lines=MappingProxyType(lines)) if lines else None
