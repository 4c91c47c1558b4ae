"""The one entry every front end uses: :class:`Linter` owns a configuration, its
ruleset, its engine and result cache, built once and reused.

The CLI, the flake8 plugin, the language server, the runner's worker processes
and diff mode all go through here: a configuration is loaded once per folder
(and again only when a configuration file on the way up changes on disk), and a
ruleset and engine once per configuration. Nothing else constructs them.

Importing this module is cheap: the engine (and libcst) load on first check.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resilint.config.settings import Config, load_config
from resilint.errors import ConfigError
from resilint.model import FileError, FileResult, Finding, Report
from resilint.paths import display_path

if TYPE_CHECKING:
    from resilint.config.ruleset import Ruleset
    from resilint.engine.baseline import Baseline, BaselineResult
    from resilint.engine.core import Engine
    from resilint.engine.diff import ChangeSet

_MAX_LINTERS = 8  # configurations kept at once (a language server over a few projects)


class Linter:
    """A configuration with its ruleset and engine; get one with :func:`linter_for`.

    ``cache``: use the on-disk result cache. ``noqa=False``: leave ``# noqa`` to the
    host (flake8 applies it itself)."""

    def __init__(self, config: Config, *, cache: bool = False, noqa: bool = True) -> None:
        self.config = config
        self.cache = cache
        self.noqa = noqa
        self._ruleset: Ruleset | None = None
        self._engine: Engine | None = None
        self._baseline: tuple[tuple[int, int], Baseline] | None = None  # (mtime, size) of the file, baseline

    @property
    def ruleset(self) -> Ruleset:
        """The standards, kinds, reporters and provenance sources (built on first use;
        a broken standard or plugin raises :class:`~resilint.errors.ConfigError`)."""
        if self._ruleset is None:
            from resilint.config.ruleset import build_ruleset

            self._ruleset = build_ruleset(self.config)
        return self._ruleset

    @property
    def engine(self) -> Engine:
        """The engine (built on first use: it prepares every active standard)."""
        if self._engine is None:
            from resilint.engine.core import Engine

            self._engine = Engine(self.config, self.ruleset, cache=self.cache, noqa=self.noqa)
        return self._engine

    def prepare(self) -> None:
        """Build everything now, so configuration errors surface before any work."""
        self.engine  # noqa: B018 -- building is the point

    # -- one file ------------------------------------------------------------------

    def check_source(
        self, source: str | bytes, path: str, *, file: Path | None = None, changed: frozenset[int] | None = None
    ) -> FileResult:
        """Check one file's contents (``path`` is how it is shown, ``file`` the real
        file if any), without the findings of the configured baseline. Never raises
        for bad input: the result says what went wrong."""
        result = self.engine.check_source(source, path, file=file, changed=changed)
        baseline = self.baseline()
        if baseline is None or not result.findings:
            return result
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source

        def source_of(_path: str) -> str:
            return text

        ai_edits = self._ai_edits(baseline, source_of, {path: file})
        kept = baseline.filter(result.findings, source_of, ai_edits, checked=[path])
        return dataclasses.replace(result, findings=kept.new)

    def check_file(self, file: Path, *, changed: frozenset[int] | None = None) -> FileResult:
        return self.engine.check_file(file, changed=changed)

    # -- many files ------------------------------------------------------------------

    def check_files(
        self, files: Sequence[Path], *, jobs: int | None = None, changed: Mapping[Path, frozenset[int]] | None = None
    ) -> list[FileResult]:
        """Check ``files`` (in one process or a pool); results in the order given."""
        from resilint.engine.runner import check_files

        return check_files(self, files, jobs=jobs, changed=changed)

    def check_paths(
        self, paths: Sequence[Path], *, jobs: int | None = None, force_exclude: bool = False, baseline: bool = True
    ) -> Report:
        """Discover the Python files under ``paths`` and check them all (without the
        baseline's findings unless ``baseline=False``)."""
        from resilint.engine.discovery import discover

        self.prepare()
        found = discover(list(paths), self.config, force_exclude=force_exclude)
        results = self.check_files(found.files, jobs=jobs)
        return self.report(results, [FileError(p, m) for p, m in found.errors], baseline=baseline)

    def check_changes(
        self,
        paths: Sequence[Path],
        changes: ChangeSet,
        *,
        jobs: int | None = None,
        force_exclude: bool = False,
        baseline: bool = True,
    ) -> Report:
        """``--diff``/``--staged``: check the changed lines under ``paths``."""
        from resilint.engine.diff import check_changes

        self.prepare()
        report = check_changes(self, paths, changes, jobs=jobs, force_exclude=force_exclude)
        return self.without_baselined(report) if baseline else report

    def report(self, results: Sequence[FileResult], errors: Sequence[FileError] = (), *, baseline: bool = True) -> Report:
        """One report from per-file results, with plugin load errors first, and
        without the findings of the configured baseline (``baseline=False``: all)."""
        findings = sorted((f for r in results for f in r.findings), key=Finding.sort_key)
        all_errors = [*(FileError("<plugin>", m) for m in self.ruleset.plugin_errors), *errors]
        all_errors.extend(e for r in results for e in r.errors)
        report = Report(findings=tuple(findings), errors=tuple(all_errors), files=len(results), paths=tuple(r.path for r in results))
        return self.without_baselined(report) if baseline else report

    # -- the baseline ------------------------------------------------------------------

    def baseline(self) -> Baseline | None:
        """The configured baseline (``baseline`` in [tool.resilint], ``--baseline``),
        reloaded when the file changes; None when there is none. A missing or broken
        file is a :class:`~resilint.errors.ConfigError` naming it."""
        path = self.config.baseline
        if path is None:
            return None
        from resilint.engine.baseline import BaselineError, load_baseline

        try:
            info = path.stat()
        except OSError as exc:
            raise ConfigError(self.config.source, "baseline", f"cannot read {path}: {exc.strerror}") from None
        stamp = (info.st_mtime_ns, info.st_size)
        if self._baseline is None or self._baseline[0] != stamp:
            try:
                self._baseline = (stamp, load_baseline(path))
            except BaselineError as exc:
                raise ConfigError(self.config.source, "baseline", str(exc)) from None
        return self._baseline[1]

    def without_baselined(self, report: Report) -> Report:
        """``report`` without the findings the baseline records; its notes say how
        many were baselined and how many entries no longer match."""
        return self.baseline_result(report)[0]

    def baseline_result(self, report: Report, *, scoped: bool = False) -> tuple[Report, BaselineResult | None]:
        """:meth:`without_baselined`, and what the baseline matched (its stale
        entries, for pruning); ``None`` without a baseline. ``scoped``: the report
        holds only the findings on changed lines (``--diff``/``--staged``), so no
        entry can be called stale: its finding may sit on an unchanged line."""
        baseline = self.baseline()
        if baseline is None:
            return report, None
        def source_of(path: str) -> str | None:
            checked = report.sources.get(path)
            return checked if checked is not None else read_text(path)

        kept = baseline.filter(report.findings, source_of, self._ai_edits(baseline, source_of), checked=report.paths)
        if scoped:
            kept = dataclasses.replace(kept, stale=())
        note = kept.note(display_path(baseline.path))
        return dataclasses.replace(report, findings=kept.new, notes=(*report.notes, note)), kept

    def _ai_edits(
        self, baseline: Baseline, source_of: Callable[[str], str | None], files: Mapping[str, Path | None] | None = None
    ) -> Callable[[Finding], bool] | None:
        """The baseline's AI rule for one filtering (every front end filters
        through here): entries recorded as AI-assisted come back when an AI has
        edited their finding's function since the baseline was written
        (:mod:`resilint.provenance.since`). None — no git, no blame — when no
        entry is AI-assisted or git provenance is off."""
        if not (self.config.git_provenance and self.config.ai.git) or not any(e.ai_assisted for e in baseline.entries):
            return None
        from resilint.provenance.since import AiEditsSince

        return AiEditsSince(
            baseline.commit, baseline.written_at, self.config, self.ruleset.provenance_sources, source_of, files=files
        )


# -- the shared registry of configurations and linters -------------------------------

_lock = threading.RLock()
_linters: OrderedDict[tuple[Config, bool, bool], Linter] = OrderedDict()
_folder_configs: dict[Path, tuple[tuple[Any, ...], Config]] = {}


def linter_for(config: Config, *, cache: bool = False, noqa: bool = True) -> Linter:
    """The linter of ``config`` (configs compare by identity), built once."""
    key = (config, cache, noqa)
    with _lock:
        linter = _linters.get(key)
        if linter is None:
            linter = _linters[key] = Linter(config, cache=cache, noqa=noqa)
            while len(_linters) > _MAX_LINTERS:
                _linters.popitem(last=False)
        else:
            _linters.move_to_end(key)
        return linter


def config_for(start: Path | None = None, config_file: Path | None = None, **run_options: Any) -> Config:
    """A fresh configuration for a run starting at ``start`` (the CLI's): the nearest
    ``[tool.resilint]`` or ``config_file``, with run options (``select``, ``today``,
    ``force_ai``, ...) applied on top."""
    config = load_config(start, config_file)
    return dataclasses.replace(config, **run_options) if run_options else config


def config_for_folder(folder: Path) -> Config:
    """The configuration that applies to files in ``folder``, loaded once and kept
    until a ``pyproject.toml`` on the way up is created, edited or removed (one
    ``stat`` per folder level per call: editors and long-lived hosts pick up a
    changed configuration without a restart)."""
    folder = folder.resolve()
    stamp = _config_stamp(folder)
    with _lock:
        known = _folder_configs.get(folder)
        if known is not None and known[0] == stamp:
            return known[1]
        config = load_config(folder)
        _folder_configs[folder] = (stamp, config)
        return config


def forget_configs() -> None:
    """Drop every configuration loaded by folder (a client said one changed)."""
    with _lock:
        _folder_configs.clear()


def _config_stamp(folder: Path) -> tuple[Any, ...]:
    stamp = []
    for level in (folder, *folder.parents):
        try:
            info = os.stat(level / "pyproject.toml")
        except OSError:
            continue
        stamp.append((str(level), info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def read_text(path: str) -> str | None:
    """A checked file's text by its display path, or None when it cannot be read."""
    from resilint.engine.reading import decode_source

    try:
        return decode_source(Path(path).read_bytes())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def check_source(source: str | bytes, path: str | Path, config: Config | None = None) -> list[Finding]:
    """Check one file's contents; ``path`` names it (and places it for config,
    per-path overrides and provenance). Never raises for bad input: a file that
    cannot be decoded or parsed yields REL001."""
    if config is None:
        config = config_for_folder(Path(path).parent if str(path) not in ("", "-") else Path.cwd())
    file = Path(path)
    result = linter_for(config).check_source(source, str(path), file=file if file.is_file() else None)
    return list(result.findings)


def check_paths(paths: list[Path], config: Config | None = None, *, jobs: int | None = None) -> Report:
    """Check files and folders (walked for .py/.pyi, honouring .gitignore)."""
    return linter_for(config or config_for()).check_paths(paths, jobs=jobs)


__all__ = ["Linter", "check_paths", "check_source", "config_for", "config_for_folder", "forget_configs", "linter_for", "load_config"]
