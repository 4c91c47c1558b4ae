"""The ``unjustified-suppression`` check kind (REL903): a suppression comment on an
AI-assisted line without a reason.

Such a suppression is not honoured (the engine keeps the finding it names); this
kind adds the finding at the comment itself, so the reviewer sees what to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from resilint.config.standards import Standard
from resilint.engine.suppressions import Suppression
from resilint.model import Edit, Fix, Provenance, Span
from resilint.rule import EngineEvent


def reason_fix(suppression: Suppression, span: Span) -> Fix | None:
    """Write the reason placeholder (``-- <reason>``) where the person writes why
    (engine/noqa_writer.py, as ``--add-noqa`` does). The placeholder never counts as a
    reason, so the finding stays until someone replaces it; safe: only a comment
    changes. None when the comment already holds the placeholder."""
    from resilint.engine.noqa_writer import add_noqa

    placeholder = _Placeholder()
    new = add_noqa(suppression.comment, [placeholder]).text  # type: ignore[list-item]
    if new == suppression.comment:
        return None
    return Fix("write the reason after '--' (the placeholder <reason> does not count as one)", (Edit(span, new),), safe=True, resolves=False)


class _Placeholder:
    """What add_noqa reads of a finding: REL903 on the comment's line (the comment is
    the whole text it edits), for which it adds the reason, never a code."""

    code = "REL903"
    span = Span(1, 1, 1, 1)


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
    ) -> Iterable[tuple[Span, str, Fix | None]]:
        for suppression in suppressions:
            if suppression.reason or provenance_at(suppression.line) is None:
                continue
            column = suppression.column
            span = Span(suppression.line, column, suppression.line, column + len(suppression.comment))
            message = f"suppression {suppression.comment.strip()!r} on an AI-assisted line has no reason; add one after '--'"
            yield span, message, reason_fix(suppression, span)
