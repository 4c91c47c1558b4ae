"""Bad input is reported, not raised.

A broken migration (does not parse, depends on something missing, a cycle, two
leaves) must become a *named finding* while the rest of the app is still judged,
so every stage collects ``Diagnostic`` values and carries on with what it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]

# The codes, stable so the checks can map them to findings.
UNPARSABLE = "unparsable-migration"
MISSING_DEPENDENCY = "missing-dependency"
EXTERNAL_DEPENDENCY = "external-dependency"  # an app outside the scanned roots (auth, third-party)
CYCLE = "dependency-cycle"
MULTIPLE_LEAVES = "multiple-leaf-nodes"
DUPLICATE = "duplicate-migration"
DYNAMIC = "dynamic-definition"  # dependencies/operations not written as literals
UNKNOWN_MODEL = "unknown-model"  # an operation on a model the replay never saw created
UNKNOWN_OPERATION = "unknown-operation"
MISSING_REVISION = "missing-down-revision"
MULTIPLE_HEADS = "multiple-heads"
MULTIPLE_BASES = "multiple-bases"
NO_REVISION = "no-revision-id"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    severity: Severity = "error"
    path: str | None = None
    line: int | None = None
    app: str | None = None
    name: str | None = None  # migration name or Alembic revision
    attr: str | None = None  # Alembic: the module attribute at fault (revision, down_revision, depends_on)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.path and self.line else (self.path or "")
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity} {self.code}: {self.message}"
