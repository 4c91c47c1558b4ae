"""Which git work tree a file is in: the light part of git provenance.

Every run asks, for every file, whether some line may be AI-assisted, and most
folders answer "no work tree here" without starting git. This module answers that
(and caches where each work tree is) without loading the blame, history and notes
machinery of :mod:`resilint.provenance.git`, which imports it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resilint.provenance.sources import SourceFile

NOTES_REF = "refs/notes/ai"
_TIMEOUT = 120  # seconds; a blame of a large, old file can take a while


@dataclass(frozen=True)
class Repo:
    top: Path
    git_dir: Path
    common_dir: Path  # shared by linked work trees: refs, notes, shallow
    shallow: frozenset[
        str
    ]  # commits whose parents were cut off: their lines are unknown
    has_notes: bool
    state: tuple[object, ...]  # changes when HEAD, refs or notes move (see _state)


stats = {
    "location": 0,  # git asked where a folder's work tree is
    "blame": 0,
    "log": 0,
    "classified": 0,
    "cosmetic": 0,
}  # process counters (benchmarks, tests)
_locations: dict[
    Path, tuple[Path, Path, Path] | None
] = {}  # folder -> (top, git dir, common dir)
_repos: dict[tuple[Path, tuple[object, ...]], Repo] = {}


def run_git(args: Iterable[str], cwd: Path, data: bytes | None = None) -> bytes | None:
    """stdout of a successful git command, or None (git missing, failed, timed out)."""
    from resilint.git import git_output  # subprocess: only once a folder is in a work tree

    return git_output(args, cwd, stdin=data, timeout=_TIMEOUT)


def _state(git_dir: Path, common_dir: Path) -> tuple[object, ...]:
    """A cheap fingerprint (file stats) of what provenance depends on: HEAD, its reflog,
    packed refs, the notes ref and the shallow list. A long-running process (the
    language server) sees a new commit or new notes without asking git."""
    out: list[object] = []
    for path in (
        git_dir / "HEAD",
        git_dir / "logs" / "HEAD",
        common_dir / "packed-refs",
        common_dir / "shallow",
        common_dir / NOTES_REF,
    ):
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
        # for every folder below it. Folders with none above them are in no work tree
        # unless GIT_DIR or GIT_WORK_TREE place them in one: then git is asked directly,
        # else not at all (it was a ``git rev-parse`` per folder of a tree outside git).
        anchor = next(
            (p for p in (folder, *folder.parents) if (p / ".git").exists()), None
        )
        if anchor is None and not _placed_by_environment():
            _locations[folder] = None
        else:
            anchor = anchor or folder
            if anchor not in _locations:
                stats["location"] += 1
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
        repo = _repos[(git_dir, state)] = Repo(
            top, git_dir, common_dir, shallow, has_notes, state
        )
    return repo


# The last source file asked about: its resolved path and its work tree. The engine
# asks each provenance source in turn about one file (``Engine._may_be_ai``), and
# several look the same file up: they share one resolve() and one find_repo. One
# tuple, replaced whole (another thread reads either the old or the new one).
_MISS = object()
_last_source: tuple[object, Path, object] = (None, Path(), _MISS)  # (source, resolved file, repo or _MISS)


def resolved_file(source: SourceFile) -> Path:
    """``source.file.resolve()`` (raises as it does), computed once for the last source."""
    global _last_source
    assert source.file is not None
    last = _last_source
    if last[0] is source:
        return last[1]
    resolved = source.file.resolve()
    _last_source = (source, resolved, _MISS)
    return resolved


def source_repo(source: SourceFile) -> Repo | None:
    """``find_repo(source.file.resolve().parent)`` (raises as they do), computed once for
    the last source."""
    global _last_source
    resolved = resolved_file(source)
    last = _last_source
    if last[0] is source and last[2] is not _MISS:
        return last[2]  # type: ignore[return-value]
    repo = find_repo(resolved.parent)
    _last_source = (source, resolved, repo)
    return repo


def _placed_by_environment() -> bool:
    """GIT_DIR (a repository anywhere) or GIT_WORK_TREE set: git may answer for a
    folder with no ".git" above it."""
    return bool(os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"))


def _ask_location(folder: Path) -> tuple[Path, Path, Path] | None:
    out = run_git(
        [
            "rev-parse",
            "--is-inside-work-tree",
            "--show-toplevel",
            "--absolute-git-dir",
            "--git-common-dir",
        ],
        folder,
    )
    lines = out.decode("utf-8", "surrogateescape").splitlines() if out else []
    if len(lines) == 4 and lines[0] == "true":
        return (Path(lines[1]), Path(lines[2]), (folder / lines[3]).resolve())
    return None


def warnings_for(files: Iterable[Path]) -> list[str]:
    """:func:`~resilint.provenance.git.history_warnings` of every work tree holding one
    of ``files`` (once each); the history machinery loads only when there is one."""
    seen: dict[Path, None] = {}
    out: list[str] = []
    for file in files:
        try:
            resolved = file.resolve()
            repo = find_repo(resolved if resolved.is_dir() else resolved.parent)
        except (OSError, RuntimeError):
            continue
        if repo is None or repo.top in seen:
            continue
        seen[repo.top] = None
        from resilint.provenance.git import history_warnings

        out.extend(history_warnings(repo))
    return out
