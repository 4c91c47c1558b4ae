"""Running git: the one place resilint starts a git process.

Every call is read-only for the repository (``GIT_OPTIONAL_LOCKS=0``: git never
takes the index lock to refresh stat data, so a check never races an editor's or
the user's own git), in the C locale (messages are parsed), and bounded in time
(a credential prompt or a network filesystem must not hang the run).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

DEFAULT_TIMEOUT = 120  # seconds; a blame of a large, old file can take a while


class GitUnavailable(Exception):
    """git could not be run at all, or did not finish in time (``str()`` says which)."""


def run_git(
    args: Iterable[str],
    cwd: Path,
    *,
    stdin: bytes | None = None,
    index: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd`` (``index``: a temporary index file instead of the
    repository's). Raises :class:`GitUnavailable`; a non-zero exit is the caller's
    to judge."""
    args = list(args)
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise GitUnavailable(f"git {args[0] if args else ''} did not finish within {timeout:g} s") from None
    except FileNotFoundError:
        raise GitUnavailable("git is not installed or not on PATH") from None
    except OSError as exc:
        raise GitUnavailable(f"cannot run git: {exc.strerror or exc}") from None


def git_output(args: Iterable[str], cwd: Path, *, stdin: bytes | None = None, timeout: float = DEFAULT_TIMEOUT) -> bytes | None:
    """stdout of a successful git command, or None (git missing, failed, timed out):
    for questions whose "cannot tell" answer is the same as "no"."""
    try:
        result = run_git(args, cwd, stdin=stdin, timeout=timeout)
    except GitUnavailable:
        return None
    return result.stdout if result.returncode == 0 else None


def cat_file_request(objects: Iterable[str]) -> bytes:
    """The stdin of ``git cat-file --batch`` for these object ids or ``rev:path`` specs."""
    return b"".join(os.fsencode(o) + b"\n" for o in objects)


def parse_cat_file(out: bytes, objects: Iterable[str], *, missing_ok: bool = False) -> dict[str, bytes]:
    """Blob contents by id (or spec) from the stdout of ``git cat-file --batch`` asked
    for ``objects`` (in that order). An object the repository does not have, or one
    that is not a blob, raises :class:`KeyError` naming it; with ``missing_ok`` it
    is left out."""
    found: dict[str, bytes] = {}
    pos = 0
    for name in objects:
        end = out.find(b"\n", pos)
        header = out[pos:end].split() if end >= 0 else []
        if len(header) < 3:  # "<name> missing" (or ambiguous): no body follows
            if not missing_ok:
                raise KeyError(name)
            pos = end + 1
            continue
        size = int(header[2])
        if header[1] == b"blob":
            found[name] = out[end + 1 : end + 1 + size]
        elif not missing_ok:
            raise KeyError(name)
        pos = end + 1 + size + 1
    return found
