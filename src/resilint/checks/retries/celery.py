"""Celery task retry policies, read from a task decorator and the task's body.

A task retries automatically when its decorator passes ``autoretry_for=(...)``, or
by hand through ``self.retry(...)`` in a bound task (``bind=True``). The facts
(which keywords, Celery's defaults) come from the ``celery`` library table of each
standard in ``rules/retries.toml``: ``max_retries`` defaults to 3 (``None`` retries
forever), ``default_retry_delay`` to 180 s, ``retry_backoff`` to False and
``retry_jitter`` to True (celery 5.x ``celery.app.task.Task`` and
``celery.app.autoretry``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from resilint.checks.retries.arguments import MISSING, NOT_LITERAL, UNKNOWN, Argument, argument, follow, literal
from resilint.checks.retries.policies import Library
from resilint.checks.retries.statements import collect
from resilint.engine.names import NameResolver


@dataclass
class CeleryTask:
    call: cst.Call | None
    autoretry: cst.BaseExpression | None  # the autoretry_for value, when passed
    options: dict[str, Argument]  # decorator keywords, retry_kwargs entries merged in
    manual: list[cst.Call] = field(default_factory=list)  # self.retry(...) in a bound task

    @property
    def retries(self) -> bool:
        return self.autoretry is not None or bool(self.manual)

    def option(self, key: str) -> Argument:
        return self.options.get(key, MISSING)


def read_task(library: Library, call: cst.Call | None, function: cst.FunctionDef | None, names: NameResolver) -> CeleryTask | None:
    """The task's retry options; None when ``**kwargs`` hide them."""
    if call is not None and any(a.star == "**" for a in call.args):
        return None
    options: dict[str, Argument] = {}
    for arg in call.args if call is not None else ():
        if arg.keyword is not None:
            options[arg.keyword.value] = arg.value
    kwargs = options.get(library.get("retry-kwargs", "retry_kwargs"))
    if isinstance(kwargs, cst.BaseExpression):
        table = follow(kwargs, names)
        if not isinstance(table, cst.Dict):
            return None  # retry_kwargs built elsewhere: its max_retries / countdown are unknown
        for element in table.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = literal(element.key)
            if isinstance(key, str):
                options[key] = element.value
    autoretry = options.get(library.get("autoretry", "autoretry_for"))
    autoretry_expr = autoretry if isinstance(autoretry, cst.BaseExpression) else None
    if autoretry_expr is not None and literal(follow(autoretry_expr, names)) == ():
        autoretry_expr = None
    return CeleryTask(call, autoretry_expr, options, _manual_retries(library, call, function, options))


def _manual_retries(
    library: Library, call: cst.Call | None, function: cst.FunctionDef | None, options: Mapping[str, Argument]
) -> list[cst.Call]:
    """``self.retry(...)`` calls on the bound task (its first parameter when ``bind=True``)."""
    bind = options.get("bind")
    if function is None or not isinstance(bind, cst.BaseExpression) or literal(bind) is not True:
        return []
    params = [*function.params.posonly_params, *function.params.params]
    if not params:
        return []
    receiver = params[0].name.value
    method = library.get("retry-method", "retry")
    return [
        c
        for c in collect(function.body, (cst.Call,), enter_loops=True)
        if isinstance(c.func, cst.Attribute)
        and c.func.attr.value == method
        and isinstance(c.func.value, cst.Name)
        and c.func.value.value == receiver
    ]


def max_retries(library: Library, task: CeleryTask, retry_call: cst.Call | None, names: NameResolver) -> Any:
    """The retry limit in force: the ``self.retry(max_retries=...)`` argument, else the
    decorator's (or ``retry_kwargs``'s), else Celery's default. NOT_LITERAL when unknown."""
    keyword = library.get("max-retries", "max_retries")
    value: Argument = MISSING
    if retry_call is not None:
        value = argument(retry_call, keyword)
        if value is UNKNOWN:
            return NOT_LITERAL
    if value is MISSING:
        value = task.option(keyword)
    if value is MISSING:
        return library.get("default-max-retries", 3)
    if not isinstance(value, cst.BaseExpression):
        return NOT_LITERAL
    return literal(follow(value, names))


def attempts(library: Library, task: CeleryTask, retry_call: cst.Call | None, names: NameResolver) -> int | None:
    limit = max_retries(library, task, retry_call, names)
    if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
        return limit + 1
    return None


def truthy(value: Argument, names: NameResolver) -> bool | None:
    """A literal's truth; None when unknown (a variable)."""
    if value is MISSING:
        return None
    if not isinstance(value, cst.BaseExpression):
        return None
    found = literal(follow(value, names))
    return None if found is NOT_LITERAL else bool(found)


@dataclass(frozen=True)
class CeleryWait:
    at: cst.CSTNode | None  # the self.retry(...) call; None for the decorator
    growth: str  # "constant" | "exponential"
    random: bool
    what: str
    attempts: int | None


def waits(library: Library, task: CeleryTask, names: NameResolver, module: cst.Module) -> list[CeleryWait]:
    """The waits a task's retries use, when certain. Celery's own default delay (180 s,
    no ``countdown``/``default_retry_delay`` passed) is not judged: it is long, and
    not what anyone wrote."""
    found: list[CeleryWait] = []
    delay_keys = library.get("delays", ["countdown", "default_retry_delay"])
    if task.autoretry is not None:
        backoff = task.option(library.get("backoff", "retry_backoff"))
        on = truthy(backoff, names)
        if on:
            jitter = task.option(library.get("jitter", "retry_jitter"))
            random = truthy(jitter, names)
            if random is not None or jitter is MISSING:
                found.append(CeleryWait(None, "exponential", random is not False, f"retry_backoff={module.code_for_node(backoff)}", attempts(library, task, None, names)))  # type: ignore[arg-type]
        elif on is False or backoff is MISSING:
            delay = _first_delay(task, delay_keys)
            if isinstance(delay, cst.BaseExpression) and _number(follow(delay, names)):
                found.append(CeleryWait(None, "constant", False, f"a fixed {module.code_for_node(delay)} s delay", attempts(library, task, None, names)))
    for call in task.manual:
        countdown = argument(call, "countdown")
        if countdown is MISSING and argument(call, "eta") is MISSING:
            countdown = task.option("default_retry_delay")
        if isinstance(countdown, cst.BaseExpression) and _number(follow(countdown, names)):
            found.append(CeleryWait(call, "constant", False, f"countdown={module.code_for_node(countdown)}", attempts(library, task, call, names)))
    return found


def _first_delay(task: CeleryTask, keys: list[str]) -> Argument:
    for key in keys:
        value = task.option(key)
        if value is not MISSING:
            return value
    return MISSING


def _number(expr: cst.BaseExpression) -> bool:
    value = literal(expr)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    # 60 * 5: arithmetic on literals only
    if isinstance(expr, cst.BinaryOperation):
        return _number(expr.left) and _number(expr.right)
    return False
