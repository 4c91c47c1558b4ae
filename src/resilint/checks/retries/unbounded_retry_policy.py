"""The ``unbounded-retry-policy`` check kind (REL201): a library policy with no stop condition."""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.retries.arguments import MISSING, argument
from resilint.checks.retries import celery
from resilint.checks.retries.arguments import NOT_LITERAL, literal
from resilint.checks.retries.policies import Library, unbounded_keywords, wait_profile
from resilint.checks.retries.fixes import bound_attempts
from resilint.checks.retries.statements import collect
from resilint.checks.retries.policy_rule import PolicyRule


class UnboundedRetryPolicy(PolicyRule):
    """A library policy with no stop condition (REL201)."""

    kind = "unbounded-retry-policy"
    description = "A retry policy that never gives up: no attempt or time limit, or an explicit unbounded one."

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        if library.get("model") == "celery":
            self._celery(library, call, at, written)
            return
        keywords = unbounded_keywords(library, call, self.names)
        if keywords is None:
            return
        function = self.decorated_function(at)
        if function is not None and _runs_forever(function) and _waits(library, call, self):
            return  # a supervisor: it restarts a worker loop that never returns, with a wait
        wanted = " or ".join(f"{k}=" for k in keywords)
        fix = bound_attempts(self, library, call, at)
        if call is None or all(_missing(call, library, k) for k in keywords):
            self.report(at, f"{written} without {wanted}: {library.get('default', 'it retries forever by default')}", fix=fix)
        else:
            given = ", ".join(
                f"{k}={source_of(self.context.module, v)}"
                for k in keywords
                if isinstance(v := argument(call, k, library.get("positions", {}).get(k)), cst.BaseExpression)
            )
            self.report(at, f"{written} with {given} and no other limit retries forever", fix=fix)

    def _celery(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        task = celery.read_task(library, call, self.decorated_function(at), self.names)
        if task is None or not task.retries:
            return
        if task.autoretry is not None and celery.max_retries(library, task, None, self.names) is None:
            self.report(at, f"{written} with max_retries=None retries the task forever; {library.get('hint', '')}".rstrip("; "))
            return
        for retry_call in task.manual:
            if celery.max_retries(library, task, retry_call, self.names) is None:
                shown = source_of(self.context.module, retry_call.func)
                self.report(retry_call, f"{shown}() with max_retries=None retries the task forever; {library.get('hint', '')}".rstrip("; "))


def _runs_forever(function: cst.FunctionDef) -> bool:
    """The function's body ends in ``while True:`` with no ``break`` or ``return`` in it: a
    long-lived worker or subscription that only ever ends by raising."""
    body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
    if not body or not isinstance(body[-1], cst.While):
        return False
    loop = body[-1]
    if literal(loop.test) in (NOT_LITERAL, 0, None, False, ""):
        return False
    return not collect(loop.body, (cst.Return,), enter_loops=True) and not collect(loop.body, (cst.Break,))


def _waits(library: Library, call: cst.Call | None, rule: PolicyRule) -> bool:
    """The policy waits between restarts (a wait strategy the library table knows that is not zero)."""
    wait = wait_profile(library, call, rule.names, rule.context.module)
    return wait is not None and wait.growth != "zero"


def _missing(call: cst.Call, library: Library, keyword: str) -> bool:
    return argument(call, keyword, library.get("positions", {}).get(keyword)) is MISSING
