"""resilint's own plugin: the built-ins register through the same hooks as any
third-party plugin (see :mod:`resilint.hookspecs`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from resilint.config.standards import builtin_standard_files
from resilint.hookspecs import hookimpl


@hookimpl
def resilint_check_kinds() -> Iterable[Any]:
    # References, not classes: a kind is imported when a file first needs it.
    from resilint.checks import builtin_kind_refs

    return builtin_kind_refs()


@hookimpl
def resilint_standards() -> Iterable[Path]:
    return builtin_standard_files()


@hookimpl
def resilint_reporters() -> Mapping[str, Any]:
    from resilint.report import BUILTIN_REPORTERS

    return BUILTIN_REPORTERS


@hookimpl
def resilint_provenance_sources() -> Iterable[Any]:
    from resilint.provenance.sources import BUILTIN_SOURCES

    return BUILTIN_SOURCES
