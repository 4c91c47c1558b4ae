"""Fixes of the timeout kinds: add the missing timeout argument (call-requires-keyword),
replace an explicit ``None`` (timeout-disabled), with the value of the call's library
family from ``[tool.resilint.fix.timeouts]`` (safe) or the built-in default (unsafe).

No fix where adding the keyword could go wrong: a ``**kwargs`` or ``*args`` argument
(the keyword may arrive twice, or a positional may already fill it), a timeout
set through a configuration object (botocore ``Config``), a spec with no keyword
(the timeout belongs on the constructor), or a bare generator argument.
"""

from __future__ import annotations

import math

import libcst as cst

from resilint.checks.timeouts.callspec import CallSpec
from resilint.config.settings import Config
from resilint.fix.edits import add_keyword, replace, seconds
from resilint.fix.plan import FixPlan, plan

INTEGER_FAMILIES = frozenset({"psycopg2", "psycopg"})  # libpq reads connect_timeout as whole seconds


def family(spec: CallSpec) -> str:
    """The library family of a spec (its targets' top-level module; ``grpc`` for stubs)."""
    targets = sorted(spec.targets)
    if spec.built_with or any("_pb2_grpc" in t for t in targets) or (
        spec.patterns is not None and "_pb2_grpc" in spec.patterns.pattern
    ):
        return "grpc"
    return targets[0].split(".", 1)[0] if targets else "default"


def _value(config: Config, spec: CallSpec, keyword: str) -> tuple[str, bool, str]:
    """(source text, chosen by the project, family)."""
    name = family(spec)
    value = config.fix.timeout(name)
    raw = value.value
    if name in INTEGER_FAMILIES and not isinstance(raw, tuple):
        raw = max(1, math.ceil(raw))
    return seconds(raw, keyword), value.chosen, name


def _origin(chosen: bool, name: str) -> str:
    return f"[tool.resilint.fix.timeouts] {name}" if chosen else "built-in default; choose it in [tool.resilint.fix.timeouts]"


def add_timeout(call: cst.Call, spec: CallSpec, config: Config) -> FixPlan | None:
    if not spec.keywords or spec.config is not None:
        return None
    if any(arg.star for arg in call.args):
        return None
    keyword = spec.keywords[0]
    text, chosen, name = _value(config, spec, keyword)
    return plan(f"add {keyword}={text} ({_origin(chosen, name)})", chosen, add_keyword(call, keyword, text))


def replace_none(arg: cst.Arg, spec: CallSpec, config: Config) -> FixPlan | None:
    """``timeout=None`` (or a (connect, read) pair with a None) -> the configured value."""
    keyword = arg.keyword.value if arg.keyword is not None else (spec.keywords[0] if spec.keywords else "")
    text, chosen, name = _value(config, spec, keyword)
    shown = f"{arg.keyword.value}={text}" if arg.keyword is not None else text
    return plan(f"pass {shown} instead of None ({_origin(chosen, name)})", chosen, replace(arg.value, text))
