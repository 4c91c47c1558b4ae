"""Standards the engine itself reports (REL001 syntax error, REL002 rule crashed,
REL903 unjustified suppression): they need no visitor."""

from __future__ import annotations

from collections.abc import Iterable

from resilint.rule import Rule
from resilint.config.standards import Standard


class EngineCheck(Rule):
    kind = "engine"
    description = "Reported by the engine while reading, parsing and suppressing; visits nothing."

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        return ()
