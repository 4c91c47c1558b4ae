"""The ``retry-on-broad-exception`` check kind (REL205).

A policy that explicitly retries ``Exception``/``BaseException``.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.retries.policies import Library, broad_exception
from resilint.checks.retries.policy_rule import LIBRARIES_DOC, PolicyRule
from resilint.rule import Param


class RetryOnBroadException(PolicyRule):
    """A policy that explicitly retries ``Exception``/``BaseException`` (REL205)."""

    kind = "retry-on-broad-exception"
    description = "A retry policy that retries every exception, bugs included."
    parameters = {
        "libraries": Param(list, doc=LIBRARIES_DOC),
        "broad": Param(list, doc="builtin exception classes that are too broad to retry"),
    }

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        found = broad_exception(library, call, self.names, self.param("broad"))
        if found is not None:
            shown = source_of(self.context.module, found)
            self.report(
                at,
                f"{written} retries on {shown}: programming errors (TypeError, KeyError, ...) are retried too; "
                "list the transient exceptions instead",
            )
