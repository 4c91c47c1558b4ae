"""Hand libcst only the definitions the triggered rules can look at.

The prefilter (prefilter.py) decides per file; most of a large module that
passes it is still functions and methods that contain none of the triggers
of the rules that will run. Parsing and visiting them is most of the cost of
a check, so the engine blanks them out first: their lines become empty (line
breaks kept), so every line and column of what remains is the file's own and
positions need no mapping.

What may be blanked is a *definition*: a function or class at module level,
or a member of a class body. A class whose body holds definitions keeps its
header and plain statements, and its members are judged one by one.
Everything else is always kept: imports, module- and class-level statements,
``if``/``try`` blocks. A definition is kept when it is *relevant*:

- its text matches the prefilter of the triggered standards (a trigger word,
  an import of a trigger module, an all-of group), or
- it mentions a *relevant name*: the local name of an import of a trigger
  module (``import requests as rq`` -> ``rq``), a name bound by a relevant
  statement (``s = rq.Session()`` -> ``s``), a relevant top-level
  definition, or an attribute assigned a relevant value anywhere
  (``self.session = rq.Session()`` -> ``session``, which keeps every method
  that mentions it, so every value of the attribute stays visible);
- it belongs to a class whose header is relevant (``class S(rq.Session)``):
  whether a subclass overrides anything decides what its instances are.

A definition is also kept, as *context* only (what it binds does not become
relevant), when it is a top-level function or small class that a kept part
names (a rule may follow a call into a module-level factory: flags.py reads
what it returns), or when it mutates a module-level name a kept part uses
(``OPTIONS["timeout"] = 5`` decides whether ``**OPTIONS`` carries one).

The closure is a worklist over an index of which part mentions which
identifier. Names are matched as identifiers in the text, strings and
comments included, which only ever keeps more.

The engine slices only when every triggered rule is :attr:`~resilint.rule.Rule.sliceable`:
its findings in a definition depend on that definition and on what the
module binds, never on another definition's body (a check that a migration
has a ``downgrade`` is not). ``Engine(prefilter=False)`` turns slicing off
with the prefilter; tests prove the findings are the same either way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from resilint.engine.prefilter import Prefilter

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_DROPPED, _CONTEXT, _RELEVANT = 0, 1, 2  # a part's state in the closure
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# Methods of the builtin containers that change them in place.
_MUTATORS = frozenset({"update", "setdefault", "append", "extend", "insert", "add", "pop", "popitem", "clear", "remove", "discard"})


@dataclass(eq=False)
class _Part:
    """A node of the relevance graph: a definition that may be blanked, a statement
    or class header that stays, or an attribute assignment inside a definition."""

    first: int  # 1-based lines, decorators included
    last: int
    text: str
    node: ast.stmt | None = None  # a definition or statement (read only once relevant)
    top_level: bool = False
    blankable: bool = False
    binds: frozenset[str] = frozenset()  # headers and assignments: known up front
    members: list[_Part] = field(default_factory=list)  # a class header's members
    state: int = 0  # _DROPPED, _CONTEXT or _RELEVANT
    words: frozenset[str] = frozenset()  # the identifiers in its text
    _touches: frozenset[str] | None = None

    def touches(self) -> frozenset[str]:
        """Names a definition mutates in place (computed on first use)."""
        if self._touches is None:
            self._touches = _mutated_names(self.node) if self.blankable and self.node is not None else frozenset()
        return self._touches


def relevant_slice(text: str, tree: ast.Module, prefilter: Prefilter) -> str | None:
    """``text`` with the definitions no triggered rule can look at blanked out, or
    None when nothing would be blanked. ``tree`` is ``ast.parse(text)``."""
    if "\r" in text.replace("\r\n", ""):
        return None  # a lone CR ends a line for CPython but not for str.split("\n")
    lines = text.split("\n")
    parts: list[_Part] = []
    _collect(tree.body, lines, True, parts)
    if not any(p.blankable for p in parts):
        return None
    _mark_relevant(parts, tree, lines, prefilter.within(text))
    blanked = [p for p in parts if p.blankable and p.state == _DROPPED]
    if not blanked:
        return None
    for part in blanked:
        for index in range(part.first - 1, part.last):
            lines[index] = "\r" if lines[index].endswith("\r") else ""
    return "\n".join(lines)


def _mark_relevant(parts: list[_Part], tree: ast.Module, lines: list[str], prefilter: Prefilter) -> None:
    """The closure of the module docstring, as a worklist over an index of which part
    mentions which identifier. A definition's body is walked (ast) only once it is
    relevant, or when it may mutate a module-level name a relevant part uses."""
    mentions: dict[str, list[_Part]] = {}
    defined: dict[str, list[_Part]] = {}  # top-level functions and small classes by name
    for part in parts:
        _index(part, mentions)
        if part.top_level and part.blankable:
            defined.setdefault(part.node.name, []).append(part)  # type: ignore[union-attr]
    module_names = _module_level_names(tree.body)
    names: set[str] = set()
    queue: list[_Part] = []

    def mark(part: _Part) -> None:
        """Relevant: what it binds becomes relevant too."""
        if part.state != _RELEVANT:
            part.state = _RELEVANT
            queue.append(part)
            for member in part.members:  # a class header relevant by its text: the class stays whole
                mark(member)

    def keep(part: _Part) -> None:
        """Kept as context (a factory, a mutation): what it binds does not become relevant."""
        if part.state == _DROPPED:
            part.state = _CONTEXT
            queue.append(part)

    def add_name(name: str) -> None:
        if name not in names:
            names.add(name)
            for part in mentions.get(name, ()):
                mark(part)

    for part in parts:
        if prefilter.matches(part.text):
            mark(part)
    for name in _imported_names(tree, prefilter):
        add_name(name)
    bound: set[int] = set()  # parts whose bindings were added (one may be queued twice)
    while queue:
        part = queue.pop()
        if part.state == _RELEVANT and id(part) not in bound:
            bound.add(id(part))
            for name in _binds(part, lines, prefilter, names, mentions, mark):
                add_name(name)
        for word in part.words & defined.keys():
            for definition in defined[word]:
                keep(definition)
        for word in part.words & module_names:
            for other in mentions[word]:
                if other.state == _DROPPED and word in other.touches():
                    keep(other)


def _index(part: _Part, mentions: dict[str, list[_Part]]) -> None:
    part.words = frozenset(_IDENTIFIER.findall(part.text))
    for word in part.words:
        mentions.setdefault(word, []).append(part)


def _binds(
    part: _Part,
    lines: list[str],
    prefilter: Prefilter,
    names: set[str],
    mentions: dict[str, list[_Part]],
    mark: Callable[[_Part], None],
) -> frozenset[str] | set[str]:
    """The names a relevant part makes relevant. A definition's attribute assignments
    join the graph now, relevant at once or when a name they mention becomes so."""
    node = part.node
    if node is None or isinstance(node, ast.ClassDef) and part.members:
        return part.binds  # a class header, an attribute assignment
    if not isinstance(node, _DEFINITIONS):
        return _bound_names(node)
    found = {node.name} if part.top_level else set()
    for assignment in _scan_definition(node, lines, found):
        _index(assignment, mentions)
        if prefilter.matches(assignment.text) or not names.isdisjoint(assignment.words):
            mark(assignment)
    return found


def _collect(body: list[ast.stmt], lines: list[str], top_level: bool, parts: list[_Part]) -> list[_Part]:
    """Append the parts of a module or class body to ``parts``; return that body's own."""
    definitions = [s for s in body if isinstance(s, _DEFINITIONS)]
    # A class body must keep a statement: if all of it could go, its first member stays.
    keep_first = not top_level and len(definitions) == len(body)
    own: list[_Part] = []
    for statement in body:
        first, last = first_line(statement), statement.end_lineno or statement.lineno
        if isinstance(statement, ast.ClassDef) and any(isinstance(s, _DEFINITIONS) for s in statement.body):
            header_last = first_line(statement.body[0]) - 1  # decorators, bases, keywords
            header = "\n".join(lines[first - 1 : max(first, header_last)])
            part = _Part(first, header_last, header, statement, top_level, binds=frozenset({statement.name}))
            parts.append(part)
            part.members = _collect(statement.body, lines, False, parts)
        else:
            blankable = isinstance(statement, _DEFINITIONS) and not (keep_first and statement is definitions[0])
            part = _Part(first, last, "\n".join(lines[first - 1 : last]), statement, top_level, blankable)
            parts.append(part)
        own.append(part)
    return own


def _module_level_names(body: list[ast.stmt]) -> set[str]:
    """Names assigned at module level (looking into ``if``/``try``/``with``/loop
    blocks, not into definitions), for telling which mutations can matter."""
    names: set[str] = set()
    for statement in body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif not isinstance(statement, _DEFINITIONS):
            for block in ("body", "orelse", "finalbody"):
                inner = getattr(statement, block, None)
                if isinstance(inner, list):
                    names |= _module_level_names(inner)
            for handler in getattr(statement, "handlers", ()):
                names |= _module_level_names(handler.body)
    return names


def first_line(statement: ast.stmt) -> int:
    """Where a statement's code begins: its first decorator, if it has any."""
    decorators = getattr(statement, "decorator_list", ())
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _imported_names(tree: ast.Module, prefilter: Prefilter) -> set[str]:
    """Local names of imports outside definitions that stand for something a rule
    follows: a qualified name of an import trigger, a module or class it lies in
    (``import sqlalchemy as sa`` for ``sqlalchemy.text``) or something inside it,
    or a name with a trigger word in it. Inside a definition, the import itself
    matches the prefilter."""
    names: set[str] = set()
    targets = prefilter.modules
    holders = {t.rsplit(".", n)[0] for t in targets for n in range(1, t.count(".") + 1)}  # modules, classes
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, qualname in _import_bindings(node):
                if qualname in holders or _inside(qualname, targets) or prefilter.matches(qualname):
                    names.add(local)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, block, ()))
    return names


def _import_bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """``(local name, qualified name)`` pairs; relative imports stand for nothing here."""
    if isinstance(node, ast.Import):
        return [(a.asname, a.name) if a.asname else (a.name.split(".", 1)[0],) * 2 for a in node.names]
    if node.level or not node.module:
        return []
    return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names if a.name != "*"]


def _inside(qualname: str, targets: frozenset[str]) -> bool:
    """``qualname`` is a target or lies inside one."""
    dotted = qualname.split(".")
    return any(".".join(dotted[:n]) in targets for n in range(1, len(dotted) + 1))


def _bound_names(statement: ast.stmt) -> frozenset[str]:
    """The names a kept statement binds: assignment, loop and ``with`` targets,
    definitions nested in it (``if``/``try`` blocks), attributes it sets."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, _DEFINITIONS):
            names.add(node.name)
    return frozenset(names)  # imports: _imported_names knows which of their names matter


def _scan_definition(definition: ast.stmt, lines: list[str], binds: set[str]) -> list[_Part]:
    """One walk over a relevant definition: the globals it rebinds go into ``binds``;
    its attribute assignments ``x.attr = value`` come back as parts of their own,
    relevant when the value is, binding ``attr`` (whole lines, not columns: a
    neighbour on the same line only keeps more)."""
    assignments: list[_Part] = []
    for node in ast.walk(definition):
        kind = type(node)
        if kind is ast.Assign or kind is ast.AnnAssign:
            value = node.value  # type: ignore[attr-defined]
            targets = node.targets if kind is ast.Assign else [node.target]  # type: ignore[attr-defined]
            attributes = frozenset(t.attr for t in targets if type(t) is ast.Attribute)
            if attributes and value is not None:
                text = "\n".join(lines[value.lineno - 1 : value.end_lineno or value.lineno])
                assignments.append(_Part(0, 0, text, binds=attributes))
        elif kind is ast.Global:
            binds.update(node.names)  # type: ignore[attr-defined]
    return assignments


def _mutated_names(definition: ast.stmt) -> frozenset[str]:
    """Names a definition mutates in place: ``X[k] = v``, ``del X[k]``, ``X.a = v``,
    ``X += ...``, ``X.update(...)`` and the other mutating methods of the builtin containers."""
    names: set[str] = set()
    for node in ast.walk(definition):
        kind = type(node)
        if kind is ast.Subscript or kind is ast.Attribute:
            if type(node.ctx) is not ast.Load and type(node.value) is ast.Name:  # type: ignore[attr-defined]
                names.add(node.value.id)  # type: ignore[attr-defined]
        elif kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Attribute and func.attr in _MUTATORS and type(func.value) is ast.Name:
                names.add(func.value.id)
        elif kind is ast.AugAssign and type(node.target) is ast.Name:  # type: ignore[attr-defined]
            names.add(node.target.id)  # type: ignore[attr-defined]
    return frozenset(names)
