"""What a rule can know about the file it is checking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from resilint.config.settings import Config
from resilint.engine.names import NameResolver
from resilint.engine.revisions import Revisions
from resilint.provenance.sources import LineProvenance
from resilint.rule import RawFinding


@dataclass
class FileContext:
    """Shared by all rules during one file's traversal."""

    path: str  # display path ("/" separators, relative to the working directory)
    file: Path | None  # the real file, when there is one (not stdin)
    source: str
    module: cst.Module
    config: Config
    names: NameResolver
    today: dt.date
    changed: frozenset[int] | None = None  # --diff/--staged: the changed lines (None: whole file)
    provenance: LineProvenance | None = None  # which lines are AI-assisted (asked lazily)
    revisions: Revisions | None = None  # diff mode: the change's two versions of the other files (revisions.py)
    findings: list[RawFinding] = field(default_factory=list)

    @property
    def is_stub(self) -> bool:
        return self.path.endswith(".pyi")

    def add(self, finding: RawFinding) -> None:
        self.findings.append(finding)
