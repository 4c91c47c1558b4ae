"""The ``deletion-safeguard-disabled`` check kind (REL502).

A boto3 call that switches off a deletion safeguard.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import (
    source_of,
)
from resilint.checks.destructive.boto import FACTORY_PARAMS, BotoRule
from resilint.engine.literals import literal_bool, string_literal
from resilint.rule import Param


class DeletionSafeguardDisabled(BotoRule):
    kind = "deletion-safeguard-disabled"
    description = "A boto3 call that switches off a deletion safeguard."
    parameters = {
        **FACTORY_PARAMS,
        "unsafe-values": Param(
            dict, doc="keyword -> the literal(s) that disable the safeguard (bool, string or a list); 'Prefix*' matches a prefix"
        ),
    }

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        hits = [arg for arg in node.args if arg.keyword is not None and self._unsafe(arg)]
        if not hits or self.receiver(node) is None:
            return
        written = ", ".join(f"{a.keyword.value}={source_of(self.context.module, a.value)}" for a in hits if a.keyword)
        self.report(
            node,
            f"{source_of(self.context.module, node.func)}() with {written} switches off a safeguard against losing "
            "data for good (final snapshot, deletion protection, recovery window, retention); keep it on, and "
            "lift protection, if ever, in a separate reviewed step",
        )

    def _unsafe(self, arg: cst.Arg) -> bool:
        assert arg.keyword is not None
        value: bool | str | None = literal_bool(arg.value)
        if value is None:
            value = string_literal(arg.value)
        if value is None:
            return False  # decided at run time
        name = arg.keyword.value
        for keyword, unsafe in self.param("unsafe-values").items():
            matches = name.startswith(keyword[:-1]) if keyword.endswith("*") else name == keyword
            values = unsafe if isinstance(unsafe, list) else [unsafe]
            if matches and any(type(v) is type(value) and v == value for v in values):
                return True
        return False
