"""Path helpers: display paths and gitignore-style glob patterns.

Patterns follow .gitignore rules closely enough for configuration: a pattern
without a slash matches a name at any depth (``migrations``), one with a
slash is anchored at the config root (``src/legacy/``), ``**`` spans folders,
a trailing slash matches folders (and so everything under them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path, PurePosixPath

# The result cache, at the configuration root (always excluded from discovery).
CACHE_DIR_NAME = ".resilint_cache"


def display_path(path: Path | str, cwd: Path | None = None) -> str:
    """``path`` relative to the working directory when under it, with ``/``."""
    p = Path(path)
    base = cwd or Path.cwd()
    try:
        if p.is_absolute():
            p = p.relative_to(base)
    except ValueError:
        try:
            p = Path(os.path.relpath(p, base))
        except ValueError:  # another drive on Windows
            pass
    return PurePosixPath(*p.parts).as_posix() if p.parts else "."


@lru_cache(maxsize=512)
def _compile(pattern: str) -> tuple[re.Pattern[str], bool]:
    dir_only = pattern.endswith("/")
    body = pattern.strip("/") if dir_only else pattern.lstrip("/")
    anchored = "/" in pattern.rstrip("/")
    out: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "[":
            end = body.find("]", i + 1)
            if end == -1:
                out.append(re.escape(body[i]))
                i += 1
            else:
                out.append("[" + body[i + 1 : end].replace("!", "^", 1) + "]")
                i = end + 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{''.join(out)}$"), dir_only


def glob_matches(pattern: str, relpath: str, *, is_dir: bool = False, min_depth: int = 1) -> bool:
    """Whether a gitignore-style ``pattern`` matches ``relpath`` (posix, relative to
    the pattern's root) or any folder above it, down from ``min_depth`` components
    (folders above the one a walk started from are not excluded by a walk)."""
    regex, dir_only = _compile(pattern)
    parts = relpath.strip("/").split("/")
    for depth in range(max(1, min_depth), len(parts) + 1):
        candidate = "/".join(parts[:depth])
        candidate_is_dir = depth < len(parts) or is_dir
        if dir_only and not candidate_is_dir:
            continue
        if regex.match(candidate):
            return True
    return False


def any_glob_matches(patterns: Iterable[str], relpath: str, *, is_dir: bool = False, min_depth: int = 1) -> bool:
    return any(glob_matches(p, relpath, is_dir=is_dir, min_depth=min_depth) for p in patterns)


def relative_to_root(path: Path, root: Path) -> str | None:
    """``path`` relative to ``root`` as posix, or None when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return None
