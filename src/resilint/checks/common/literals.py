"""Reading Python literals in the checked code (never evaluating anything else)."""

from __future__ import annotations

import libcst as cst


def literal_bool(node: cst.BaseExpression | None) -> bool | None:
    """``True``/``False`` written literally; None for anything else."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def string_literal(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # e.g. a malformed escape libcst accepted
            return None
        return value if isinstance(value, str) else None
    return None
