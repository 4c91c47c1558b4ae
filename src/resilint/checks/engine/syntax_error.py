"""The ``syntax-error`` check kind (REL001): the engine's syntax-error event."""

from __future__ import annotations

from resilint.engine.events import SYNTAX_ERROR
from resilint.rule import EngineEvent


class SyntaxErrorEvent(EngineEvent):
    kind = "syntax-error"
    event = SYNTAX_ERROR
    description = "The file is not valid Python (or cannot be decoded); reported by the engine, visits nothing."
