"""Diff mode: the two versions of the repository a change goes between.

``resilint check --diff``/``--staged`` (and a pre-commit range) compare a base
revision with the new content: the work tree (``--diff``), the index
(``--staged``) or a commit (a range). A rule that judges a file by what *else*
the same change did (REL426: a migration dropping a column in the change that
removes the model field) reads the other files' two versions here. Rules get a
:class:`Revisions` as ``FileContext.revisions`` in diff mode only; outside it
the attribute is None and such rules stay silent.

Reads are batched (one ``git diff --name-only``, one ``git cat-file --batch``
per set of paths) and memoised per process: every worker asks once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from resilint.git import cat_file_request, git_output, parse_cat_file

WORK_TREE = ""  # Revisions.target: the new content is the files on disk
INDEX = ":"  # Revisions.target: the new content is the staged blobs

_CHANGED: dict[Revisions, frozenset[str] | None] = {}
_CONTENT: dict[tuple[Revisions, str, str], bytes | None] = {}


@dataclass(frozen=True)
class Revisions:
    """Where the compared versions are: ``base`` (a commit or tree id) and ``target``
    (:data:`WORK_TREE`, :data:`INDEX` or a commit id), in the work tree ``top``."""

    top: Path
    base: str
    target: str = WORK_TREE

    def changed_paths(self) -> frozenset[str] | None:
        """Paths (relative to ``top``, "/" separators) of the files that differ between the
        two versions, deletions and pure removals of lines included; None when git fails."""
        if self not in _CHANGED:
            if self.target == INDEX:
                args = ["diff", "--cached", "--name-only", "-z", "--no-renames", self.base]
            elif self.target == WORK_TREE:
                args = ["diff", "--name-only", "-z", "--no-renames", self.base]
            else:
                args = ["diff", "--name-only", "-z", "--no-renames", self.base, self.target]
            out = git_output([*args, "--"], self.top)
            _CHANGED[self] = None if out is None else frozenset(os.fsdecode(p) for p in out.split(b"\0") if p)
        return _CHANGED[self]

    def old(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """Each path's content in the base revision (None: absent there)."""
        return self._read(self.base, paths)

    def new(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """Each path's new content (None: absent, i.e. deleted by the change)."""
        if self.target != WORK_TREE:
            return self._read(self.target, paths)
        out: dict[str, bytes | None] = {}
        for path in paths:
            try:
                out[path] = (self.top / path).read_bytes()
            except OSError:
                out[path] = None
        return out

    def _read(self, rev: str, paths: Iterable[str]) -> dict[str, bytes | None]:
        wanted = [p for p in dict.fromkeys(paths) if (self, rev, p) not in _CONTENT]
        if wanted:
            specs = [f"{rev}:{p}" if rev != INDEX else f":{p}" for p in wanted]
            found = _cat_file(self.top, specs)
            for path, spec in zip(wanted, specs):
                _CONTENT[(self, rev, path)] = found.get(spec)
        return {p: _CONTENT[(self, rev, p)] for p in paths}


def _cat_file(top: Path, specs: list[str]) -> dict[str, bytes]:
    """``git cat-file --batch`` over ``rev:path`` specs: the blobs found (missing ones left out)."""
    out = git_output(["cat-file", "--batch"], top, stdin=cat_file_request(specs))
    return {} if out is None else parse_cat_file(out, specs, missing_ok=True)
