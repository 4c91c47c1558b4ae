"""Check kinds for schema changes that lock, fail during a deploy, or cannot be
undone: NOT NULL columns, column alterations, non-concurrent indexes and
irreversible migrations (Django and Alembic)."""

from __future__ import annotations

from resilint.checks.migrations.django import DjangoOp
from resilint.engine.literals import string_literal


def field_label(op: DjangoOp) -> str:
    model = (string_literal(op.arg("model_name")) or "?").lower()
    name = string_literal(op.arg("name")) or "?"
    return f"{model}.{name}"
