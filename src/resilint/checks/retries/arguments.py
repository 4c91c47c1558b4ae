"""Arguments and values of retry-policy calls: which argument a keyword or
position holds, what a name was bound to, and small literals.

Shared by the retry check kinds (``retries.py``) and the policy summaries
(``_retry_policies.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import libcst as cst

from resilint.checks.common.arguments import (
    has_star_kwargs,
    keyword_arg,
    positional_arg,
    star_args_before,
)
from resilint.engine.names import NameResolver

_MAX_FOLLOW = 8  # name -> value -> name chains followed


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = _Sentinel("MISSING")  # not passed: the library default applies
UNKNOWN = _Sentinel("UNKNOWN")  # **kwargs / *args may carry it: never flag
NOT_LITERAL = _Sentinel("NOT_LITERAL")

Argument: TypeAlias = "cst.BaseExpression | _Sentinel"  # a string: libcst loads lazily


def argument(call: cst.Call | None, keyword: str | None, position: int | None = None) -> Argument:
    """The expression passed for ``keyword`` (or at ``position``); ``MISSING`` when
    absent (``call`` None is a bare decorator: nothing passed), ``UNKNOWN`` when
    ``*args``/``**kwargs`` could carry it."""
    if call is None:
        return MISSING
    if keyword is not None:
        found = keyword_arg(call, (keyword,))
        if found is not None:
            return found.value
    if position is not None:
        at = positional_arg(call, position)
        if at is not None:
            return at.value
        if star_args_before(call, position):
            return UNKNOWN
    if keyword is not None and has_star_kwargs(call):
        return UNKNOWN
    return MISSING


def spec_argument(call: cst.Call | None, spec: Mapping[str, Any] | str) -> Argument:
    """``argument`` for a TOML spec: a keyword name or ``{keyword = .., position = ..}``."""
    if isinstance(spec, str):
        return argument(call, spec)
    return argument(call, spec.get("keyword"), spec.get("position"))


def follow(expr: cst.BaseExpression, names: NameResolver) -> cst.BaseExpression:
    """A name bound to a single value (``STOP = stop_after_attempt(3)``) stands for that value."""
    for _ in range(_MAX_FOLLOW):
        if not isinstance(expr, cst.Name):
            return expr
        binding = names.lookup(expr.value)
        if binding is None or binding.value is None or binding.qualname is not None:
            return expr
        expr = binding.value
    return expr


def literal(expr: cst.BaseExpression) -> Any:
    """A number, None, bool, string or tuple of those; ``NOT_LITERAL`` otherwise."""
    if isinstance(expr, (cst.Integer, cst.Float)):
        return expr.evaluated_value
    if isinstance(expr, cst.SimpleString):
        return expr.evaluated_value
    if isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[expr.value]
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        inner = literal(expr.expression)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(expr.operator, cst.Minus) else inner
        return NOT_LITERAL
    if (  # float("inf"): how "forever" is often spelled
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "float"
        and len(expr.args) == 1
        and isinstance(expr.args[0].value, cst.SimpleString)
        and expr.args[0].value.evaluated_value.strip().lower() in ("inf", "+inf", "infinity", "+infinity")
    ):
        return float("inf")
    if isinstance(expr, (cst.Tuple, cst.List)):
        values = [literal(e.value) for e in expr.elements if isinstance(e, cst.Element)]
        if len(values) != len(expr.elements) or any(v is NOT_LITERAL for v in values):
            return NOT_LITERAL
        return tuple(values)
    return NOT_LITERAL


def literal_text(value: Any) -> str:
    """How a literal is spelled in TOML value lists (``"None"``, ``"-1"``, ``"0"``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def normalize(qualname: str | None, aliases: Iterable[tuple[str, str]]) -> str | None:
    """``tenacity.wait.wait_fixed`` -> ``tenacity.wait_fixed`` (public re-exports).
    ``aliases`` is sorted longest prefix first."""
    if qualname is None:
        return None
    for _ in range(4):  # requests.packages.urllib3.util.retry.Retry takes two steps
        for prefix, public in aliases:
            if qualname.startswith(prefix + "."):
                qualname = public + qualname[len(prefix) :]
                break
        else:
            return qualname
    return qualname


def alias_pairs(table: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(table.items(), key=lambda item: -len(item[0])))


def is_builtin(expr: cst.BaseExpression, names: NameResolver, wanted: Iterable[str]) -> bool:
    """``Exception`` / ``min`` / ``input`` as the builtin: a bare name nothing in scope rebinds."""
    if isinstance(expr, cst.Name):
        return expr.value in wanted and names.lookup(expr.value) is None
    if isinstance(expr, cst.Attribute):
        qualname = names.qualified_name(expr)
        return qualname is not None and qualname.startswith("builtins.") and qualname[9:] in wanted
    return False


def elements(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The items of a tuple/list/set display, or the expression itself."""
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return [e.value for e in expr.elements]
    return [expr]
