"""The ``unjustified-suppression`` check kind (REL903): a suppression comment on an
AI-assisted line without a reason.

Such a suppression is not honoured (the engine keeps the finding it names); this
kind adds the finding at the comment itself, so the reviewer sees what to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from resilint.config.standards import Standard
from resilint.engine.suppressions import Suppression
from resilint.model import Provenance, Span
from resilint.rule import EngineEvent


class UnjustifiedSuppression(EngineEvent):
    kind = "unjustified-suppression"
    description = "A suppression on an AI-assisted line without a reason; judged after the walk, visits nothing."
    reviews_suppressions = True

    @classmethod
    def review_suppressions(
        cls,
        standard: Standard,
        suppressions: Iterable[Suppression],
        provenance_at: Callable[[int], Provenance | None],
    ) -> Iterable[tuple[Span, str]]:
        for suppression in suppressions:
            if suppression.reason or provenance_at(suppression.line) is None:
                continue
            column = suppression.column
            span = Span(suppression.line, column, suppression.line, column + len(suppression.comment))
            message = f"suppression {suppression.comment.strip()!r} on an AI-assisted line has no reason; add one after '--'"
            yield span, message
