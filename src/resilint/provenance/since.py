"""The baseline's AI rule: has an AI edited a baselined finding's code since the
baseline was written?

A finding on an AI-assisted line is baselined like any other, but an AI edit of
its *enclosing function* after the baseline was written brings it back (see
:meth:`resilint.engine.baseline.Baseline.filter`). "Its enclosing function" is
the innermost ``def`` holding the finding's first line, decorators included;
outside any function, the statement holding it (the module-level statement, or
the statement of a class body). That function was "edited by an AI since" when
one of its lines

* is AI-assisted by the run's provenance (the same sources and
  ``min-confidence`` as the check: flags, config paths, in-file markers, agent
  records, git history), and
* was changed after the baseline: by ``git blame`` of the checked text, its
  last change is a commit that is not the baseline's ``commit`` or one of its
  ancestors (one ``git rev-list HEAD ^COMMIT`` per repository and run); or,
  when the baseline has no commit (or the repository does not know it), a
  commit whose committer time is after the baseline's ``written_at``; or it is
  uncommitted and the file was saved after ``written_at`` (or the text checked
  is an editor's unsaved buffer).

Provenance follows the code (:func:`resilint.provenance.git.resolved_blame`):
a line whose last change only touched its comment or whitespace keeps the
commit of its code, and blank or comment-only lines are not edits. Without git
(no repository, an untracked file, a failed blame) nothing can be said to
have changed since, and entries match as recorded.

Cost: nothing happens until a finding matches an entry recorded as
AI-assisted; then one blame per file (shared with the git provenance source)
and one ``rev-list`` per repository.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from resilint.config.settings import Config
from resilint.model import Finding
from resilint.paths import relative_to_root
from resilint.provenance import git as gitmod
from resilint.provenance.sources import LineProvenance, ProvenanceSource, SourceFile

_COMMIT = re.compile(r"[0-9a-fA-F]{4,64}\Z")
_SINCE_CACHE = 16
# (git dir, repository state, baseline commit) -> the commits since it, or None when
# the repository does not know the commit
_since: dict[tuple[object, ...], frozenset[str] | None] = {}
_commit_times: dict[tuple[Path, str], int] = {}  # (git dir, sha) -> committer time


def enclosing_lines(tree: ast.Module, line: int) -> tuple[int, int] | None:
    """The first and last line of the innermost function holding ``line``
    (decorators included); outside functions, of the statement holding it
    (descending into class bodies); None when no statement holds it."""
    best: tuple[int, int] | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start, end = _extent(node)
            if start <= line <= end and (best is None or start >= best[0]):
                best = (start, end)
    if best is not None:
        return best
    body: list[ast.stmt] = tree.body
    found: tuple[int, int] | None = None
    while True:
        holder = next((s for s in body if _extent(s)[0] <= line <= _extent(s)[1]), None)
        if holder is None:
            return found
        found = _extent(holder)
        if not isinstance(holder, ast.ClassDef):
            return found
        body = holder.body


def _extent(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", ())
    start = min([node.lineno, *(d.lineno for d in decorators)])
    return start, node.end_lineno or node.lineno


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():  # the checked code's invalid escapes are not ours to report
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _epoch(written_at: str | None) -> float | None:
    if not written_at:
        return None
    try:
        stamp = datetime.fromisoformat(written_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


@dataclass
class _File:
    text: str
    file: Path | None
    provenance: LineProvenance
    repo: gitmod.Repo | None
    relpath: str | None  # in the repository
    lines: list[str] = field(default_factory=list)
    tree: ast.Module | None = None
    parsed: bool = False
    blamed: Mapping[int, gitmod.BlameLine] | None = None
    blame_asked: bool = False
    edited: dict[int, bool] = field(default_factory=dict)  # line -> AI-edited since the baseline
    saved_since: bool | None = None


class AiEditsSince:
    """``changed_by_ai_since`` for :meth:`Baseline.filter`: ``True`` when an AI
    edited the finding's enclosing function after the baseline (see the module
    docstring). One instance per run (or per checked buffer): it keeps each
    file's parse, provenance and blame for the findings after the first.

    ``source_of``: the text checked, by ``Finding.path`` (the same the
    fingerprints are computed from). ``files``: the real file of a path when it
    is not the path itself (an editor buffer shown under another name)."""

    def __init__(
        self,
        commit: str | None,
        written_at: str | None,
        config: Config,
        sources: tuple[ProvenanceSource, ...],
        source_of: Callable[[str], str | None],
        *,
        files: Mapping[str, Path | None] | None = None,
    ) -> None:
        self.commit = commit if commit and _COMMIT.match(commit) else None
        self.written_at = _epoch(written_at)
        self.config = config
        self.sources = sources
        self.source_of = source_of
        self.files = files or {}
        self._files: dict[str, _File | None] = {}

    def __call__(self, finding: Finding) -> bool:
        state = self._file(finding.path)
        if state is None:
            return False
        first, last = self._scope(state, finding)
        return any(self._edited(state, number) for number in range(first, last + 1))

    # -- per file ------------------------------------------------------------------

    def _file(self, path: str) -> _File | None:
        if path not in self._files:
            self._files[path] = self._load(path)
        return self._files[path]

    def _load(self, path: str) -> _File | None:
        text = self.source_of(path)
        if text is None:
            return None
        file = self.files[path] if path in self.files else Path(path)
        relpath = relative_to_root(file, self.config.root) if file is not None else None
        provenance = LineProvenance(self.sources, SourceFile(path, file, relpath, text, self.config))
        repo, in_repo = None, None
        if file is not None:
            try:
                resolved = file.resolve()
                repo = gitmod.find_repo(resolved.parent)
                if repo is not None:
                    in_repo = resolved.relative_to(repo.top.resolve()).as_posix()
            except (OSError, RuntimeError, ValueError):
                repo = None
        if repo is None or in_repo is None:
            return None  # no history: nothing is known to have changed since
        return _File(text, file, provenance, repo, in_repo, text.splitlines())

    def _scope(self, state: _File, finding: Finding) -> tuple[int, int]:
        if not state.parsed:
            state.tree, state.parsed = _parse(state.text), True
        span = finding.span
        found = enclosing_lines(state.tree, span.line) if state.tree is not None else None
        first, last = found if found is not None else (span.line, span.end_line)
        return min(first, span.line), max(last, span.end_line, span.line)

    def _edited(self, state: _File, number: int) -> bool:
        if number not in state.edited:
            state.edited[number] = self._edited_line(state, number)
        return state.edited[number]

    def _edited_line(self, state: _File, number: int) -> bool:
        if not 1 <= number <= len(state.lines) or not gitmod.code_of(state.lines[number - 1]):
            return False  # blank or comment-only: not an edit of the code
        if state.provenance.at(number) is None:
            return False
        blamed = self._blame(state)
        line = blamed.get(number) if blamed is not None else None
        if line is None:
            return False
        if line.sha == gitmod.ZERO_SHA:
            return self._saved_since(state)
        assert state.repo is not None
        if line.sha in state.repo.shallow:
            return False
        return self._committed_since(state.repo, line.sha, blamed)

    def _blame(self, state: _File) -> Mapping[int, gitmod.BlameLine] | None:
        if not state.blame_asked:
            state.blame_asked = True
            assert state.repo is not None and state.relpath is not None
            state.blamed = gitmod.resolved_blame(state.repo, state.relpath, state.text)
        return state.blamed

    def _saved_since(self, state: _File) -> bool:
        """An uncommitted line changed after the baseline: its file was saved in a
        later second than ``written_at`` (seconds: ``written_at`` has no more), or
        the text checked is not the file's (an editor's unsaved buffer)."""
        if state.saved_since is None:
            state.saved_since = self._file_saved_since(state)
        return state.saved_since

    def _file_saved_since(self, state: _File) -> bool:
        if self.written_at is None or state.file is None:
            return True
        try:
            info = state.file.stat()
            on_disk = state.file.read_bytes()
        except OSError:
            return True
        from resilint.engine.reading import decode_source

        try:
            if decode_source(on_disk) != state.text:
                return True
        except (SyntaxError, UnicodeDecodeError, LookupError):
            return True
        return math.floor(info.st_mtime) > self.written_at

    # -- per repository -----------------------------------------------------------

    def _committed_since(self, repo: gitmod.Repo, sha: str, blamed: Mapping[int, gitmod.BlameLine]) -> bool:
        since = self._since(repo)
        if since is not None:
            return sha in since
        if self.written_at is None:
            return False  # no reference point: cannot tell
        times = _times(repo, {b.sha for b in blamed.values() if b.sha != gitmod.ZERO_SHA})
        time = times.get(sha)
        return time is not None and time > self.written_at

    def _since(self, repo: gitmod.Repo) -> frozenset[str] | None:
        """The commits reachable from ``HEAD`` that are not the baseline commit or
        its ancestors; None without a commit, or when the repository lacks it."""
        if self.commit is None:
            return None
        key = (repo.git_dir, repo.state, self.commit)
        if key not in _since:
            out = gitmod.run_git(["rev-list", "HEAD", f"^{self.commit}", "--"], repo.top)
            _since[key] = None if out is None else frozenset(out.decode("ascii", "replace").split())
            while len(_since) > _SINCE_CACHE:
                del _since[next(iter(_since))]
        return _since[key]


def _times(repo: gitmod.Repo, shas: set[str]) -> dict[str, int]:
    """Committer times of ``shas``: one ``git log`` for those not known yet."""
    missing = sorted(s for s in shas if (repo.git_dir, s) not in _commit_times)
    if missing:
        out = gitmod.run_git(["log", "--no-walk=unsorted", "--stdin", "--no-notes", "--format=%H %ct"], repo.top, "\n".join(missing).encode() + b"\n")
        for row in (out or b"").decode("ascii", "replace").splitlines():
            sha, _, stamp = row.partition(" ")
            if stamp.strip().isdigit():
                _commit_times[(repo.git_dir, sha)] = int(stamp)
    return {s: _commit_times[(repo.git_dir, s)] for s in shas if (repo.git_dir, s) in _commit_times}
