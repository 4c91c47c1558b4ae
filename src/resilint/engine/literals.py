"""Reading Python literals in the checked code (never evaluating anything else).

Shared by the engine (name resolution) and every check kind: one helper per job."""

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


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a string literal, implicit concatenation and placeholder-free
    f-strings included (a flag key, a SQL statement), else None. Bytes are not text."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # e.g. a malformed escape libcst accepted
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        texts = [p.value for p in node.parts if isinstance(p, cst.FormattedStringText)]
        return "".join(texts) if len(texts) == len(node.parts) else None
    return None


def is_none(node: cst.BaseExpression | None) -> bool:
    """The literal ``None``."""
    return isinstance(node, cst.Name) and node.value == "None"
