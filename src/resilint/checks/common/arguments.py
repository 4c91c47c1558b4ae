"""Small helpers shared by check kinds: arguments, literals, how a call is written."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from resilint.engine.prefilter import import_trigger


def has_star_kwargs(call: cst.Call) -> bool:
    """``f(**kwargs)`` may carry any keyword: checks must not flag it."""
    return any(arg.star == "**" for arg in call.args)


def keyword_arg(call: cst.Call, names: Iterable[str]) -> cst.Arg | None:
    wanted = set(names)
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in wanted:
            return arg
    return None


def positional_arg(call: cst.Call, index: int | None) -> cst.Arg | None:
    """The positional argument at ``index``, or None (also None after a ``*args``,
    whose length we cannot know, and for ``index=None``)."""
    if index is None:
        return None
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            return None
        if position == index:
            return arg
        position += 1
    return None


def star_args_before(call: cst.Call, index: int | None) -> bool:
    """Whether a ``*args`` could supply the positional argument at ``index``."""
    if index is None:
        return False
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            return position <= index
        position += 1
    return False


def source_of(module: cst.Module, node: cst.CSTNode, limit: int = 60) -> str:
    """How a node is written, on one line, shortened for messages."""
    text = " ".join(module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def import_triggers(qualnames: Iterable[str]) -> set[str]:
    """Prefilter triggers for rules that follow imports: ``requests.get`` ->
    ``"import:requests.get"`` (the file must import ``requests``, and slicing keeps
    what uses a name bound to ``requests`` or ``requests.get``; see prefilter.py)."""
    return {import_trigger(q) for q in qualnames if q}
