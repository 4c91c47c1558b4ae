"""The ``ast`` of the text being checked, parsed once for everyone who asks.

Several steps of one file's check may want CPython's tree of the same text (a
check kind deciding whether the file can be sliced, then slicing itself): the
last text's tree is kept, and a request for that very string (the same object:
no comparison of contents) gets it again instead of a second ``ast.parse``.
Callers must not change the tree. A failed parse is not kept: it raises again.
"""

from __future__ import annotations

import ast

_last: tuple[str, ast.Module] | None = None


def parse(text: str) -> ast.Module:
    """``ast.parse(text)``, reused when ``text`` is the string parsed last."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last is not None and last[0] is text:
        return last[1]
    tree = ast.parse(text)
    _last = (text, tree)
    return tree


def forget() -> None:
    """Drop the kept tree (its file is done)."""
    global _last
    _last = None
