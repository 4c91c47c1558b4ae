"""The ``not-analysed`` check kind (REL003): the engine's not-analysed event."""

from __future__ import annotations

from resilint.engine.events import NOT_ANALYSED
from resilint.rule import EngineEvent


class NotAnalysedEvent(EngineEvent):
    kind = "not-analysed"
    event = NOT_ANALYSED
    description = "Valid Python the parser could not be trusted with; reported by the engine, visits nothing."
