"""The ``flag-default-type`` check kind (REL302).

The literal type of ``node``, following names bound to a literal (``DEFAULT = "off"``).
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.flags.flag_rule import MAX_DEPTH, FlagRule
from resilint.checks.flags.sdks import FlagEvaluation, literal_type
from resilint.engine.names import NameResolver
from resilint.rule import Param


class FlagDefaultType(FlagRule):
    """A typed getter's literal default must be of the getter's type."""

    kind = "flag-default-type"
    description = "A typed flag getter's literal default must have the getter's type."
    parameters = {
        "accepted": Param(dict, doc="flag type -> literal types accepted as its default, e.g. float = ['float', 'int']"),
    }

    def check(self, evaluation: FlagEvaluation) -> None:
        if evaluation.value_type is None or evaluation.default is None:
            return
        accepted = self.param("accepted").get(evaluation.value_type)
        if accepted is None:
            return
        found = _literal_type(evaluation.default, self.names)
        if found is None or found in accepted:
            return
        default = source_of(self.context.module, evaluation.default, 30)
        self.report(
            evaluation.call,
            f"{self.written(evaluation)}() default {default} is {_article(found)} {found}, not {_article(evaluation.value_type)} "
            f"{evaluation.value_type} ({' or '.join(accepted)}): callers get this value whenever the flag cannot be evaluated",
        )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _literal_type(node: cst.BaseExpression, names: NameResolver, depth: int = 0) -> str | None:
    """The literal type of ``node``, following names bound to a literal (``DEFAULT = "off"``)."""
    found = literal_type(node)
    if found is not None or depth > MAX_DEPTH or not isinstance(node, cst.Name):
        return found
    binding = names.lookup(node.value)
    if binding is None or binding.qualname is not None or binding.value is None:
        return None
    return _literal_type(binding.value, names, depth + 1)
