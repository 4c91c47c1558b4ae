"""The ``rule-crashed`` check kind (REL002): the engine's rule-crashed event."""

from __future__ import annotations

from resilint.engine.events import RULE_CRASHED
from resilint.rule import EngineEvent


class RuleCrashedEvent(EngineEvent):
    kind = "rule-crashed"
    event = RULE_CRASHED
    description = "A check kind raised on this file; reported by the engine, visits nothing."
