"""Where a rule's documentation lives (SARIF ``helpUri``, LSP ``codeDescription``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resilint.config.standards import Standard

RULES_DOC = "https://github.com/resilint/resilint/blob/main/docs/rules.md"


def rule_doc_url(code: str) -> str:
    """``REL101`` -> the rules page, anchored at the rule's heading (``#rel101``)."""
    return f"{RULES_DOC}#{code.lower()}"


def doc_url_for(standard: Standard) -> str | None:
    """A built-in standard links to resilint's rules page; a team's or a plugin's
    own standard to its first reference, if it has one (never to a page that
    does not document it)."""
    from resilint.config.standards import builtin_rules_dir

    try:
        builtin = Path(standard.origin).resolve().parent == builtin_rules_dir().resolve()
    except (OSError, ValueError):
        builtin = False
    if builtin:
        return rule_doc_url(standard.code)
    return standard.references[0] if standard.references else None
