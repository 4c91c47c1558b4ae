"""Changed lines from git, for ``resilint check --diff [REF]`` and ``--staged``.

One ``git diff --unified=0`` over the whole work tree gives, per file, the
lines of its new version that were added or modified. Details that matter:

- Renames are followed (``-M``): a renamed file's unchanged lines are not
  changes. Code *moved* within or between files is not a change either: git's
  own moved-code detection (``--color-moved=blocks``, blocks of at least 20
  alphanumeric characters) marks those lines, and only the colour tells, so
  the diff is read coloured with colours we set ourselves.
- New files count whole (untracked, not ignored files too, in ``--diff``
  mode, diffed through a scratch copy of the index); deleted files count
  nothing.
- ``--staged`` diffs the index against HEAD and reads the staged blobs (the
  content pre-commit will commit), not the working tree. Run by pre-commit with
  ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` set (``pre-commit run
  --from-ref A --to-ref B``, pre-push), it checks that range instead: the
  merge-base of A and B against B, reading B's blobs (:func:`pre_commit_range`).
- The default REF is the merge-base with the branch's upstream, else with
  ``origin/HEAD``, else ``HEAD``; with no commit at all, the empty tree.

Every failure is a :class:`~resilint.errors.ResilintError` naming the cause
(exit status 2): git missing, not a repository, unknown ref.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from resilint.config.settings import Config
from resilint.engine.discovery import discover, walk_includes
from resilint.engine.reading import decode_source
from resilint.engine.revisions import INDEX, WORK_TREE, Revisions
from resilint.errors import ResilintError
from resilint.git import GitUnavailable, cat_file_request, parse_cat_file, run_git
from resilint.model import FileError, Report
from resilint.paths import display_path
from resilint.report.text import plural

if TYPE_CHECKING:
    from resilint.api import Linter

PYTHON_PATHSPECS = ("*.py", "*.pyi")  # git pathspec "*" spans folders
_ANSI = re.compile(rb"\x1b\[[0-9;]*m")
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_INDEX = re.compile(rb"^index [0-9a-f]+\.\.([0-9a-f]+)")
_NEW_MOVED = b"\x1b[35m+"  # the colour we assign to moved lines below
# Our colours win over the user's configuration (-c beats every config file).
_COLORS = (
    "color.diff.new=green",
    "color.diff.newMoved=magenta",
    "color.diff.newMovedAlternative=magenta",
    "color.diff.newMovedDimmed=magenta",
    "color.diff.newMovedAlternativeDimmed=magenta",
    "core.quotepath=off",
)
_UNQUOTE = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


@dataclass(frozen=True)
class ChangeSet:
    """What changed, per file (absolute paths of the new versions)."""

    top: Path  # the work tree's top folder
    lines: Mapping[Path, frozenset[int]]  # 1-based changed lines, files with at least one
    against: str  # what was compared, for people: "origin/main (a1b2c3d)"
    staged: bool = False
    blobs: Mapping[Path, str] = field(default_factory=dict)  # --staged / a range: the blob of each file to check
    target: str = ""  # a range's last commit (its blobs are checked), else ""
    base: str = ""  # the commit (or tree) compared against

    @property
    def revisions(self) -> Revisions | None:
        """The two versions, for rules that judge a file by the change's other files."""
        if not self.base:
            return None
        return Revisions(self.top, self.base, self.target or (INDEX if self.staged else WORK_TREE))


# A long diff of a large repository; a hung git must still not hang the run.
GIT_TIMEOUT = 300


class Git:
    """Runs git in one folder; failures become errors that name the cause."""

    def __init__(self, cwd: Path, index: Path | None = None) -> None:
        self.cwd = cwd
        self.index = index  # a temporary index file to use instead of the repository's

    def run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        try:
            return run_git(args, self.cwd, stdin=stdin, index=self.index, timeout=GIT_TIMEOUT)
        except GitUnavailable as exc:
            raise ResilintError(f"{exc}; --diff and --staged need git") from None

    def out(self, *args: str, stdin: bytes | None = None) -> bytes:
        result = self.run(*args, stdin=stdin)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            command = next((a for i, a in enumerate(args) if a[:1] != "-" and (i == 0 or args[i - 1] != "-c")), "")
            raise ResilintError(f"git {command} failed: {message[0] if message else f'exit status {result.returncode}'}")
        return result.stdout

    def text(self, *args: str) -> str | None:
        """The trimmed output, or None when git exits non-zero (a question with a "no" answer)."""
        result = self.run(*args)
        return os.fsdecode(result.stdout).strip() if result.returncode == 0 else None


def open_repository(start: Path) -> Git:
    """The git work tree that holds ``start`` (a file or folder)."""
    folder = start if start.is_dir() else start.parent
    git = Git(folder if folder.is_dir() else Path.cwd())
    result = git.run("rev-parse", "--show-toplevel")
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in reason:
            raise ResilintError(f"not a git repository: {folder} (--diff and --staged compare against git history)")
        raise ResilintError(f"cannot use git in {folder}: {reason.splitlines()[0] if reason else 'unknown error'}")
    return Git(Path(os.fsdecode(result.stdout).strip()))


def _short(git: Git, rev: str) -> str:
    return git.text("rev-parse", "--short", rev) or rev[:7]


def _empty_tree(git: Git) -> str:
    return os.fsdecode(git.out("hash-object", "-t", "tree", "--stdin", stdin=b"")).strip()


def _commit(git: Git, rev: str) -> str | None:
    return git.text("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")


def is_revision(start: Path, ref: str) -> bool:
    """Whether ``ref`` names a commit or tree in the repository holding ``start``
    (False outside a repository: then it cannot be one)."""
    try:
        git = open_repository(start)
    except ResilintError:
        return False
    name = ref.removesuffix("...")
    return not name.startswith("-") and git.text("rev-parse", "--verify", "--quiet", f"{name}^{{tree}}") is not None


def resolve_base(git: Git, ref: str | None) -> tuple[str, str]:
    """``(revision to diff against, how to describe it)`` for ``--diff [REF]``.

    ``REF`` is compared as ``git diff REF`` does; ``REF...`` means the merge-base
    of REF and HEAD (as in ``git diff REF...``)."""
    if ref:
        merge = ref.endswith("...")
        name = ref[:-3] if merge else ref
        if name.startswith("-") or not name:
            raise ResilintError(f"--diff: unknown git revision {ref!r}")
        if merge:
            commit = _commit(git, name)
            base = git.text("merge-base", commit, "HEAD") if commit else None
            if base is None:
                raise ResilintError(f"--diff: unknown git revision {name!r}, or no merge-base with HEAD")
            return base, f"the merge-base of HEAD and {name} ({_short(git, base)})"
        resolved = _commit(git, name) or git.text("rev-parse", "--verify", "--quiet", f"{name}^{{tree}}")
        if resolved is None:
            raise ResilintError(f"--diff: unknown git revision {ref!r} (expected a branch, tag or commit)")
        return resolved, f"{name} ({_short(git, resolved)})"
    head = _commit(git, "HEAD")
    if head is None:
        return _empty_tree(git), "an empty tree (no commits yet)"
    upstream = git.text("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
    origin = git.text("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    for name in (upstream, origin):
        if name:
            base = git.text("merge-base", "HEAD", name)
            if base:
                return base, f"{name} ({_short(git, base)})"
    return head, f"HEAD ({_short(git, head)})"


def _diff_args(*extra: str) -> list[str]:
    config = [arg for setting in _COLORS for arg in ("-c", setting)]
    return [
        *config,
        "diff",
        "--unified=0",
        "--color=always",
        "--color-moved=blocks",
        "--color-moved-ws=no",
        "--ws-error-highlight=none",
        "--find-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules",
        "--full-index",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        *extra,
    ]


def pre_commit_range() -> tuple[str, str] | None:
    """``(from, to)`` when pre-commit runs a hook over a range of commits
    (``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF``: ``--from-ref/--to-ref``, pre-push)."""
    first, last = os.environ.get("PRE_COMMIT_FROM_REF", "").strip(), os.environ.get("PRE_COMMIT_TO_REF", "").strip()
    return (first, last) if first and last else None


def collect(
    start: Path,
    ref: str | None = None,
    *,
    staged: bool = False,
    pathspecs: Sequence[str] = PYTHON_PATHSPECS,
    commits: tuple[str, str] | None = None,
) -> ChangeSet:
    """The changes in the work tree holding ``start``: vs ``ref`` (or the default
    base), or, with ``staged``, in the index vs HEAD, or, with ``commits=(A, B)``,
    in B vs the merge-base of A and B (as ``git diff A...B``; B's blobs are read)."""
    git = open_repository(start)
    if commits is not None:
        first, last = commits
        target = _commit(git, last)
        if target is None:
            raise ResilintError(f"PRE_COMMIT_TO_REF: unknown git revision {last!r}")
        base, against = resolve_base(git, f"{first}...") if _commit(git, first) else (None, "")
        if base is None:
            raise ResilintError(f"PRE_COMMIT_FROM_REF: unknown git revision {first!r}")
        base = git.text("merge-base", first, target) or base
        patch = git.out(*_diff_args(base, target, "--", *pathspecs))
        parsed = parse_patch(patch)
        lines = {git.cwd / path: frozenset(changed) for path, (changed, _blob) in parsed.items() if changed}
        blobs = {git.cwd / path: blob for path, (changed, blob) in parsed.items() if changed and blob}
        against = f"{first} ({_short(git, base)}) to {last} ({_short(git, target)})"
        return ChangeSet(top=git.cwd, lines=lines, against=against, staged=True, blobs=blobs, target=target, base=base)
    if staged:
        head = _commit(git, "HEAD")
        base, against = (head, f"HEAD ({_short(git, head)})") if head else (_empty_tree(git), "an empty tree (no commits yet)")
        patch = git.out(*_diff_args("--cached", base, "--", *pathspecs))
    else:
        base, against = resolve_base(git, ref)
        with _with_untracked(git, pathspecs) as scratch:
            patch = scratch.out(*_diff_args(base, "--", *pathspecs))
    parsed = parse_patch(patch)
    lines = {git.cwd / path: frozenset(changed) for path, (changed, _blob) in parsed.items() if changed}
    blobs = {git.cwd / path: blob for path, (changed, blob) in parsed.items() if changed and blob} if staged else {}
    return ChangeSet(top=git.cwd, lines=lines, against=against, staged=staged, blobs=blobs, base=base)


@contextlib.contextmanager
def _with_untracked(git: Git, pathspecs: Sequence[str]) -> Iterator[Git]:
    """Untracked, not ignored files are new files of the change. To diff them like
    the rest (renames, moved code, CRLF), they are added as intent-to-add entries
    to a *copy* of the index; the repository's own index is never written."""
    untracked = git.out("ls-files", "-z", "--others", "--exclude-standard", "--", *pathspecs)
    if not untracked.strip(b"\0"):
        yield git
        return
    with tempfile.TemporaryDirectory(prefix="resilint-") as folder:
        index = Path(folder) / "index"
        own = git.text("rev-parse", "--git-path", "index")
        if own and (git.cwd / own).is_file():
            shutil.copyfile(git.cwd / own, index)
        scratch = Git(git.cwd, index)
        scratch.out("add", "--intent-to-add", "--pathspec-from-file=-", "--pathspec-file-nul", stdin=untracked)
        yield scratch


def _decoded(contents: Mapping[str, bytes]) -> dict[str, str]:
    """Source texts by path, decoded as the interpreter does (undecodable ones left out)."""
    texts: dict[str, str] = {}
    for path, data in contents.items():
        try:
            texts[path] = decode_source(data)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            continue
    return texts


def read_blobs(git: Git, blob_ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of blobs by id, in one ``git cat-file --batch``."""
    ids = list(dict.fromkeys(blob_ids))
    if not ids:
        return {}
    try:
        return parse_cat_file(git.out("cat-file", "--batch", stdin=cat_file_request(ids)), ids)
    except KeyError as missing:
        raise ResilintError(f"git cat-file: blob {missing.args[0]} is missing from the repository") from None


# -- the patch ----------------------------------------------------------------------


def parse_patch(patch: bytes) -> dict[str, tuple[set[int], str | None]]:
    """``{new path: (changed lines, new blob id)}`` from a coloured ``--unified=0`` patch.

    Hunks are consumed by their line counts, never by a line's first characters
    (a removed line reading ``-- x`` is shown as ``--- x``); added lines that git
    coloured as moved are not changes."""
    result: dict[str, tuple[set[int], str | None]] = {}
    current: set[int] | None = None
    blob: str | None = None
    link = False
    lines = patch.split(b"\n")
    i = 0
    while i < len(lines):
        raw = lines[i]
        plain = _ANSI.sub(b"", raw)
        i += 1
        if plain.startswith(b"diff --git "):
            current, blob, link = None, None, False
        elif plain.startswith((b"new file mode ", b"new mode ")):
            link = plain.endswith(b" 120000")
        elif plain.startswith(b"index "):
            match = _INDEX.match(plain)
            blob = match.group(1).decode() if match else None
            link = link or plain.endswith(b" 120000")
        elif plain.startswith(b"+++ "):
            target = plain[4:]
            if target.rstrip(b"\t") == b"/dev/null" or link:
                current = None  # deleted, or a symbolic link (its "content" is a path)
            else:
                name = _path(target)
                current = set()
                result[name.removeprefix("b/")] = (current, blob)
        elif plain.startswith(b"@@ "):
            match = _HUNK.match(plain)
            if match is None:
                continue
            removed = int(match.group(2)) if match.group(2) is not None else 1
            start = int(match.group(3))
            added = int(match.group(4)) if match.group(4) is not None else 1
            seen_removed = seen_added = 0
            while i < len(lines) and (seen_removed < removed or seen_added < added):
                body, body_plain = lines[i], _ANSI.sub(b"", lines[i])
                i += 1
                if body_plain.startswith(b"-"):
                    seen_removed += 1
                elif body_plain.startswith(b"+"):
                    if current is not None and not body.startswith(_NEW_MOVED):
                        current.add(start + seen_added)
                    seen_added += 1
                elif not body_plain.startswith(b"\\"):  # "\ No newline at end of file"
                    i -= 1  # not part of the hunk after all: read it as a header
                    break
            while i < len(lines) and _ANSI.sub(b"", lines[i]).startswith(b"\\"):
                i += 1
    return result


def _path(raw: bytes) -> str:
    """A path from a ``+++`` header: C-quoted by git when it holds special characters,
    followed by a tab when it holds a space."""
    raw = raw.rstrip(b"\t")
    if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
        return os.fsdecode(_unquote(raw[1:-1]))
    return os.fsdecode(raw)


def _unquote(quoted: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(quoted):
        char = quoted[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        nxt = quoted[i + 1 : i + 2]
        if nxt in _UNQUOTE:
            out.append(_UNQUOTE[nxt])
            i += 2
        elif nxt.isdigit():
            out.append(int(quoted[i + 1 : i + 4], 8))
            i += 4
        else:
            out += nxt
            i += 2
    return bytes(out)


# -- checking a change ---------------------------------------------------------------


def select(
    changes: ChangeSet, paths: Sequence[Path], config: Config, *, force_exclude: bool = False
) -> tuple[list[Path], list[FileError]]:
    """The changed files the run checks: under a folder given (walked as usual:
    Python files, excludes honoured) or named explicitly (always checked, unless
    ``force_exclude``)."""
    chosen: dict[Path, None] = {}
    errors: list[FileError] = []
    for given in paths:
        if not os.path.lexists(given):
            errors.append(FileError(display_path(given), "no such file or directory"))
            continue
        target = given.resolve()
        if target.is_dir():
            for path in changes.lines:
                if walk_includes(target, path, config):
                    chosen[path] = None
        elif target in changes.lines and (not force_exclude or discover([given], config, force_exclude=True).files):
            chosen[target] = None
    return sorted(chosen), errors


def check_changes(
    linter: Linter, paths: Sequence[Path], changes: ChangeSet, *, jobs: int | None = None, force_exclude: bool = False
) -> Report:
    """Check what ``changes`` touched under ``paths``; the report says what was compared."""
    files, errors = select(changes, paths, linter.config, force_exclude=force_exclude)
    previous, linter.engine.revisions = linter.engine.revisions, changes.revisions
    try:
        if changes.staged:
            contents = read_blobs(Git(changes.top), (changes.blobs[f] for f in files))
            results = [
                linter.engine.check_source(contents[changes.blobs[f]], display_path(f), file=f, changed=changes.lines[f])
                for f in files
            ]
        else:
            results = linter.check_files(files, jobs=jobs, changed=changes.lines)
    finally:
        linter.engine.revisions = previous
    report = linter.report(results, errors, baseline=False)
    if changes.staged:  # the baseline reads the staged text, not the work tree's
        report = dataclasses.replace(report, sources=_decoded({display_path(f): contents[changes.blobs[f]] for f in files}))
    count = sum(len(changes.lines[f]) for f in files)
    kind = "staged" if changes.staged and not changes.target else "changed"
    note = f"checked {plural(count, f'{kind} line')} in {plural(len(files), 'file')} against {changes.against}"
    return dataclasses.replace(report, notes=(*report.notes, note))
