"""The ``flag-key-static`` check kind (REL303).

A flag key must be a string literal or a constant bound to one.
"""

from __future__ import annotations

from resilint.checks.flags.flag_rule import FlagRule
from resilint.checks.flags.sdks import FlagEvaluation, static_key


class FlagKeyStatic(FlagRule):
    """A flag key must be a string literal or a constant bound to one."""

    kind = "flag-key-static"
    description = "A flag key must be a string literal or a module-level constant bound to one."

    def check(self, evaluation: FlagEvaluation) -> None:
        key = static_key(evaluation, self.names)
        if key is None or key.kind != "dynamic":
            return
        self.report(
            evaluation.call,
            f"{self.written(evaluation)}() is given a computed flag key ({self.key_text(evaluation)}); "
            "a key that is not a literal cannot be checked against the manifest, found by search, or cleaned up",
        )
