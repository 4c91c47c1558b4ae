"""The result cache: one small JSON file per (content, path, configuration).

Keys hash the file content, its path relative to the config root, the
active codes and a fingerprint of everything else that can change an
analysis (resilint, Python and libcst versions, plugin versions, every
standard's parameters, the flag manifest, the date, the project's dependency
files, and what check kinds declare in ``Rule.cache_inputs``). Provenance and
policy are applied after the cache, so a new commit or ``--ai-assisted``
never serves stale severities.

Entries are written to a temporary file and renamed into place, so
concurrent runs never read half-written entries; JSON, not pickle, so a
planted cache file cannot execute code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from resilint import __version__
from resilint.engine.analysis import Analysis, from_json, to_json
from resilint.paths import CACHE_DIR_NAME

_FORMAT = "2"  # 2: findings carry fixes with their safety


def cache_dir(root: Path) -> Path:
    return root / CACHE_DIR_NAME


class ResultCache:
    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = directory / f"v{_FORMAT}"
        self.fingerprint = fingerprint
        self._ready = False
        self.hits = 0
        self.misses = 0

    def key(self, text: str, relpath: str | None, codes: tuple[str, ...]) -> str:
        digest = hashlib.sha256()
        for part in (self.fingerprint, relpath or "", ",".join(codes)):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str) -> Analysis | None:
        try:
            with open(self.directory / key[:2] / key, encoding="utf-8") as handle:
                analysis = from_json(json.load(handle))
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return analysis

    def put(self, key: str, analysis: Analysis) -> None:
        try:
            folder = self.directory / key[:2]
            if not self._ready:
                self._prepare()
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(to_json(analysis), handle, separators=(",", ":"))
            os.replace(tmp, folder / key)
        except OSError:
            pass  # a read-only tree just means no cache

    def _prepare(self) -> None:
        root = self.directory.parent
        root.mkdir(parents=True, exist_ok=True)
        ignore = root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by resilint automatically.\n*\n", encoding="utf-8")
        tag = root / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# resilint result cache; see https://bford.info/cachedir/\n",
                encoding="utf-8",
            )
        self._ready = True


def fingerprint(parts: list[str]) -> str:
    digest = hashlib.sha256()
    for part in [__version__, f"{sys.version_info[0]}.{sys.version_info[1]}", *parts]:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def file_digest(path: Path | None) -> str:
    if path is None:
        return "-"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


_related: dict[Path, tuple[tuple[int, int, int], str]] = {}


def related_digest(path: Path) -> str:
    """:func:`file_digest` of a file other files' results depend on, remembered for
    this process while its stat (inode, size, mtime) is unchanged: an app's
    migrations are each other's inputs, so a run would otherwise hash every sibling
    once per migration (quadratic in the app's history)."""
    try:
        info = path.stat()
    except OSError:
        return "missing"
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
    known = _related.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    digest = file_digest(path)
    _related[path] = (stamp, digest)
    return digest
