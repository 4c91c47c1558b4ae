"""Check kinds about calls to imported functions."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from resilint.checks._util import (
    has_star_kwargs,
    keyword_arg,
    positional_arg,
    source_of,
    star_args_before,
    top_level_modules,
)
from resilint.rule import Param, Rule
from resilint.standards import Standard


class CallRequiresKeyword(Rule):
    """A call to one of ``targets`` must pass one of ``keywords`` (or the positional
    argument at ``position``). ``**kwargs`` may carry it; any expression counts."""

    kind = "call-requires-keyword"
    description = "A call to one of the target functions must pass one of the keywords."
    parameters = {
        "targets": Param(list, doc="qualified names of the functions, e.g. 'requests.get'"),
        "keywords": Param(list, doc="keyword names that satisfy the standard, e.g. ['timeout']"),
        "position": Param(int, required=False, doc="0-based positional index that also satisfies it"),
        "default": Param(str, required=False, default="", doc="what the library does without it"),
    }

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        return top_level_modules(standard.params.get("targets", ()))

    def __init__(self, standard: Standard, context: object) -> None:
        super().__init__(standard, context)  # type: ignore[arg-type]
        self.targets = frozenset(self.param("targets"))
        self.keywords = tuple(self.param("keywords"))

    def visit_Call(self, node: cst.Call) -> None:
        if self.names.call_name(node) not in self.targets or has_star_kwargs(node):
            return
        if keyword_arg(node, self.keywords) is not None:
            return
        position = self.param("position")
        if position is not None and (positional_arg(node, position) is not None or star_args_before(node, position)):
            return
        written = source_of(self.context.module, node.func)
        default = self.param("default")
        message = f"{written}() called without {self.keywords[0]}="
        self.report(node, f"{message}; {default}" if default else message)
