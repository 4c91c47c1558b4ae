"""The built-in check kinds, one module per area. Each standard in ``rules/*.toml``
names one of these with ``check = "<kind>"``."""

from __future__ import annotations

from resilint.checks.calls import CallRequiresKeyword
from resilint.checks.engine import EngineCheck
from resilint.rule import Rule

BUILTIN_KINDS: tuple[type[Rule], ...] = (
    EngineCheck,
    CallRequiresKeyword,
)
