"""The plugin contract: every hook resilint calls, prefixed ``resilint_``.

A plugin is a module or object with ``@hookimpl`` functions, installed with
an entry point in the group ``resilint``::

    [project.entry-points.resilint]
    acme = "acme_resilint.plugin"

The built-in check kinds, standards, provenance sources and reporters are
registered through these same hooks (``resilint.builtin``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from resilint.checks.index import KindRef
    from resilint.provenance.sources import ProvenanceSource
    from resilint.report import Reporter
    from resilint.rule import Rule

PROJECT = "resilint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def resilint_check_kinds() -> Iterable[type[Rule] | KindRef]:
    """Return check-kind classes (subclasses of :class:`resilint.rule.Rule`).

    Each class's ``kind`` attribute is the name standards refer to with
    ``check = "..."``. Two plugins defining the same kind is an error. An item may
    also be a :class:`resilint.checks.index.KindRef` (module and class name, and
    the facts the engine asks before importing it): the built-ins register that
    way and are imported when a file first needs them.
    """


@hookspec
def resilint_standards() -> Iterable[Path | Mapping[str, Any]]:
    """Return standards: paths of TOML files with ``[[standards]]`` tables, or
    already-parsed standard tables (the same keys as in TOML)."""


@hookspec
def resilint_provenance_sources() -> Iterable[ProvenanceSource]:
    """Return objects that say which lines of a file are AI-assisted.

    Sources are consulted in ``order`` (lower first: most explicit signals);
    for each line the first source that fires is kept as the evidence.
    """


@hookspec
def resilint_reporters() -> Mapping[str, Callable[..., Reporter]]:
    """Return output formats: ``{"sarif": SarifReporter}``, selectable with
    ``--format NAME``. A value is a :class:`~resilint.report.Reporter` subclass or
    any callable taking the same keyword arguments (``color``, ``ruleset``) and
    returning one (the built-ins are deferred that way, imported when used)."""
