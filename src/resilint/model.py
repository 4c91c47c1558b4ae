"""The data that flows from the engine to every front end: frozen and picklable."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered severity levels: ``note < warning < error``."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"warning"`` -> ``Severity.WARNING``; raises ``ValueError`` otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"expected one of note, warning, error; got {text!r}") from None

    def raised(self, levels: int) -> Severity:
        """This severity raised by ``levels`` steps, capped at ``error``."""
        return Severity(max(Severity.NOTE, min(Severity.ERROR, self + levels)))


@dataclass(frozen=True)
class Span:
    """A source range. Lines and columns are 1-based; the end is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Provenance:
    """Why a line counts as AI-assisted."""

    signal: str  # "flag", "config", "marker", "git-trailer", "git-identity", "git-notes"
    detail: str
    confidence: str = "high"  # "high" | "medium" | "low"


@dataclass(frozen=True)
class Edit:
    """Replace ``span`` of the file with ``text``."""

    span: Span
    text: str


@dataclass(frozen=True)
class Fix:
    """An autofix: a description and the edits that apply it (spans of the original
    file). ``safe``: ``--fix`` applies it; an unsafe fix (it changes behaviour in a way
    the project has not chosen) needs ``--unsafe-fixes``."""

    description: str
    edits: tuple[Edit, ...] = ()
    safe: bool = False
    resolves: bool = True  # False: the finding stays after it (REL903's reason placeholder)

    @property
    def safety(self) -> str:
        return "safe" if self.safe else "unsafe"


@dataclass(frozen=True)
class Finding:
    """One problem at one place, with its effective severity."""

    code: str
    name: str
    category: str
    severity: Severity
    base_severity: Severity
    path: str  # relative to the working directory, "/" separators
    span: Span
    message: str
    provenance: Provenance | None = None
    fix: Fix | None = None

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def ai_assisted(self) -> bool:
        return self.provenance is not None

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)


@dataclass(frozen=True)
class FileError:
    """A file (or path) that could not be checked, and why."""

    path: str
    message: str


@dataclass(frozen=True)
class FileResult:
    """What checking one file produced."""

    path: str
    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()


@dataclass(frozen=True)
class ChangedFile:
    """One file of a ``--diff``/``--staged`` run, for a review summary: how much of
    its change is AI-assisted, and the suppressions on those lines."""

    path: str
    changed: int  # changed lines checked
    ai_lines: tuple[int, ...] = ()  # the changed lines that are AI-assisted
    tier: str | None = None  # the critical tier ([[tool.resilint.tiers]]) the file is in
    evidence: tuple[str, ...] = ()  # the distinct AI evidence of those lines
    ai_suppressions: tuple[tuple[int, str, str], ...] = ()  # (line, comment, reason) on AI-assisted changed lines


@dataclass(frozen=True)
class Report:
    """The result of a run over many files."""

    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()
    files: int = 0
    notes: tuple[str, ...] = field(default=())  # extra summary lines, e.g. what --diff compared
    paths: tuple[str, ...] = field(default=())  # every checked file (display paths), with findings or not
    # Conditions that make the result less complete without being errors (a shallow
    # clone hides AI provenance): shown in every format, never change the exit status.
    warnings: tuple[str, ...] = field(default=())
    changes: tuple[ChangedFile, ...] = field(default=())  # --diff/--staged with a review summary (--format markdown)
    fixed: int | None = None  # --fix: how many findings were fixed (None: not a fix run)
    # The text a path was checked from when it is not the file on disk (stdin, the
    # index in --staged mode): what the baseline's fingerprints must be read from.
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def at_or_above(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity >= severity)
