"""The version of the repository a run checks, when it is not the work tree.

``--staged`` checks the index and a pre-commit range the range's last commit
(engine/diff.py reads those blobs for the checked files). Some verdicts also
depend on *other* files -- a migration's verdict on the app's other migrations
(checks/migrations/history/) -- and those must come from the same version: a
staged ``0002`` is judged with the staged ``0001``, not with an unstaged edit
of it. A :class:`Snapshot` answers those reads.

It lists the tree once (``git ls-files --stage`` for the index, ``git ls-tree
-r`` for a commit) and reads the contents it is asked for in one ``git cat-file
--batch`` per batch (:meth:`Snapshot.prefetch`), never one git process per file.
Its :attr:`~Snapshot.token` and the blob ids (content hashes) are what caches
keyed on those files use instead of the work tree's stat and contents.

``None`` wherever a snapshot is accepted means the work tree (the default, and
``--diff``: the change being checked is the work tree's).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from resilint.errors import ResilintError
from resilint.git import GitUnavailable, cat_file_request, parse_cat_file, run_git

_REGULAR = ("100644", "100755")  # file modes with contents (not links, not submodules)


class Snapshot:
    """The index (``commit=""``) or one commit of the repository whose top is ``top``."""

    def __init__(self, top: Path, commit: str = "") -> None:
        self.top = Path(os.path.realpath(top))
        self.commit = commit
        self._lock = threading.Lock()
        self._blobs: dict[str, str] | None = None  # absolute path -> blob id
        self._dirs: dict[str, tuple[list[str], list[str]]] | None = None  # folder -> (subfolders, files)
        self._contents: dict[str, bytes] = {}  # blob id -> bytes
        self._token = ""

    def __repr__(self) -> str:
        return f"Snapshot({str(self.top)!r}, {'index' if not self.commit else self.commit[:12]})"

    # -- the listing -------------------------------------------------------------------

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        try:
            result = run_git(args, self.top, stdin=stdin)
        except GitUnavailable as exc:
            raise ResilintError(f"{exc}; reading the {self._what} needs git") from None
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ResilintError(f"git {args[0]} failed reading the {self._what}: "
                                f"{message[0] if message else f'exit status {result.returncode}'}")
        return result.stdout

    @property
    def _what(self) -> str:
        return "index" if not self.commit else f"commit {self.commit[:12]}"

    def _listing(self) -> dict[str, str]:
        with self._lock:
            if self._blobs is None:
                if self.commit:
                    raw = self._git("ls-tree", "-r", "-z", "--full-tree", self.commit)
                else:
                    raw = self._git("ls-files", "--stage", "-z")
                blobs: dict[str, str] = {}
                for entry in raw.split(b"\0"):
                    if not entry:
                        continue
                    meta, _, name = entry.partition(b"\t")
                    fields = meta.split()
                    if len(fields) != 3 or fields[0].decode() not in _REGULAR:
                        continue
                    # ls-files: mode blob stage; ls-tree: mode type blob
                    blob = fields[1] if not self.commit else fields[2]
                    if not self.commit and fields[2] not in (b"0", b"2"):  # a conflict: "ours" (stage 2)
                        continue
                    blobs[str(self.top / os.fsdecode(name))] = blob.decode()
                self._blobs = blobs
                self._token = ("index:" if not self.commit else f"commit:{self.commit}:") + hashlib.sha256(raw).hexdigest()
            return self._blobs

    @property
    def token(self) -> str:
        """Changes whenever any file of the snapshot does (the listing holds every blob id)."""
        self._listing()
        return self._token

    def blob_id(self, path: str | os.PathLike[str]) -> str | None:
        """The git blob id (a hash of the contents) of ``path`` in the snapshot, None when absent."""
        return self._listing().get(_absolute(path))

    def _tree(self) -> dict[str, tuple[list[str], list[str]]]:
        blobs = self._listing()
        with self._lock:
            if self._dirs is None:
                dirs: dict[str, tuple[list[str], list[str]]] = {}
                top = str(self.top)
                for path in blobs:
                    folder, name = os.path.split(path)
                    dirs.setdefault(folder, ([], []))[1].append(name)
                    while folder != top and len(folder) > len(top):
                        parent, sub = os.path.split(folder)
                        known = parent in dirs
                        subs = dirs.setdefault(parent, ([], []))[0]
                        if sub not in subs:
                            subs.append(sub)
                        if known:
                            break
                        folder = parent
                for subs, files in dirs.values():
                    subs.sort()
                    files.sort()
                self._dirs = dirs
            return self._dirs

    # -- the file system a reader sees --------------------------------------------------

    def walk(self, root: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
        """Like ``os.walk(root)`` (top-down; the caller may prune the folder list in place)."""
        tree = self._tree()
        start = _absolute(root)
        if start not in tree:
            return
        stack = [start]
        while stack:
            folder = stack.pop()
            subs, files = tree.get(folder, ([], []))
            dirnames = list(subs)
            yield folder, dirnames, list(files)
            stack.extend(os.path.join(folder, d) for d in reversed(dirnames))

    def is_file(self, path: str | os.PathLike[str]) -> bool:
        return self.blob_id(path) is not None

    def is_dir(self, path: str | os.PathLike[str]) -> bool:
        return _absolute(path) in self._tree()

    def listdir(self, folder: str | os.PathLike[str]) -> list[str]:
        subs, files = self._tree().get(_absolute(folder), ([], []))
        return sorted([*subs, *files])

    def prefetch(self, wanted: Callable[[str], bool]) -> None:
        """Read, in one ``git cat-file --batch``, every file of the snapshot for which
        ``wanted(absolute path)`` holds and that was not read yet."""
        blobs = self._listing()
        with self._lock:
            ids = list(dict.fromkeys(b for p, b in blobs.items() if b not in self._contents and wanted(p)))
        if ids:
            found = self._cat(ids)
            with self._lock:
                self._contents.update(found)

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes | None:
        """The contents of ``path`` in the snapshot (None when absent); prefetch what you
        will read many of: a file not prefetched costs one git process."""
        blob = self.blob_id(path)
        if blob is None:
            return None
        with self._lock:
            data = self._contents.get(blob)
        if data is None:
            data = self._cat([blob])[blob]
            with self._lock:
                self._contents[blob] = data
        return data

    def read_text(self, path: str | os.PathLike[str]) -> str | None:
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", "replace")

    def _cat(self, ids: Iterable[str]) -> dict[str, bytes]:
        ids = list(ids)
        try:
            return parse_cat_file(self._git("cat-file", "--batch", stdin=cat_file_request(ids)), ids)
        except KeyError as missing:
            raise ResilintError(f"git cat-file: blob {missing.args[0]} is missing from the repository") from None


class WorkTree:
    """The files as they are on disk: what every reader sees without a snapshot
    (the same methods as :class:`Snapshot`)."""

    token = "work-tree"
    commit = None

    @staticmethod
    def walk(root: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
        return os.walk(root)

    @staticmethod
    def is_file(path: str | os.PathLike[str]) -> bool:
        return os.path.isfile(path)

    @staticmethod
    def is_dir(path: str | os.PathLike[str]) -> bool:
        return os.path.isdir(path)

    @staticmethod
    def listdir(folder: str | os.PathLike[str]) -> list[str]:
        try:
            return sorted(os.listdir(folder))
        except OSError:
            return []

    @staticmethod
    def prefetch(wanted: Callable[[str], bool]) -> None:
        pass

    @staticmethod
    def read_bytes(path: str | os.PathLike[str]) -> bytes | None:
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            return None

    @classmethod
    def read_text(cls, path: str | os.PathLike[str]) -> str | None:
        data = cls.read_bytes(path)
        return None if data is None else data.decode("utf-8", "replace")


WORK_TREE = WorkTree()


def _absolute(path: str | os.PathLike[str]) -> str:
    """The path as the listing spells it: absolute, links resolved (a check may name a
    file through a symbolic link to the repository, or a relative path)."""
    return os.path.realpath(path)


_SNAPSHOTS: dict[tuple[str, str, tuple[int, int] | None], Snapshot] = {}
_INDEX_FILES: dict[str, Path | None] = {}


def snapshot_of(revisions: object) -> Snapshot | None:
    """The snapshot a diff-mode run checks, from its ``FileContext.revisions`` (engine/revisions.py:
    ``top`` and ``target``, ``""`` for the work tree, ``":"`` for the index, else a commit): the
    index for ``--staged``, a pre-commit range's last commit; None for ``--diff`` and outside diff
    mode (the work tree). One snapshot per index state or commit, for the life of the process."""
    if revisions is None:
        return None
    top, target = getattr(revisions, "top", None), getattr(revisions, "target", "")
    if top is None or not target:
        return None
    commit = "" if target == ":" else str(target)
    stamp: tuple[int, int] | None = None
    if not commit:
        index = _index_file(Path(top))
        try:
            info = os.stat(index) if index is not None else None
        except OSError:
            info = None
        if info is None:
            return Snapshot(Path(top))  # cannot tell when the index changes: not kept
        stamp = (info.st_mtime_ns, info.st_size)
    key = (str(top), commit, stamp)
    found = _SNAPSHOTS.get(key)
    if found is None:
        found = _SNAPSHOTS[key] = Snapshot(Path(top), commit)
    return found


def _index_file(top: Path) -> Path | None:
    if str(top) not in _INDEX_FILES:
        try:
            result = run_git(["rev-parse", "--git-path", "index"], top)
        except GitUnavailable:
            result = None
        path = os.fsdecode(result.stdout).strip() if result is not None and result.returncode == 0 else ""
        _INDEX_FILES[str(top)] = (top / path) if path else None
    return _INDEX_FILES[str(top)]
