"""The ``flag-requires-fallback`` check kind (REL301).

An evaluation whose API takes an optional fallback must pass one.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.flags.flag_rule import FlagRule
from resilint.checks.flags.sdks import FlagEvaluation
from resilint.rule import Param


class FlagRequiresFallback(FlagRule):
    """An evaluation whose API takes an optional fallback must pass one."""

    kind = "flag-requires-fallback"
    description = "A flag evaluation must pass an explicit safe default or fallback."
    parameters = {
        "behaviour": Param(dict, doc="per SDK: what happens without the fallback (for messages)"),
    }

    def check(self, evaluation: FlagEvaluation) -> None:
        if not evaluation.missing_fallback:
            return
        behaviour = self.param("behaviour").get(evaluation.sdk, "")
        what = f"{evaluation.default_keyword}=" if evaluation.default_keyword else "its default argument"
        message = f"{self.written(evaluation)}({self.key_text(evaluation)}) evaluates a flag without {what}"
        if evaluation.none_given or (evaluation.default is None and _passes_none(evaluation)):
            message += " (None is no fallback)"
        self.report(evaluation.call, f"{message}; {behaviour}" if behaviour else message)


def _passes_none(evaluation: FlagEvaluation) -> bool:
    keyword = evaluation.default_keyword
    return any(
        arg.keyword is not None and arg.keyword.value == keyword and isinstance(arg.value, cst.Name) and arg.value.value == "None"
        for arg in evaluation.call.args
    )
