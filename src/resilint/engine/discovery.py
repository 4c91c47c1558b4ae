"""Which files a run checks.

Folders are walked for ``.py``/``.pyi``; inside a git work tree git itself lists
the files (so ``.gitignore``, ``.git/info/exclude`` and global excludes are
honoured exactly); default excludes and ``exclude`` apply to both. A file
named explicitly is always checked, unless ``force_exclude`` (``--force-exclude``,
for pre-commit and editors, which pass every staged or open file by name).

Filesystem faults cost one error line each and the walk goes on: a folder that
cannot be listed, a symbolic link that points to itself (or into a cycle of
links), a folder symlink back to a folder on the current path (a real loop,
detected by the resolved identity of the folders from the walked folder down,
not by "seen before": ``config -> conf`` beside ``conf`` is no loop, and its
files are checked once, under the first name met).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from resilint.config.settings import DEFAULT_EXCLUDES, Config
from resilint.paths import any_glob_matches, display_path, relative_to_root

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    files: tuple[Path, ...]
    errors: tuple[tuple[str, str], ...]  # (path, message)


def discover(paths: list[Path], config: Config, *, force_exclude: bool = False) -> Discovered:
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if not os.path.lexists(path):
            errors.append((display_path(path), "no such file or directory"))
            continue
        if path.is_symlink() and not path.exists():
            errors.append((display_path(path), _link_problem(path)))
            continue
        if path.is_dir():
            for found in _walk(path, config, errors):
                _add(found, files, seen)
        elif not (force_exclude and _explicitly_excluded(path, config)):
            _add(path, files, seen)
    return Discovered(tuple(files), tuple(errors))


def _add(path: Path, files: list[Path], seen: set[Path]) -> None:
    try:
        key = path.resolve()
    except (OSError, RuntimeError):  # symlink loop (RuntimeError before Python 3.13)
        key = path.absolute()
    if key not in seen:
        seen.add(key)
        files.append(path)


def walk_includes(folder: Path, path: Path, config: Config) -> bool:
    """Whether walking ``folder`` would check ``path`` (a file under it): a Python
    suffix and not excluded. For callers that get file lists elsewhere (``--diff``)."""
    if path.suffix not in PYTHON_SUFFIXES:
        return False
    try:
        inside = path.relative_to(folder).as_posix()
    except ValueError:
        return False
    return not _excluded(relative_to_root(path, config.root), inside, config, False, _walk_depth(folder, config))


def _excluded(relpath: str | None, name_path: str, config: Config, is_dir: bool, walk_depth: int = 0) -> bool:
    """Default excludes match below the walked folder (``name_path``); configured ones
    match the path from the config root, but not the walked folder itself or its
    parents: ``resilint check fixtures/demo`` checks it even if ``fixtures/`` is
    excluded (as with ruff; ``--force-exclude`` is for files named explicitly)."""
    if any_glob_matches(DEFAULT_EXCLUDES, name_path, is_dir=is_dir):
        return True
    return (
        relpath is not None
        and bool(config.exclude)
        and any_glob_matches(config.exclude, relpath, is_dir=is_dir, min_depth=walk_depth + 1)
    )


def _explicitly_excluded(path: Path, config: Config) -> bool:
    # Match below the config root only: folders above it (say ~/env/) must not count.
    relpath = relative_to_root(path, config.root)
    return relpath is not None and _excluded(relpath, relpath, config, False)


def _walk_depth(folder: Path, config: Config) -> int:
    relpath = relative_to_root(folder, config.root)
    return 0 if not relpath or relpath == "." else len(relpath.split("/"))


def _walk(folder: Path, config: Config, errors: list[tuple[str, str]]) -> Iterator[Path]:
    depth = _walk_depth(folder, config)
    listed = _git_files(folder)
    if listed is not None:
        for path in listed:
            if path.suffix in PYTHON_SUFFIXES and not _excluded(
                relative_to_root(path, config.root), path.relative_to(folder).as_posix(), config, False, depth
            ):
                if path.is_file():
                    yield path
                elif os.path.islink(path) and _link_problem(path) != "broken symbolic link":
                    errors.append((display_path(path), _link_problem(path)))
        return
    # the resolved identity of every folder from ``folder`` down to the one being listed
    on_path: dict[str, tuple[tuple[int, int], ...]] = {}
    for root, dirs, names in os.walk(folder, followlinks=True, onerror=lambda e: errors.append((display_path(Path(e.filename or folder)), f"cannot list: {e.strerror}"))):
        root_path = Path(root)
        try:
            stat = root_path.stat()
        except OSError as exc:
            errors.append((display_path(root_path), f"cannot list: {exc.strerror}"))
            dirs[:] = []
            continue
        identity = (stat.st_dev, stat.st_ino)
        parents = on_path.pop(root, ())
        if identity in parents:  # reached through a link to a folder above it: a real loop
            errors.append((display_path(root_path), "symbolic link loop, not followed"))
            dirs[:] = []
            continue
        chain = (*parents, identity)
        kept = []
        for d in sorted(dirs):
            sub = root_path / d
            rel_in_walk = sub.relative_to(folder).as_posix()
            if _excluded(relative_to_root(sub, config.root), rel_in_walk, config, True, depth) or _is_virtualenv(sub):
                continue
            kept.append(d)
            on_path[os.path.join(root, d)] = chain
        dirs[:] = kept
        for name in sorted(names):
            if name.endswith(PYTHON_SUFFIXES):
                path = root_path / name
                if os.path.islink(path) and not os.path.exists(path):
                    problem = _link_problem(path)
                    if problem != "broken symbolic link":  # a broken link is the read's error, as before
                        errors.append((display_path(path), problem))
                        continue
                if not _excluded(relative_to_root(path, config.root), path.relative_to(folder).as_posix(), config, False, depth):
                    yield path


def _is_virtualenv(folder: Path) -> bool:
    try:
        return (folder / "pyvenv.cfg").exists()
    except OSError:  # cannot be looked into: os.walk reports it when it lists it
        return False


def _link_problem(path: Path) -> str:
    """Why a symbolic link leads nowhere: a loop (it points to itself, or into a
    cycle of links), or a missing target."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop, not followed"
    return "broken symbolic link"


def _git_files(folder: Path) -> list[Path] | None:
    """Tracked and untracked-but-not-ignored files under ``folder``, or None outside git."""
    from resilint.git import git_output  # a folder to expand: files named on the command line need no git

    out = git_output(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], folder, timeout=60)
    if out is None:
        return None
    names = sorted({n for n in out.decode("utf-8", "surrogateescape").split("\0") if n})
    return [folder / n for n in names]