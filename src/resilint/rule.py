"""The base of every check kind.

A *check kind* is Python code that finds one shape of problem; a *standard*
(TOML) instantiates it with a code, severities and parameters. The engine
creates one :class:`Rule` per active standard per file and visits the tree
once, calling every rule's ``visit_<Node>`` / ``leave_<Node>`` methods in the
same traversal (libcst node class names, as in ``libcst.CSTVisitor``; per-
attribute hooks and whitespace/punctuation nodes are not visited, see walk.py;
a visit method's return value is ignored: children are always visited).

A minimal check kind::

    class CallRequiresKeyword(Rule):
        kind = "call-requires-keyword"
        parameters = {"targets": Param(list), "keyword": Param(str)}

        def visit_Call(self, node: cst.Call) -> None:
            if self.names.call_name(node) in self.param("targets") and ...:
                self.report(node, "... without timeout")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

from resilint.engine.prefilter import Trigger
from resilint.errors import ConfigError
from resilint.model import Fix

if TYPE_CHECKING:
    from pathlib import Path

    from resilint.config.settings import Config
    from resilint.config.standards import Standard
    from resilint.engine.context import FileContext
    from resilint.engine.suppressions import Suppression
    from resilint.fix.plan import FixPlan
    from resilint.model import Provenance, Span


@dataclass(frozen=True)
class Param:
    """A parameter a check kind accepts from its standards."""

    type: type | tuple[type, ...]
    required: bool = True
    default: Any = None
    doc: str = ""


@dataclass(frozen=True)
class RawFinding:
    """A finding before positions, suppressions and provenance are applied."""

    standard: Standard
    node: cst.CSTNode
    message: str
    fix: Fix | FixPlan | None = None


class Rule:
    """A batchable visitor for one standard in one file."""

    kind: ClassVar[str] = ""
    description: ClassVar[str] = ""
    parameters: ClassVar[Mapping[str, Param]] = {}
    # True when a finding inside a function or class depends only on that definition,
    # on module- and class-level statements and on the names they bind, never on
    # another definition's body: the engine may then leave out the definitions that
    # contain none of the rule's triggers (slicing.py). False is always correct.
    sliceable: ClassVar[bool] = False
    # The engine event this kind reports (resilint.engine.events), for kinds that visit
    # nothing and turn what the engine saw (a syntax error, a crashed rule) into a finding.
    event: ClassVar[str | None] = None
    # True for kinds that judge the file's suppression comments after the walk
    # (:meth:`review_suppressions`): the engine then reads the comments even in a
    # file with no other finding.
    reviews_suppressions: ClassVar[bool] = False
    # The configuration table (an attribute of Config: ``"flags"`` for
    # ``[tool.resilint.flags]``) that this kind's :meth:`triggers_for` and
    # :meth:`prepare` read, if they read the configuration at all. While that table
    # holds its defaults, the kind index's recorded triggers hold and prepare has
    # nothing to do, so the kind is not imported before a file needs it.
    config_section: ClassVar[str | None] = None

    def __init__(self, standard: Standard, context: FileContext) -> None:
        self.standard = standard
        self.context = context
        self.names = context.names

    # -- for subclasses ---------------------------------------------------------

    def param(self, name: str) -> Any:
        """A parameter of this rule's standard, or its declared default."""
        spec = self.parameters[name]
        return self.standard.params.get(name, spec.default)

    def report(self, node: cst.CSTNode, message: str, *, fix: Fix | FixPlan | None = None) -> None:
        """Report a finding at the start of ``node``; ``fix``: its autofix, usually a
        :class:`~resilint.fix.plan.FixPlan` (edits anchored on nodes, resolved by the
        engine into edits of the original file)."""
        self.context.add(RawFinding(self.standard, node, message, fix))

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        """What a file's text must hold for this rule to possibly fire: words,
        ``import:``/``re:`` triggers or all-of tuples (prefilter.py). Files that match
        no active rule's triggers are not parsed, and a rule runs only on files that
        match its own. ``None`` means "always run"."""
        return None

    @classmethod
    def triggers_for(cls, standard: Standard, config: Config) -> Iterable[Trigger] | None:
        """:meth:`triggers` for kinds whose words depend on the configuration (in-house
        flag evaluators are configured, not built in). Defaults to :meth:`triggers`."""
        return cls.triggers(standard)

    @classmethod
    def sliceable_in(cls, text: str) -> bool:
        """:attr:`sliceable` for one file's text, for kinds that can tell from it (a
        migration check needs a migration whole, any other file only in part)."""
        return cls.sliceable

    @classmethod
    def cache_inputs(cls, standard: Standard, config: Config) -> str:
        """Anything besides the file's content and the standard's parameters that can
        change this rule's findings (e.g. the installed packages, a data file). It
        becomes part of the result-cache key; the default is nothing."""
        return ""

    @classmethod
    def file_cache_inputs(cls, standard: Standard, config: Config, file: Path | None) -> str:
        """Like :meth:`cache_inputs`, for inputs that differ per file (the modules next
        to it, for the unresolvable-import check). Part of that file's cache key."""
        return ""

    @classmethod
    def input_files(cls, standard: Standard, config: Config) -> Iterable[Path]:
        """Files besides the checked one whose contents can change this rule's findings
        in every file (the flag manifest, the project's dependency and lock files).
        Their contents are part of the result-cache key. The default is none."""
        return ()

    @classmethod
    def related_files(cls, standard: Standard, config: Config, file: Path | None) -> Iterable[Path]:
        """Other files this file's findings depend on (the sibling migrations of an
        app, the modules next to it): their contents become part of the file's cache
        key, so a cached result is never stale when one of them changes. A missing
        file counts as its absence. The default is none."""
        return ()

    @classmethod
    def review_suppressions(
        cls,
        standard: Standard,
        suppressions: Iterable[Suppression],
        provenance_at: Callable[[int], Provenance | None],
    ) -> Iterable[tuple[Span, str]]:
        """For kinds with :attr:`reviews_suppressions`: findings (span, message), or
        (span, message, fix) with a :class:`~resilint.model.Fix` of the comment, about
        the file's suppression comments, given which lines are AI-assisted."""
        return ()

    def finish(self) -> None:
        """Called once after the whole tree was visited (for rules that collect first)."""

    @classmethod
    def prepare(cls, standard: Standard, config: Config) -> None:
        """Called once per engine for each active standard, before any file is checked:
        load and validate run-wide inputs (a flag manifest) so that their errors end the
        run with a :class:`~resilint.errors.ConfigError` (exit 2) instead of crashing the
        rule in every file. Cache what is loaded; this runs again in each worker."""

    # -- for the engine -----------------------------------------------------------

    @classmethod
    def validate(cls, standard: Standard) -> None:
        """Check a standard's parameters against :attr:`parameters`."""
        for name, value in standard.params.items():
            spec = cls.parameters.get(name)
            if spec is None:
                known = ", ".join(sorted(cls.parameters)) or "none"
                raise ConfigError(
                    standard.origin,
                    f"standard {standard.code}.{name}",
                    f"unknown parameter for check {cls.kind!r} (parameters: {known})",
                )
            if not isinstance(value, spec.type) or isinstance(value, bool) and spec.type is int:
                expected = getattr(spec.type, "__name__", None) or " or ".join(t.__name__ for t in spec.type)
                raise ConfigError(standard.origin, f"standard {standard.code}.{name}", f"expected {expected}")
        for name, spec in cls.parameters.items():
            if spec.required and name not in standard.params:
                raise ConfigError(
                    standard.origin, f"standard {standard.code}.{name}", f"required by check {cls.kind!r}"
                )

    @classmethod
    def link(cls, standard: Standard, standards: Mapping[str, Standard]) -> tuple[Standard, ...]:
        """The other standards ``standard`` refers to, looked up in every known
        standard by code when the ruleset is built (they become ``standard.linked``).
        Raise :class:`~resilint.errors.ConfigError` for a reference that cannot be
        resolved. The default is none."""
        return ()

    @classmethod
    def visitor_method_names(cls) -> tuple[str, ...]:
        return _visitor_method_names(cls)


@cache
def _visitor_method_names(cls: type[Rule]) -> tuple[str, ...]:
    """``visit_*``/``leave_*`` methods a rule class defines (computed once per class:
    libcst's own ``get_visitors`` inspects ~900 members on every instance)."""
    return tuple(
        name
        for name in dir(cls)
        if (name.startswith("visit_") or name.startswith("leave_")) and callable(getattr(cls, name))
    )


class EngineEvent(Rule):
    """Base of the kinds that report an engine event (:attr:`Rule.event`): they visit
    nothing and never need a file parsed."""

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        return ()
