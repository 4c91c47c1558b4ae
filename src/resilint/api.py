"""The one engine API every front end uses."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from resilint.config.settings import Config, load_config
from resilint.engine.core import Engine
from resilint.model import Finding, Report
from resilint.engine.runner import check_paths as _check_paths


@lru_cache(maxsize=8)
def engine_for(config: Config) -> Engine:
    return Engine(config)


def check_source(source: str | bytes, path: str | Path, config: Config | None = None) -> list[Finding]:
    """Check one file's contents; ``path`` names it (and places it for config,
    per-path overrides and provenance). Never raises for bad input: a file that
    cannot be decoded or parsed yields REL001."""
    config = config or load_config(Path(path).parent if str(path) not in ("", "-") else None)
    file = Path(path)
    result = engine_for(config).check_source(source, str(path), file=file if file.is_file() else None)
    return list(result.findings)


def check_paths(paths: list[Path], config: Config | None = None, *, jobs: int | None = None) -> Report:
    """Check files and folders (walked for .py/.pyi, honouring .gitignore)."""
    return _check_paths(paths, config or load_config(), jobs=jobs)


__all__ = ["check_paths", "check_source", "engine_for", "load_config"]
