"""The ``unbounded-retry-policy`` check kind (REL201): a library policy with no stop condition."""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.retries.arguments import MISSING, argument
from resilint.checks.retries.policies import Library, unbounded_keywords
from resilint.checks.retries.policy_rule import PolicyRule


class UnboundedRetryPolicy(PolicyRule):
    """A library policy with no stop condition (REL201)."""

    kind = "unbounded-retry-policy"
    description = "A retry policy that never gives up: no attempt or time limit, or an explicit unbounded one."

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        keywords = unbounded_keywords(library, call, self.names)
        if keywords is None:
            return
        wanted = " or ".join(f"{k}=" for k in keywords)
        if call is None or all(_missing(call, library, k) for k in keywords):
            self.report(at, f"{written} without {wanted}: {library.get('default', 'it retries forever by default')}")
        else:
            given = ", ".join(
                f"{k}={source_of(self.context.module, v)}"
                for k in keywords
                if isinstance(v := argument(call, k, library.get("positions", {}).get(k)), cst.BaseExpression)
            )
            self.report(at, f"{written} with {given} and no other limit retries forever")

def _missing(call: cst.Call, library: Library, keyword: str) -> bool:
    return argument(call, keyword, library.get("positions", {}).get(keyword)) is MISSING
