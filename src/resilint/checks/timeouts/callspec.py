"""Call specifications: which calls a standard covers and where their timeout goes.

A *call spec* is one table of a standard's ``calls`` array (or the flat
``targets``/``keywords``/``position`` keys of a simple standard). Targets are
qualified names: ``requests.get`` is a call to the imported function, and
``requests.Session.get`` is also ``get`` on an object built by
``requests.Session(...)`` (a temporary, a name, a ``with`` target or
``self.<attr>``; see :meth:`resilint.engine.names.NameResolver.constructor`). Chains
follow factories: ``concurrent.futures.ThreadPoolExecutor.submit.result`` is
``result()`` on what ``executor.submit()`` returned. In a target ``**``
matches any text and ``*`` any text within one segment (``**Stub.*``: any
method of an object whose constructor name ends in ``Stub``). ``aliases`` map other spellings to one canonical prefix
(``requests.sessions.Session`` -> ``requests.Session``).

Library facts (which argument holds the timeout, what the default is, since
which version it is finite) live in the TOML, not here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import libcst as cst

from resilint.checks.common.arguments import (
    import_triggers,
    keyword_arg,
    positional_arg,
    star_args_before,
)
from resilint.engine.literals import is_none, string_literal
from resilint.engine.names import Constructed, NameResolver
from resilint.engine.prefilter import FILE_PREFIX, Trigger
from resilint.engine.walk import children
from resilint.errors import ConfigError

_MAX_LOOK_THROUGH = 6  # name -> value hops when looking through a variable


@dataclass(frozen=True)
class Configured:
    """How an object is configured after construction so that it may supply the
    timeout itself: ``session.mount(prefix, TimeoutAdapter())`` (a call of one of
    ``methods`` whose argument is not one of the ``unless`` constructors) or
    ``session.request = functools.partial(...)`` (an assignment to ``attributes``)."""

    methods: frozenset[str]
    attributes: frozenset[str]
    unless: frozenset[str]


@dataclass(frozen=True)
class ConfigObject:
    """The timeout may be passed inside a configuration object built by one of
    ``constructors`` (``botocore.config.Config``), which must then set every one
    of ``required`` (``connect_timeout``, ``read_timeout``)."""

    constructors: frozenset[str]
    required: tuple[str, ...]


@dataclass(frozen=True)
class CallSpec:
    targets: frozenset[str]
    patterns: re.Pattern[str] | None  # targets with "*"
    methods: frozenset[str]  # method names matched on any receiver (settimeout)
    keywords: tuple[str, ...]
    position: int | None
    default: str = ""
    object_keywords: tuple[str, ...] = ()
    object_position: int | None = None
    when_argument: tuple[int | str, ...] = ()
    nonblocking: tuple[str | None, int | None] | None = None
    dsn: tuple[tuple[str, ...], int | None] | None = None
    config: ConfigObject | None = None
    version: tuple[str, tuple[int, ...], str] | None = None  # distribution, finite since, as written
    global_default: frozenset[str] = frozenset()
    configured_by: Configured | None = None
    other_bounds: tuple[str, ...] = ()
    # The call does not block when one of these keywords is given anything but a
    # literal False/0/None (psycopg2.connect(..., async_=True)).
    nonblocking_keywords: tuple[str, ...] = ()
    # Also covers any method (and .future/.with_call) of an object whose constructor's
    # first argument (or ``channel=``) was built by one of these (a gRPC channel).
    built_with: frozenset[str] = frozenset()
    # Commands that are local and quick: "free", "git log" (program, optional subcommand).
    local_commands: tuple[tuple[str, str | None], ...] = ()
    command_position: int | None = None  # where the command is (args=, position 0)
    # Only when this argument is visibly a URL (feedparser.parse fetches URLs, parses text).
    fetches: tuple[tuple[str, ...], int | None] | None = None
    longer_than: float | None = None  # timeout-disabled: a literal timeout above this is reported too
    unless_after: frozenset[str] = frozenset()  # not when the line before calls one of these on the receiver
    local_hosts: tuple[str, ...] = ()  # not when the visible host / connection string names one of these
    opt_in: bool = False  # reported only when the standard's code is selected by name
    wildcards: tuple[str, ...] = ()  # the targets with "*", as written (prefilter triggers)

    @property
    def any_method(self) -> bool:
        """Whether the spec covers methods whose names it does not list (built-with)."""
        return bool(self.built_with)

    @property
    def last_names(self) -> frozenset[str]:
        """Final segments of the exact targets and methods (a cheap index key)."""
        return frozenset({t.rsplit(".", 1)[-1] for t in self.targets} | self.methods)


@dataclass(frozen=True)
class SpecSet:
    specs: tuple[CallSpec, ...]
    aliases: Mapping[str, str]
    by_last: Mapping[str, tuple[CallSpec, ...]]
    wildcard: tuple[CallSpec, ...]  # specs with patterns: tried on every call

    def candidates(self, call: cst.Call, names: NameResolver) -> tuple[CallSpec, ...]:
        """Specs that may cover this call, by the final segment of its name (a method
        name as written; for a bare name, the imported name it stands for)."""
        func = call.func
        if isinstance(func, cst.Attribute):
            found = self.by_last.get(func.attr.value, ())
            qualname = names.qualified_name(func)
            if qualname is not None:  # redis.StrictRedis(...) is redis.Redis(...)
                last = canonical(qualname, self.aliases).rsplit(".", 1)[-1]
                if last != func.attr.value:
                    found = found + tuple(s for s in self.by_last.get(last, ()) if s not in found)
            return found + self.wildcard if self.wildcard else found
        if isinstance(func, cst.Name):
            qualname = names.qualified_name(func)
            if qualname is not None:
                return self.by_last.get(canonical(qualname, self.aliases).rsplit(".", 1)[-1], ())
        return ()

    def modules(self) -> set[Trigger]:
        """Prefilter triggers: the imports any target needs (see prefilter.py), the
        words of name patterns and receiver-less method names."""
        words: set[Trigger] = set(import_triggers([t for s in self.specs for t in s.targets]))
        words |= import_triggers(self.aliases)
        spelled_by_aliases = " ".join((*self.aliases, *self.aliases.values()))
        for spec in self.specs:
            for target in spec.wildcards:
                words |= _wildcard_triggers(target, spelled_by_aliases)
            words |= spec.methods
            words |= import_triggers(spec.built_with)
        return {w for w in words if w}


def _wildcard_triggers(target: str, spelled_by_aliases: str) -> set[Trigger]:
    """A name pattern's words (``**_pb2_grpc.*Stub.*.future``: _pb2_grpc, Stub, future).
    A qualified name is spelled from the file's own imports and names, so a file that
    calls such a target holds every word: each word is a trigger (a definition holding
    it is kept by slicing), on condition that the file holds all the others too
    (``file:``). Without that, ``future`` alone made every ``from __future__ import``
    file a candidate. A word an alias could supply instead is a plain trigger."""
    words = sorted({w for w in re.split(r"\W+", target) if w.isidentifier()})
    if len(words) < 2 or any(w in spelled_by_aliases for w in words):
        return set(words)
    return {(*(FILE_PREFIX + other for other in words if other != word), word) for word in words}


# -- parsing and validation ----------------------------------------------------------

_SPEC_KEYS = {
    "targets", "methods", "keywords", "keyword", "position", "default", "object-keywords",
    "object-position", "when-argument", "nonblocking", "dsn", "config", "version",
    "global-default", "configured-by", "other-bounds", "nonblocking-keywords", "built-with",
    "local-commands", "fetches", "longer-than", "unless-after", "local-hosts", "opt-in",
}  # fmt: skip


def parse_specs(tables: Iterable[Mapping[str, Any]], aliases: Mapping[str, Any], origin: str, where: str) -> SpecSet:
    """Validate and parse call specs; errors name the standard, the key and the expectation."""
    if not all(isinstance(v, str) for v in aliases.values()):
        raise ConfigError(origin, f"{where}.aliases", "expected a table of strings")
    specs = tuple(_parse_spec(t, origin, f"{where}.calls[{i}]") for i, t in enumerate(tables))
    by_last: dict[str, list[CallSpec]] = {}
    for spec in specs:
        for last in spec.last_names:
            by_last.setdefault(last, []).append(spec)
    return SpecSet(
        specs,
        dict(aliases),
        {k: tuple(v) for k, v in by_last.items()},
        tuple(s for s in specs if s.patterns is not None or s.any_method),
    )


def _parse_spec(table: Mapping[str, Any], origin: str, where: str) -> CallSpec:
    if not isinstance(table, Mapping):
        raise ConfigError(origin, where, "expected a table")
    unknown = sorted(set(table) - _SPEC_KEYS)
    if unknown:
        raise ConfigError(origin, f"{where}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(_SPEC_KEYS))})")

    def strings(key: str, value: Any = None) -> tuple[str, ...]:
        value = table.get(key, ()) if value is None else value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(origin, f"{where}.{key}", "expected an array of strings")
        return tuple(value)

    def index(key: str, value: Any = None) -> int | None:
        value = table.get(key) if value is None else value
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ConfigError(origin, f"{where}.{key}", "expected a non-negative integer (0-based position)")
        return value

    def subtable(key: str, allowed: set[str]) -> Mapping[str, Any] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping) or set(value) - allowed:
            raise ConfigError(origin, f"{where}.{key}", f"expected a table with keys {', '.join(sorted(allowed))}")
        return value

    targets = strings("targets")
    methods = strings("methods")
    if not targets and not methods:
        raise ConfigError(origin, f"{where}.targets", "expected at least one target or method")
    exact = frozenset(t for t in targets if "*" not in t)
    wild = [t for t in targets if "*" in t]
    patterns = re.compile("|".join(_wildcard(w) for w in wild)) if wild else None
    keywords = strings("keywords") + strings("keyword")
    when = table.get("when-argument", [])
    if not isinstance(when, list) or not all(isinstance(w, (int, str)) and not isinstance(w, bool) for w in when):
        raise ConfigError(origin, f"{where}.when-argument", "expected an array of positions and keyword names")
    nonblocking = subtable("nonblocking", {"keyword", "position"})
    dsn = subtable("dsn", {"keywords", "position"})
    config = subtable("config", {"constructors", "required"})
    version = subtable("version", {"distribution", "finite-since"})
    configured = subtable("configured-by", {"methods", "attributes", "unless"})
    fetches = subtable("fetches", {"keywords", "position"})
    longer_than = table.get("longer-than")
    if longer_than is not None and (not isinstance(longer_than, (int, float)) or isinstance(longer_than, bool)):
        raise ConfigError(origin, f"{where}.longer-than", "expected a number of seconds")
    local: list[tuple[str, str | None]] = []
    for command in strings("local-commands"):
        words = command.split()
        if not 1 <= len(words) <= 2:
            raise ConfigError(origin, f"{where}.local-commands", "expected 'program' or 'program subcommand'")
        local.append((words[0], words[1] if len(words) == 2 else None))
    if version is not None and not (
        isinstance(version.get("distribution"), str) and isinstance(version.get("finite-since"), str)
    ):
        raise ConfigError(origin, f"{where}.version", "expected distribution and finite-since strings")
    return CallSpec(
        targets=exact,
        wildcards=tuple(wild),
        patterns=patterns,
        methods=frozenset(methods),
        keywords=keywords,
        position=index("position"),
        default=str(table.get("default", "")),
        object_keywords=strings("object-keywords"),
        object_position=index("object-position"),
        when_argument=tuple(when),
        nonblocking=(nonblocking.get("keyword"), index("nonblocking.position", nonblocking.get("position")))
        if nonblocking
        else None,
        dsn=(strings("dsn.keywords", dsn.get("keywords", [])), index("dsn.position", dsn.get("position")))
        if dsn
        else None,
        config=ConfigObject(
            frozenset(strings("config.constructors", config.get("constructors", []))),
            strings("config.required", config.get("required", [])),
        )
        if config
        else None,
        version=(version["distribution"], parse_version(version["finite-since"]), version["finite-since"])
        if version
        else None,
        global_default=frozenset(strings("global-default")),
        configured_by=Configured(
            frozenset(strings("configured-by.methods", configured.get("methods", []))),
            frozenset(strings("configured-by.attributes", configured.get("attributes", []))),
            frozenset(strings("configured-by.unless", configured.get("unless", []))),
        )
        if configured
        else None,
        other_bounds=strings("other-bounds"),
        nonblocking_keywords=strings("nonblocking-keywords"),
        built_with=frozenset(strings("built-with")),
        local_commands=tuple(local),
        command_position=0 if local else None,
        fetches=(strings("fetches.keywords", fetches.get("keywords", [])), index("fetches.position", fetches.get("position")))
        if fetches
        else None,
        longer_than=float(longer_than) if longer_than is not None else None,
        unless_after=frozenset(strings("unless-after")),
        local_hosts=strings("local-hosts"),
        opt_in=_flag(table, "opt-in", origin, where),
    )


def _flag(table: Mapping[str, Any], key: str, origin: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(origin, f"{where}.{key}", "expected true or false")
    return value


def _wildcard(target: str) -> str:
    """``**`` matches any text, ``*`` any text within one dotted segment."""
    return ".*".join("[^.]*".join(map(re.escape, part.split("*"))) for part in target.split("**"))


# -- which calls -----------------------------------------------------------------------


def canonical(name: str, aliases: Mapping[str, str]) -> str:
    """Replace the longest aliased dotted prefix of ``name``."""
    if not aliases:
        return name
    end = len(name)
    while end > 0:
        prefix = name[:end]
        if prefix in aliases:
            return aliases[prefix] + name[end:]
        end = name.rfind(".", 0, end)
    return name


# The receiver's type is declared (an annotation), not constructed in sight: what it
# was built with is unknown.
@cache
def declared_receiver() -> Constructed:
    """The one stand-in for such receivers (compared by identity; made on first
    use because libcst loads lazily)."""
    return Constructed("<declared>", cst.Call(func=cst.Name("declared")))


def callee_names(names: NameResolver, call: cst.Call) -> list[tuple[str, Constructed | None]]:
    """How a call can be named: the imported function it invokes, and/or the method
    path from the nearest object whose constructor is visible (``s.get`` ->
    ``requests.Session.get``; ``stub.Say.future`` -> ``pkg.GreeterStub.Say.future``)
    or whose type is declared (``http: requests.Session``; paired with ``declared_receiver()``).
    An object of a local subclass stands for its imported base for the methods the
    subclass does not define itself (``class Writer(Thread)``, then ``w.join()``)."""
    found: list[tuple[str, Constructed | None]] = []
    direct = names.call_name(call)
    if direct is not None:
        found.append((direct, None))
    node: cst.BaseExpression = call.func
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.insert(0, node.attr.value)
        node = node.value
        if isinstance(node, cst.Name) and names.qualified_name(node) is not None:
            break  # an imported module or class: already covered by the direct name
        built = names.constructor(node, subclasses=True)
        if built is not None:
            if built.through is None or parts[0] not in defined_methods(built.through):
                found.append((f"{built.qualname}.{'.'.join(parts)}", built))
            break
        declared = names.declared_type(node)
        if declared is not None:
            found.append((f"{declared}.{'.'.join(parts)}", declared_receiver()))
            break
    return found


def defined_methods(cls: cst.ClassDef) -> frozenset[str]:
    """The names of the functions a class body defines."""
    if not isinstance(cls.body, cst.IndentedBlock):
        return frozenset()
    return frozenset(s.name.value for s in cls.body.body if isinstance(s, cst.FunctionDef))


def mentions(node: cst.CSTNode, words: Iterable[str]) -> bool:
    """Whether any name, attribute, parameter, keyword or string in ``node`` is one of
    ``words`` (``kwargs["timeout"] = 5``, ``kwargs.setdefault("timeout", ...)``)."""
    wanted = set(words)
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value in wanted:
            return True
        if isinstance(current, cst.SimpleString) and string_literal(current) in wanted:
            return True
        stack.extend(children(current))  # the engine's walk: no whitespace or punctuation nodes
    return False


def written_callee(module: cst.Module, func: cst.BaseExpression) -> str:
    """How the called function is written, with inner calls' arguments elided:
    ``subprocess.Popen(...).communicate`` rather than the whole argument list."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return f"{written_callee(module, func.value)}.{func.attr.value}"
    if isinstance(func, cst.Call):
        return f"{written_callee(module, func.func)}(...)"
    text = " ".join(module.code_for_node(func).split())
    return text if len(text) <= 30 else text[:29] + "…"


def matches(spec: CallSpec, name: str) -> bool:
    return name in spec.targets or (spec.patterns is not None and spec.patterns.fullmatch(name) is not None)


# -- arguments -------------------------------------------------------------------------


def argument(call: cst.Call, keywords: Sequence[str], position: int | None) -> cst.Arg | None:
    return keyword_arg(call, keywords) or positional_arg(call, position)


def has_argument(call: cst.Call, which: Iterable[int | str]) -> bool:
    for item in which:
        if isinstance(item, int) and (positional_arg(call, item) is not None or star_args_before(call, item)):
            return True
        if isinstance(item, str) and keyword_arg(call, (item,)) is not None:
            return True
    return any(arg.star == "**" for arg in call.args) and any(isinstance(i, str) for i in which)


def is_false(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Name) and node.value == "False") or (
        isinstance(node, cst.Integer) and node.value == "0"
    )


def is_nonblocking(call: cst.Call, spec: CallSpec) -> bool:
    """``q.get(False)``, ``q.get(block=False)``, ``lock.acquire(blocking=False)``: not waits."""
    if spec.nonblocking is None:
        return False
    keyword, position = spec.nonblocking
    arg = argument(call, (keyword,) if keyword else (), position)
    return arg is not None and is_false(arg.value)


def look_through(names: NameResolver, node: cst.BaseExpression) -> cst.BaseExpression:
    """A name's visible value (``CONFIG = Config(...)`` -> the call), else the node itself."""
    for _ in range(_MAX_LOOK_THROUGH):
        if not isinstance(node, cst.Name):
            return node
        binding = names.lookup(node.value)
        if binding is None or binding.value is None:
            return node
        node = binding.value
    return node


def local_constant(
    names: NameResolver, node: cst.BaseExpression, function: cst.FunctionDef | None = None
) -> cst.BaseExpression:
    """What a local name stands for when the enclosing function assigns it exactly once,
    a literal (``timeout = None`` then ``conn.connect(host, port, timeout)``); otherwise
    the node itself. Parameters, globals and names assigned twice are not followed."""
    if not isinstance(node, cst.Name):
        return node
    scope = names.binding_scope(node.value)
    binding = names.lookup(node.value)
    if scope is None or scope.kind != "function" or binding is None or binding.value is None:
        return node
    value = binding.value
    if not (is_none(value) or isinstance(value, (cst.Integer, cst.Float))):
        return node
    if function is None or function.body is not scope.node or _assignments(scope.node, node.value) != 1:
        return node
    params = function.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg)
    if any(isinstance(p, cst.Param) and p.name.value == node.value for p in every):
        return node
    return value


def _assignments(body: cst.CSTNode | None, name: str) -> int:
    """How many times a function body binds ``name`` (any binding form; a global or
    nonlocal declaration, here or in a nested function, counts as many)."""
    if body is None:
        return 0
    cached = _BINDINGS.get(id(body))
    if cached is None or cached[0] is not body:  # the node is kept: its id cannot be reused meanwhile
        if len(_BINDINGS) >= _BINDINGS_KEPT:
            _BINDINGS.clear()
        cached = _BINDINGS[id(body)] = (body, _binding_counts(body))
    return cached[1].get(name, 0)


# One walk per function body, shared by every call in it (REL102 asks per call; was a
# walk per call: quadratic in the function's length). libcst nodes take no weak
# references, so the cache is keyed by id, holds its nodes, and is bounded.
_BINDINGS: dict[int, tuple[cst.CSTNode, dict[str, int]]] = {}
_BINDINGS_KEPT = 256
_MANY = 2


def _binding_counts(body: cst.CSTNode) -> dict[str, int]:
    counts: dict[str, int] = {}

    def bind(name: str, times: int = 1) -> None:
        counts[name] = counts.get(name, 0) + times

    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                bind(node.name.value)
            for name in _rebound_from_inside(node):  # nonlocal x; x = ... in a nested function
                bind(name, _MANY)
            continue  # their bodies bind their own names
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                bind(item.name.value, _MANY)
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr, cst.Del)):
            targets = [node.target]
        elif isinstance(node, cst.AsName):
            targets = [node.name]
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
            targets = [node.name]  # case {"t": timeout}: / case [*rest]:
        elif isinstance(node, cst.MatchMapping) and node.rest is not None:
            targets = [node.rest]
        while targets:
            target = targets.pop()
            if isinstance(target, cst.Name):
                bind(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)):
                targets.extend(e.value for e in target.elements)
            elif isinstance(target, cst.StarredElement):
                targets.append(target.value)
        stack.extend(children(node))
    return counts


def _rebound_from_inside(definition: cst.CSTNode) -> set[str]:
    """Names a nested function declares ``nonlocal`` (at any depth): it may rebind them."""
    found: set[str] = set()
    stack = list(children(definition))
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Nonlocal):
            found.update(item.name.value for item in node.names)
        stack.extend(children(node))
    return found


def string_text(node: cst.BaseExpression) -> str | None:
    """The literal text of a string expression (f-string: its literal parts), or None."""
    if isinstance(node, cst.SimpleString):
        return string_literal(node)
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_text(node.left), string_text(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    if isinstance(node, cst.FormattedString):
        return "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = string_text(node.left), string_text(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def dsn_sets(names: NameResolver, call: cst.Call, spec: CallSpec) -> bool | None:
    """Whether the connection string names one of the timeout keywords: True/False
    when the string is visible, None when there is no visible string."""
    if spec.dsn is None:
        return None
    arg = argument(call, spec.dsn[0], spec.dsn[1])
    if arg is None:
        return None
    text = string_text(look_through(names, arg.value))
    if text is None:
        return None
    wanted = "|".join(re.escape(k) for k in spec.keywords)
    return re.search(rf"(?<![A-Za-z0-9_])(?:{wanted})\s*=", text, re.IGNORECASE) is not None


def star_kwargs_may_carry(
    names: NameResolver, call: cst.Call, keys: Sequence[str], is_mutated: Callable[[str], bool]
) -> bool:
    """Whether a ``**mapping`` may carry one of ``keys``: yes unless the mapping is a
    visible dict literal (or ``dict(...)``) without them that is never mutated."""
    for arg in call.args:
        if arg.star != "**":
            continue
        value = arg.value
        if isinstance(value, cst.Name) and is_mutated(value.value):
            return True
        value = look_through(names, value)
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if not isinstance(element, cst.DictElement):
                    return True  # {**other}
                key = string_text(element.key)
                if key is None or key in keys:
                    return True
            continue
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value == "dict"
            and names.lookup("dict") is None
            and all(a.keyword is not None for a in value.args)
        ):
            if any(a.keyword is not None and a.keyword.value in keys for a in value.args):
                return True
            continue
        return True
    return False


# -- local commands ------------------------------------------------------------------

_SHELL_SEPARATOR = re.compile(r"\|\||&&|[|;&\n]")


def is_local_command(
    names: NameResolver, node: cst.BaseExpression, local: Sequence[tuple[str, str | None]]
) -> bool:
    """Whether a command (an argv list or tuple, or a shell string) runs only listed
    local programs: ``["git", "--no-pager", "log", rev]``, ``[shutil.which("tesseract"),
    "--list-langs"]``, ``"free -m | awk '{print $2}'"``. The program, and the subcommand
    an entry names, must be literals; other arguments may be anything."""
    value = look_through(names, node)
    if isinstance(value, (cst.List, cst.Tuple)):
        words: list[str | None] = []
        for element in value.elements:
            if isinstance(element, cst.StarredElement):
                words.append(None)
                continue
            words.append(string_literal(element.value) if isinstance(element.value, cst.SimpleString) else _which(names, element.value))
        return _local_argv(words, local)
    text = string_literal(value) if isinstance(value, cst.SimpleString) else None
    if text is None or "`" in text or "$(" in text:
        return False
    segments = [s.strip() for s in _SHELL_SEPARATOR.split(text)]
    if not segments or not all(segments):
        return False
    for segment in segments:
        try:
            argv = shlex.split(segment)
        except ValueError:
            return False
        if not _local_argv(list(argv), local):
            return False
    return True


def _which(names: NameResolver, node: cst.BaseExpression) -> str | None:
    """``shutil.which("tesseract")`` -> ``"tesseract"``."""
    if isinstance(node, cst.Call) and names.call_name(node) == "shutil.which" and node.args:
        return string_literal(node.args[0].value) if isinstance(node.args[0].value, cst.SimpleString) else None
    return None


def _local_argv(words: Sequence[str | None], local: Sequence[tuple[str, str | None]]) -> bool:
    if not words or not words[0]:
        return False
    program = words[0].rsplit("/", 1)[-1]
    subcommand: str | None = None
    for word in words[1:]:
        if word is None:
            break  # a value we cannot see before the subcommand
        if not word.startswith("-"):
            subcommand = word
            break
    first = words[1] if len(words) > 1 else None
    return any(
        p == program and (s is None or s == subcommand or (s.startswith("-") and s == first)) for p, s in local
    )


def names_local_host(names: NameResolver, call: cst.Call, spec: CallSpec) -> bool:
    """Whether the connection string or the ``host``/``server`` argument visibly names
    a loopback host (``mongodb://app@127.0.0.1``, ``host="localhost"``)."""
    if not spec.local_hosts:
        return False
    hosts = "|".join(re.escape(h) for h in spec.local_hosts)
    texts = []
    if spec.dsn is not None:
        arg = argument(call, spec.dsn[0], spec.dsn[1])
        if arg is not None:
            texts.append(string_text(look_through(names, arg.value)))
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("host", "server"):
            texts.append(string_text(look_through(names, arg.value)))
    for text in texts:
        if text is None:
            continue
        if re.fullmatch(rf"(?:{hosts})(?::\d+)?", text) or re.search(rf"(?:^|//|@|,)(?:{hosts})(?=[:/?,]|$)", text):
            return True
    return False


# -- versions ----------------------------------------------------------------------------

_CLAUSE = re.compile(r"^\s*(===|==|~=|>=|<=|!=|>|<)\s*([0-9][0-9A-Za-z.*+!-]*)\s*$")


def parse_version(text: str) -> tuple[int, ...]:
    """Leading numeric release segments: ``"8.0.1rc1"`` -> ``(8, 0, 1)``."""
    parts: list[int] = []
    for piece in text.strip().lstrip("v").split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(piece):
            break
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def may_be_older(specifier: str, locked: str | None, since: tuple[int, ...]) -> bool:
    """Whether a dependency declared as ``specifier`` (or locked at ``locked``) may
    resolve to a version older than ``since``. Unknown means yes."""
    if locked:
        return parse_version(locked) < since
    for clause in specifier.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            continue
        op, version = match.groups()
        if op in (">=", "~=", "==", "===", ">") and parse_version(version.rstrip(".*")) >= since:
            return False
    return True
