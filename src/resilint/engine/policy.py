"""Effective severity = standard severity (human or AI line) -> configured
override -> critical tier escalation, capped at ``error``."""

from __future__ import annotations

from resilint.config.standards import Standard
from resilint.model import Severity


def effective_severity(
    standard: Standard,
    *,
    ai_assisted: bool,
    override: Severity | None = None,
    escalate: int = 0,
) -> Severity:
    """A configured override replaces the human severity; on AI-assisted lines the
    standard's AI severity still applies when it is stricter."""
    if override is not None:
        base = max(override, standard.severity_ai) if ai_assisted else override
    else:
        base = standard.severity_for(ai_assisted)
    return base.raised(escalate)
