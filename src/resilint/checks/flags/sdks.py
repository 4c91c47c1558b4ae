"""Recognise feature-flag evaluations: which SDK, which key, which default.

One function, :func:`recognize`, shared by the flag standards (REL301-REL305),
the guard check of the diff mode (REL306) and ``resilint flags``. Names follow
imports and assignments (:class:`~resilint.engine.names.NameResolver`), never the text:
``client.get_boolean_value(...)`` is an OpenFeature evaluation only when
``client`` was made by ``openfeature.api.get_client()``.

What each SDK looks like is data (``rules/data/flag-sdks.toml``); in-house
evaluators come from ``[tool.resilint.flags] evaluators``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import libcst as cst

from resilint.config import _toml
from resilint.config.settings import Config
from resilint.config.standards import builtin_rules_dir
from resilint.engine.literals import is_none, string_value
from resilint.engine.names import NameResolver
from resilint.errors import ConfigError

Fallback = Literal["required", "optional", "none"]
_FALLBACKS = ("required", "optional", "none")
_MAX_DEPTH = 8  # name -> name -> literal chains followed when resolving a key


@dataclass(frozen=True)
class ArgSpot:
    """Where an argument is passed: a keyword and/or a 0-based position."""

    position: int | None = None
    keyword: str | None = None
    literal_position: int | None = None  # a positional *literal* here also counts (in-house defaults)


@dataclass(frozen=True)
class MethodSpec:
    """One evaluation method or function of an SDK (or an in-house evaluator)."""

    sdk: str
    key: ArgSpot
    default: ArgSpot | None
    fallback: Fallback
    none_is_missing: bool = False
    type: str | None = None
    negation_prefix: str | None = None


@dataclass(frozen=True)
class FlagEvaluation:
    """A call that evaluates a feature flag."""

    sdk: str  # "openfeature", "launchdarkly", "unleash", "django-waffle", or "custom"
    method: str  # the method ("get_boolean_value") or qualified function ("waffle.flag_is_active")
    call: cst.Call
    key: cst.BaseExpression | None  # the key argument as written, None when not passed explicitly
    default: cst.BaseExpression | None  # the default/fallback argument, None when absent
    fallback: Fallback = "none"  # whether the API takes a default (see flag-sdks.toml)
    default_keyword: str | None = None  # the keyword that carries the default, for messages
    value_type: str | None = None  # typed getters: "boolean", "string", "integer", "float", "object"
    negation_prefix: str | None = None  # "!" for waffle decorators
    default_hidden: bool = False  # *args / **kwargs may carry the default
    none_given: bool = False  # an explicit None was passed where none-is-missing says it is no fallback

    @property
    def missing_fallback(self) -> bool:
        """An optional fallback that is not given (and cannot be hidden in ``*``/``**``), or
        an explicit ``None`` where the SDK's data says None is no fallback (a required
        default passed as None: LaunchDarkly then returns None when it cannot evaluate)."""
        if self.none_given:
            return True
        return self.fallback == "optional" and self.default is None and not self.default_hidden


@dataclass(frozen=True)
class FlagKey:
    """What a key expression stands for, statically.

    ``literal``: a string literal or a constant bound to one (``value`` is set);
    ``external``: a name imported from another module (a constant we cannot read);
    ``dynamic``: anything computed (f-string, concatenation, parameter, attribute, call).
    """

    kind: Literal["literal", "external", "dynamic"]
    value: str | None = None
    negated: bool = False


# -- the catalogue of evaluations --------------------------------------------------


@dataclass(frozen=True)
class _Catalog:
    methods: Mapping[str, tuple[tuple[frozenset[str], MethodSpec], ...]]  # method name -> (receivers, spec)
    functions: Mapping[str, MethodSpec]  # qualified name -> spec (SDK functions, in-house evaluators)
    last_names: frozenset[str]  # cheap prefilter: the last dotted segment of everything above


@dataclass(frozen=True)
class SpecEntry:
    """One method or function table of an SDK: the names it covers and how it is called."""

    names: tuple[str, ...]
    spec: MethodSpec


@dataclass(frozen=True)
class SdkTable:
    """One ``[[sdks]]`` entry of ``rules/data/flag-sdks.toml``."""

    name: str
    receivers: tuple[str, ...]  # qualified names of the client classes/constructors
    methods: tuple[SpecEntry, ...]  # called on a receiver
    functions: tuple[SpecEntry, ...]  # module-level functions


def sdk_data_file() -> Path:
    return builtin_rules_dir() / "data" / "flag-sdks.toml"


@lru_cache(maxsize=4)
def _sdk_tables(path: Path) -> tuple[SdkTable, ...]:
    """The SDKs in the data file."""
    try:
        data = _toml.loads_builtin(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read the flag SDK data: {exc}") from exc
    out = []
    for i, sdk in enumerate(data.get("sdks", [])):
        name = sdk.get("name")
        if not isinstance(name, str):
            raise ConfigError(path, f"sdks[{i}].name", "expected a string")
        receivers = tuple(sdk.get("receivers", ()))
        methods = tuple(_spec_entry(path, f"sdks[{i}].methods[{j}]", name, m) for j, m in enumerate(sdk.get("methods", [])))
        functions = tuple(
            _spec_entry(path, f"sdks[{i}].functions[{j}]", name, f) for j, f in enumerate(sdk.get("functions", []))
        )
        out.append(SdkTable(name, receivers, methods, functions))
    return tuple(out)


def _spec_entry(path: Path, where: str, sdk: str, table: Mapping[str, Any]) -> SpecEntry:
    names = table.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(path, f"{where}.names", "expected a non-empty array of strings")
    fallback = table.get("fallback", "none")
    if fallback not in _FALLBACKS:
        raise ConfigError(path, f"{where}.fallback", f"expected one of {', '.join(_FALLBACKS)}")
    key = table.get("key")
    default = table.get("default")
    if not isinstance(key, dict):
        raise ConfigError(path, f"{where}.key", "expected a table {position, keyword}")
    spec = MethodSpec(
        sdk=sdk,
        key=ArgSpot(key.get("position"), key.get("keyword")),
        default=ArgSpot(default.get("position"), default.get("keyword")) if isinstance(default, dict) else None,
        fallback=fallback,
        none_is_missing=bool(table.get("none-is-missing", False)),
        type=table.get("type"),
        negation_prefix=table.get("negation-prefix"),
    )
    return SpecEntry(tuple(names), spec)


def evaluator_spec(evaluator: str | Mapping[str, Any]) -> tuple[str, MethodSpec]:
    """An in-house evaluator from config: a dotted name (key = first argument, no
    default expected) or ``{call, key, default}`` (positional index or keyword name)."""
    if isinstance(evaluator, str):
        return evaluator, MethodSpec("custom", ArgSpot(0, None), None, "none")
    call = str(evaluator["call"])
    key = evaluator.get("key", 0)
    # A key given by keyword is still usually passed first, positionally.
    key_spot = ArgSpot(key, None) if isinstance(key, int) else ArgSpot(0, str(key))
    default = evaluator.get("default")
    if default is None:
        return call, MethodSpec("custom", key_spot, None, "none")
    if isinstance(default, int):
        default_spot = ArgSpot(default, None)
    else:
        # Passed by keyword; a literal right after the key is the same default passed positionally.
        after_key = key_spot.position + 1 if key_spot.position is not None else None
        default_spot = ArgSpot(None, str(default), literal_position=after_key)
    return call, MethodSpec("custom", key_spot, default_spot, "optional")


@lru_cache(maxsize=16)
def _catalog(config: Config) -> _Catalog:
    methods: dict[str, list[tuple[frozenset[str], MethodSpec]]] = {}
    functions: dict[str, MethodSpec] = {}
    for sdk in _sdk_tables(sdk_data_file()):
        for entry in sdk.methods:
            for name in entry.names:
                methods.setdefault(name, []).append((frozenset(sdk.receivers), entry.spec))
        for entry in sdk.functions:
            for name in entry.names:
                functions[name] = entry.spec
    for evaluator in config.flags.evaluators:
        qualname, spec = evaluator_spec(evaluator)
        functions[qualname] = spec
    last = {n.rsplit(".", 1)[-1] for n in functions} | set(methods)
    return _Catalog({k: tuple(v) for k, v in methods.items()}, functions, frozenset(last))


def sdk_modules(config: Config) -> frozenset[str]:
    """Top-level modules that must be imported for any evaluation to be recognised."""
    tops = set()
    for sdk in _sdk_tables(sdk_data_file()):
        tops |= {r.split(".", 1)[0] for r in sdk.receivers}
        tops |= {n.split(".", 1)[0] for entry in sdk.functions for n in entry.names}
    tops |= {evaluator_spec(e)[0].split(".", 1)[0] for e in config.flags.evaluators}
    return frozenset(tops)


# -- recognition -------------------------------------------------------------------


def recognize(call: cst.Call, names: NameResolver, config: Config) -> FlagEvaluation | None:
    """The flag evaluation ``call`` performs, or None.

    Call it during the traversal (``names`` must be positioned at ``call``).
    """
    func = call.func
    if isinstance(func, cst.Attribute):
        last = func.attr.value
    elif isinstance(func, cst.Name):
        last = func.value
    else:
        return None
    catalog = _catalog(config)
    if last not in catalog.last_names:
        return None  # the common case: not a flag call at all
    qualname = names.call_name(call)
    if qualname is not None and qualname in catalog.functions:
        return _evaluation(call, catalog.functions[qualname], qualname)
    if not isinstance(func, cst.Attribute):
        return None
    receiver = receiver_type(func.value, names)
    if receiver is None:
        return None
    for receivers, spec in catalog.methods.get(last, ()):
        if receiver in receivers:
            return _evaluation(call, spec, last)
    # An in-house evaluator that is a method of an object the project builds itself.
    method = f"{receiver}.{last}"
    if method in catalog.functions:
        return _evaluation(call, catalog.functions[method], method)
    return None


def receiver_type(node: cst.BaseExpression, names: NameResolver, _depth: int = 0) -> str | None:
    """The qualified name of what made the object ``node`` (``"openfeature.api.get_client"``)
    or of its declared type (``"ldclient.client.LDClient"``): traced through assignments and
    ``self.<attr>`` (:meth:`NameResolver.constructor`), parameter and variable annotations,
    and module-level factory functions (``def flags(): return api.get_client()``)."""
    made = names.constructor(node)
    if made is not None:
        return made.qualname
    if _depth > _MAX_DEPTH:
        return None
    if isinstance(node, cst.Name):
        binding = names.lookup(node.value)
        if binding is None or binding.qualname is not None:
            return None
        if binding.annotation is not None:
            return names.annotated_type(binding.annotation)
        return receiver_type(binding.value, names, _depth + 1) if binding.value is not None else None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return _factory_type(node.func.value, names, _depth)
    if isinstance(node, (cst.BooleanOperation, cst.IfExp)):
        # client or api.get_client(), x if c else y: the alternatives that resolve must agree
        options = (node.left, node.right) if isinstance(node, cst.BooleanOperation) else (node.body, node.orelse)
        found = {receiver_type(o, names, _depth + 1) for o in options} - {None}
        return found.pop() if len(found) == 1 else None
    if isinstance(node, cst.Attribute):
        found = {receiver_type(v, names, _depth + 1) for v in names.self_attribute_values(node) if not is_none(v)}
        return found.pop() if len(found) == 1 else None
    return None


def _factory_type(name: str, names: NameResolver, depth: int) -> str | None:
    """What a module-level function returns: its return annotation, or the object
    every ``return`` builds (only names visible at module level resolve in it)."""
    if names.lookup(name) is not names.module_scope.bindings.get(name):
        return None  # shadowed here
    for statement in _module_body(names):
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            if statement.returns is not None:
                return names.annotated_type(statement.returns.annotation)
            returned = list(_returns(statement.body))
            found = {receiver_type(v, names, depth + 1) for v in returned}
            return found.pop() if len(found) == 1 else None
    return None


def _returns(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """The values of ``return`` statements in a function body (not in nested functions)."""
    for child in node.children:
        if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(child, cst.Return) and child.value is not None:
            yield child.value
        elif not isinstance(child, cst.BaseExpression):
            yield from _returns(child)


def _evaluation(call: cst.Call, spec: MethodSpec, method: str) -> FlagEvaluation:
    default = _argument(call, spec.default) if spec.default is not None else None
    none_given = False
    if default is not None and spec.none_is_missing and is_none(default):
        default, none_given = None, True
    hidden = spec.default is not None and default is None and _maybe_hidden(call, spec.default)
    return FlagEvaluation(
        sdk=spec.sdk,
        method=method,
        call=call,
        key=_argument(call, spec.key),
        default=default,
        fallback=spec.fallback,
        default_keyword=spec.default.keyword if spec.default is not None else None,
        value_type=spec.type,
        negation_prefix=spec.negation_prefix,
        default_hidden=hidden,
        none_given=none_given,
    )


def _argument(call: cst.Call, spot: ArgSpot) -> cst.BaseExpression | None:
    # Imported here: resilint.checks imports every check kind, and the flag kinds import us.
    from resilint.checks.common.arguments import positional_arg

    if spot.keyword is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == spot.keyword:
                return arg.value
    if spot.position is not None:
        found = positional_arg(call, spot.position)
        if found is not None:
            return found.value
    if spot.literal_position is not None:
        found = positional_arg(call, spot.literal_position)
        if found is not None and literal_type(found.value) is not None:
            return found.value
    return None


def _maybe_hidden(call: cst.Call, spot: ArgSpot) -> bool:
    from resilint.checks.common.arguments import has_star_kwargs, star_args_before

    if has_star_kwargs(call):
        return True
    position = spot.position if spot.position is not None else spot.literal_position
    return position is not None and star_args_before(call, position)



# -- keys and literals -------------------------------------------------------------


def literal_type(node: cst.BaseExpression) -> str | None:
    """The Python type name of a literal (``"bool"``, ``"str"``, ``"int"``, ``"float"``,
    ``"dict"``, ``"list"``, ``"tuple"``, ``"set"``, ``"bytes"``, ``"complex"``, ``"None"``),
    or None when the expression is not a literal."""
    if isinstance(node, cst.Name):
        return {"True": "bool", "False": "bool", "None": "None"}.get(node.value)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return "str" if isinstance(value, str) else "bytes" if isinstance(value, bytes) else None
    if isinstance(node, cst.FormattedString):
        return "str"
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.Imaginary):
        return "complex"
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = literal_type(node.expression)
        return inner if inner in ("int", "float", "complex") else None
    if isinstance(node, cst.Dict):
        return "dict"
    if isinstance(node, cst.List):
        return "list"
    if isinstance(node, cst.Tuple):
        return "tuple"
    if isinstance(node, cst.Set):
        return "set"
    return None


def static_key(evaluation: FlagEvaluation, names: NameResolver) -> FlagKey | None:
    """What the key of ``evaluation`` is, statically (None when no key was passed)."""
    if evaluation.key is None:
        return None
    key = resolve_string(evaluation.key, names)
    prefix = evaluation.negation_prefix
    if key.kind == "literal" and key.value is not None and prefix and key.value.startswith(prefix):
        return FlagKey("literal", key.value[len(prefix) :], negated=True)
    return key


def resolve_string(node: cst.BaseExpression, names: NameResolver, _depth: int = 0) -> FlagKey:
    """A string literal, or a constant bound to one: a module-level (or local) name
    assigned a literal, a literal class attribute of a module-level class
    (``Flags.CHECKOUT``, also ``.value`` of an Enum member). Imported names are
    ``external``; everything else is ``dynamic``."""
    value = string_value(node)
    if value is not None:
        return FlagKey("literal", value)
    if _depth > _MAX_DEPTH:
        return FlagKey("dynamic")
    if isinstance(node, cst.Name):
        binding = names.lookup(node.value)
        if binding is None:
            # Not bound yet in visiting order: a module constant defined further
            # down, or a star import; never a parameter or a local.
            assigned = _module_assignment(names, node.value)
            if assigned is not None:
                return resolve_string(assigned, names, _depth + 1)
            return FlagKey("external")
        if binding.qualname is not None:
            return FlagKey("external")
        if binding.value is not None:
            return resolve_string(binding.value, names, _depth + 1)
        return FlagKey("dynamic")
    if isinstance(node, cst.Attribute):
        if names.qualified_name(node) is not None:
            return FlagKey("external")  # settings.FLAG / flags_module.NEW_CHECKOUT
        target = node
        if node.attr.value == "value" and isinstance(node.value, cst.Attribute):
            target = node.value  # Flags.CHECKOUT.value (an Enum member)
        if isinstance(target.value, cst.Name):
            assigned = _class_constant(names, target.value.value, target.attr.value)
            if assigned is not None:
                return resolve_string(assigned, names, _depth + 1)
    return FlagKey("dynamic")


def _module_body(names: NameResolver) -> Sequence[cst.CSTNode]:
    module = names.module_scope.node
    return module.body if isinstance(module, cst.Module) else ()


def _module_assignment(names: NameResolver, name: str) -> cst.BaseExpression | None:
    for target, value in _assignments(_module_body(names)):
        if target == name:
            return value
    return None


def _class_constant(names: NameResolver, cls: str, attr: str) -> cst.BaseExpression | None:
    """``attr = <value>`` in the body of the module-level class ``cls`` (not shadowed here)."""
    if names.lookup(cls) is not names.module_scope.bindings.get(cls):
        return None
    for statement in _module_body(names):
        if isinstance(statement, cst.ClassDef) and statement.name.value == cls:
            if isinstance(statement.body, cst.IndentedBlock):
                for target, value in _assignments(statement.body.body):
                    if target == attr:
                        return value
    return None


def _assignments(body: Sequence[cst.CSTNode]) -> Iterator[tuple[str, cst.BaseExpression]]:
    """``NAME = value`` / ``NAME: T = value`` statements directly in ``body``."""
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Name):
                    yield target.value, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
                yield small.target.value, small.value
