"""Cheap name resolution: which imported thing does ``rq.get`` stand for?

libcst's QualifiedNameProvider and ScopeProvider cost 4-7x the parse, so the
engine keeps its own scope stack while it visits the tree once. It follows
``import x as y`` and ``from x import y as z``, and knows when a parameter,
assignment, loop, ``with`` or ``except`` target shadows an imported name.

Resolution is in visiting order (a name bound later in a function is not
seen earlier), except module-level imports, which are collected up front
because a function body may use an import that appears below it. At module
level an import is never shadowed by a plain assignment: ``try: import x``
/ ``except ImportError: x = None`` must keep ``x`` resolved.

It also remembers what a local name or ``self.<attr>`` was bound to, so rules
can ask which constructor made an object (``s = requests.Session()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import libcst as cst

from resilint.engine.literals import is_none

_MAX_DEPTH = 8  # how far constructor() follows name -> value -> name chains


@dataclass(frozen=True)
class Binding:
    """What a name is bound to in a scope."""

    qualname: str | None = None  # set for imports: the dotted name it stands for
    value: cst.BaseExpression | None = None  # set for single-target assignments
    annotation: cst.BaseExpression | None = None  # set for annotated parameters and assignments
    element_of: cst.BaseExpression | None = None  # set for a single-name loop target: what it iterates
    subclass_of: str | None = None  # a local class that only extends one imported class (see _plain_subclass)
    extends: str | None = None  # a local class with one imported base, whatever it overrides (see _single_base)
    class_def: cst.ClassDef | None = None  # set for a local class: its definition


@dataclass
class Scope:
    kind: str  # "module" | "class" | "function" | "lambda" | "comprehension"
    parent: Scope | None
    node: cst.CSTNode | None = None
    bindings: dict[str, Binding] = field(default_factory=dict)
    self_name: str | None = None  # first parameter of a method
    attributes: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)  # class: self.<attr> values
    # class: the declared type of each self.<attr> assignment (None: not declared), see _self_attribute_types
    attribute_types: dict[str, list[cst.BaseExpression | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Constructed:
    """An object expression traced back to the call that made it."""

    qualname: str  # e.g. "requests.Session"
    call: cst.Call
    # The local class the object was built from, when it stands for its imported base
    # (``class Writer(threading.Thread)``); callers decide what its own methods change.
    through: cst.ClassDef | None = None


def import_bindings(node: cst.Import | cst.ImportFrom) -> Iterator[tuple[str, str]]:
    """``(local name, qualified name)`` pairs an import statement binds."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                yield alias.asname.name.value, dotted
            else:
                top = dotted.split(".", 1)[0]
                yield top, top
        return
    if isinstance(node.names, cst.ImportStar):
        return
    module = _dotted(node.module) if node.module is not None else ""
    dots = "." * len(node.relative)
    base = f"{dots}{module}" if module else dots
    for alias in node.names:
        name = _dotted(alias.name)
        if name is None:
            continue
        local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
        joiner = "" if base.endswith(".") else "."
        yield local, f"{base}{joiner}{name}" if base else name


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def dotted_name(node: cst.BaseExpression | None) -> str | None:
    """The text of a ``Name``/``Attribute`` chain (``a.b.c``), without resolving it."""
    return _dotted(node)


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """Names bound by an assignment / loop / with target (``a, (b, *c)``)."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


class NameResolver:
    """The scope stack, driven by the engine's traversal (``enter``/``leave``)."""

    def __init__(self, module: cst.Module) -> None:
        self.module_scope = Scope("module", None, module)
        self.scope = self.module_scope
        self._pending: dict[int, tuple[str, cst.CSTNode]] = {}  # body id -> (kind, owner)
        self._filled: dict[int, list[Constructed | None]] = {}  # id of an empty [] / set() -> what was appended
        self._on_enter, self._on_leave = _handlers()
        for statement in _module_level_statements(module.body):
            for small in _small_statements(statement):
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    for local, qualname in import_bindings(small):
                        self.module_scope.bindings[local] = Binding(qualname=qualname)

    # -- queries -------------------------------------------------------------

    def lookup(self, name: str) -> Binding | None:
        """The binding visible for ``name`` here (class bodies are not visible from methods)."""
        scope = self.binding_scope(name)
        return scope.bindings[name] if scope is not None else None

    def binding_scope(self, name: str) -> Scope | None:
        """The scope whose binding of ``name`` is visible here."""
        scope: Scope | None = self.scope
        while scope is not None:
            if (scope.kind != "class" or scope is self.scope) and name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def qualified_name(self, node: cst.BaseExpression) -> str | None:
        """``rq.get`` -> ``"requests.get"`` when ``rq`` is an import; None otherwise."""
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            return binding.qualname if binding is not None else None
        if isinstance(node, cst.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        return None

    def call_name(self, call: cst.Call) -> str | None:
        """The qualified name of the function a call invokes, if it is imported."""
        return self.qualified_name(call.func)

    def constructor(
        self, node: cst.BaseExpression, _depth: int = 0, *, subclasses: bool = False
    ) -> Constructed | None:
        """Trace an object expression to the imported call that made it: a temporary
        (``Session().get``), a name bound to a call (``s = Session()``, ``with Session()
        as s``), or ``self.<attr>`` assigned a call anywhere in the class. With
        ``subclasses``, a local class with one imported base stands for that base even
        when it overrides methods (``Constructed.through`` is then its definition)."""
        if _depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Call):
            qualname = self.call_name(node)
            wrapped = _passed_through(node, qualname)
            if wrapped is not None:
                return self.constructor(wrapped, _depth + 1, subclasses=subclasses)
            if qualname is not None:
                return Constructed(qualname, node)
            if isinstance(node.func, cst.Name):
                cls = self.lookup(node.func.value)
                if cls is not None and cls.subclass_of is not None:
                    return Constructed(cls.subclass_of, node, cls.class_def)  # class MySession(requests.Session): pass
                if subclasses and cls is not None and cls.extends is not None:
                    return Constructed(cls.extends, node, cls.class_def)  # class Writer(Thread): def run(self): ...
            # A factory method on a constructed object: Session().client(...) keeps the
            # receiver's qualified name as a prefix: "boto3.Session.client".
            if isinstance(node.func, cst.Attribute):
                receiver = self.constructor(node.func.value, _depth + 1, subclasses=subclasses)
                if receiver is not None:
                    return Constructed(f"{receiver.qualname}.{node.func.attr.value}", node)
            return None
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            if binding is not None and binding.value is not None:
                return self.constructor(binding.value, _depth + 1, subclasses=subclasses)
            if binding is not None and binding.element_of is not None:
                return self._element_constructor(binding.element_of, _depth + 1, subclasses)
            return None
        # self.<attr>: every non-None value assigned in the class must agree.
        candidates = [v for v in self.self_attribute_values(node) if not is_none(v)]
        traced = [self.constructor(v, _depth + 1, subclasses=subclasses) for v in candidates]
        if traced and all(traced) and len({(c.qualname, id(c.through)) for c in traced if c}) == 1:
            return traced[0]
        return None

    def declared_type(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of the type an object is declared with, when nothing
        visible constructed it: an annotated parameter or variable (``http:
        requests.Session``), or ``self.<attr>`` whose every assignment in the class is
        such a parameter or carries its own annotation (constructor injection). An
        ``Optional[X]``/``X | None`` annotation declares X: a method call on None
        fails before it could wait."""
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            if binding is None or binding.qualname is not None or binding.annotation is None:
                return None
            return self.annotated_type(binding.annotation)
        if not isinstance(node, cst.Attribute):
            return None
        declared = self._attribute_types(node)
        if not declared or any(a is None for a in declared):
            return None  # an assignment of something else (a reassigned attribute)
        found = {self.annotated_type(a) for a in declared if a is not None}
        return found.pop() if len(found) == 1 and None not in found else None

    def _attribute_types(self, node: cst.Attribute) -> Sequence[cst.BaseExpression | None]:
        owner = self._self_class(node)
        return owner.attribute_types.get(node.attr.value, ()) if owner is not None else ()

    def _self_class(self, node: cst.BaseExpression) -> Scope | None:
        """The class scope of ``self.<attr>`` inside one of its methods, else None."""
        if not (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)):
            return None
        function = self._enclosing("function")
        if function is None or function.self_name != node.value.value:
            return None
        owner = function.parent
        return owner if owner is not None and owner.kind == "class" else None

    def annotated_type(self, annotation: cst.BaseExpression) -> str | None:
        """``Client``, ``Optional[Client]``, ``Client | None``, ``"Client"`` -> the
        client's qualified name (None for anything else, e.g. a union of two types)."""
        if isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
            text = annotation.evaluated_value
            if not isinstance(text, str):
                return None
            try:
                annotation = cst.parse_expression(text)
            except cst.ParserSyntaxError:
                return None
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            parts = [annotation.left, annotation.right]
        elif isinstance(annotation, cst.Subscript) and self.qualified_name(annotation.value) in (
            "typing.Optional",
            "typing.Union",
        ):
            parts = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        else:
            return self.qualified_name(annotation)
        found = {self.annotated_type(p) for p in parts if not is_none(p)}
        return found.pop() if len(found) == 1 and None not in found else None

    def _element_constructor(self, iterable: cst.BaseExpression, depth: int, subclasses: bool = False) -> Constructed | None:
        """What the elements of a visible collection were built by: ``for t in threads``
        after ``threads = [Thread(...) for ...]`` or ``[a, b]``; every element must agree."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(iterable, cst.Name):
            binding = self.lookup(iterable.value)
            if binding is None or binding.value is None:
                return None
            if _is_empty_collection(binding.value):
                return self._filled_constructor(binding.value, subclasses)
            return self._element_constructor(binding.value, depth + 1, subclasses)
        if isinstance(iterable, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.constructor(iterable.elt, depth + 1, subclasses=subclasses)
        if isinstance(iterable, cst.DictComp):
            return self.constructor(iterable.key, depth + 1, subclasses=subclasses)  # iterating a dict yields its keys
        if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)) and iterable.elements:
            traced = [
                self.constructor(e.value, depth + 1, subclasses=subclasses)
                for e in iterable.elements
                if not isinstance(e, cst.StarredElement)
            ]
            if (
                len(traced) == len(iterable.elements)
                and all(traced)
                and len({(c.qualname, id(c.through)) for c in traced if c}) == 1
            ):
                return traced[0]
        return None

    def _filled_constructor(self, empty: cst.BaseExpression, subclasses: bool) -> Constructed | None:
        """The elements of a collection that started empty and was filled by
        ``.append(x)``/``.add(x)``/``.insert(i, x)`` (so far, in visiting order): every
        one must be traced to the same constructor; an ``.extend()`` is not followed."""
        filled = self._filled.get(id(empty), ())
        traced = [made if subclasses or made is None or made.through is None or _plain(made) else None for made in filled]
        if traced and all(traced) and len({(c.qualname, id(c.through)) for c in traced if c}) == 1:
            return traced[0]
        return None

    def self_attribute_values(self, node: cst.BaseExpression) -> Sequence[cst.BaseExpression]:
        """Values assigned to ``self.<attr>`` in the enclosing class, for ``self.<attr>``."""
        owner = self._self_class(node)
        if owner is None or not isinstance(node, cst.Attribute):
            return ()
        return owner.attributes.get(node.attr.value, ())

    def in_function(self) -> bool:
        return self._enclosing("function") is not None

    def _enclosing(self, kind: str) -> Scope | None:
        scope: Scope | None = self.scope
        while scope is not None:
            if scope.kind == kind:
                return scope
            scope = scope.parent
        return None

    # -- traversal -----------------------------------------------------------

    def bind(self, name: str, binding: Binding) -> None:
        current = self.scope
        existing = current.bindings.get(name)
        if current.kind == "module" and existing is not None and existing.qualname and binding.qualname is None:
            return  # keep module imports through "except ImportError: x = None"
        current.bindings[name] = binding

    def enter(self, node: cst.CSTNode) -> None:
        pending = self._pending.pop(id(node), None) if self._pending else None
        if pending is not None:
            self._push_body(*pending)
            return
        handler = self._on_enter.get(type(node))
        if handler is not None:
            handler(self, node)

    def leave(self, node: cst.CSTNode) -> None:
        if self.scope.node is node:
            self.scope = self.scope.parent or self.module_scope
            return
        handler = self._on_leave.get(type(node))
        if handler is not None:
            handler(self, node)

    # Called once per node of the listed types (a dict lookup, not an isinstance chain).

    def _enter_function_or_class(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        if isinstance(node, cst.ClassDef):
            binding = Binding(subclass_of=self._plain_subclass(node), extends=self._single_base(node), class_def=node)
        else:
            binding = Binding()
        self.bind(node.name.value, binding)
        self._pending[id(node.body)] = ("function" if isinstance(node, cst.FunctionDef) else "class", node)

    def _enter_lambda(self, node: cst.Lambda) -> None:
        self._push("lambda", node)
        self._bind_parameters(node.params)

    def _enter_comprehension(self, node: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp) -> None:
        # The element is visited before the ``for`` clauses that bind its names.
        self._push("comprehension", node)
        comp_for: cst.CompFor | None = node.for_in
        while comp_for is not None:
            self._bind_loop_target(comp_for.target, comp_for.iter)
            comp_for = comp_for.inner_for_in

    def _enter_for(self, node: cst.For) -> None:
        self._bind_loop_target(node.target, node.iter)

    def _enter_except(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.bind(node.name.name.value, Binding())

    def _enter_import(self, node: cst.Import | cst.ImportFrom) -> None:
        for local, qualname in import_bindings(node):
            self.bind(local, Binding(qualname=qualname))

    def _leave_assign(self, node: cst.Assign) -> None:
        single = len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
        for target in node.targets:
            for name in target_names(target.target):
                self.bind(name, Binding(value=node.value if single else None))

    def _leave_annassign(self, node: cst.AnnAssign) -> None:
        for name in target_names(node.target):
            self.bind(name, Binding(value=node.value, annotation=node.annotation.annotation))

    def _leave_augassign(self, node: cst.AugAssign) -> None:
        for name in target_names(node.target):
            self.bind(name, Binding())

    def _leave_withitem(self, node: cst.WithItem) -> None:
        if node.asname is None:
            return
        target = node.asname.name
        single = isinstance(target, cst.Name)
        for name in target_names(target):
            self.bind(name, Binding(value=node.item if single else None))

    def _leave_namedexpr(self, node: cst.NamedExpr) -> None:
        for name in target_names(node.target):
            self.bind(name, Binding(value=node.value))

    def _bind_loop_target(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        single = isinstance(target, cst.Name)
        for name in target_names(target):
            self.bind(name, Binding(element_of=iterable if single else None))

    def _leave_call(self, node: cst.Call) -> None:
        """``items.append(x)`` on a name bound to an empty list or set: remember what
        ``x`` was built by, for ``for item in items`` (see _filled_constructor)."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        method = func.attr.value
        if method not in _FILLING:
            return
        binding = self.lookup(func.value.value)
        if binding is None or binding.value is None or not _is_empty_collection(binding.value):
            return
        index = _FILLING[method]
        positional = [a for a in node.args if a.keyword is None and not a.star]
        made = None
        if index is not None and len(positional) == len(node.args) == index + 1:
            made = self.constructor(positional[index].value, subclasses=True)
        self._filled.setdefault(id(binding.value), []).append(made)

    def _single_base(self, node: cst.ClassDef) -> str | None:
        """The imported base of a class with exactly one base (any methods), or the
        base a local class with one such base stands for."""
        bases = [a for a in node.bases if a.keyword is None]
        if len(bases) != 1 or node.keywords:
            return None
        base = bases[0].value
        qualname = self.qualified_name(base)
        if qualname is None and isinstance(base, cst.Name):
            binding = self.lookup(base.value)
            qualname = binding.subclass_of if binding is not None else None
        return qualname

    def _plain_subclass(self, node: cst.ClassDef) -> str | None:
        """The imported base of a class that only extends it: one base, no methods
        besides ``__init__`` (a class that overrides behaviour is not its base)."""
        bases = [a for a in node.bases if a.keyword is None]
        if len(bases) != 1 or node.keywords:
            return None
        # A one-line body (``class S(requests.Session): pass``) can define no method.
        statements = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        if any(isinstance(s, cst.FunctionDef) and s.name.value != "__init__" for s in statements):
            return None
        base = bases[0].value
        qualname = self.qualified_name(base)
        if qualname is None and isinstance(base, cst.Name):
            binding = self.lookup(base.value)
            qualname = binding.subclass_of if binding is not None else None
        return qualname

    def _push(self, kind: str, node: cst.CSTNode) -> Scope:
        self.scope = Scope(kind, self.scope, node)
        return self.scope

    def _push_body(self, kind: str, owner: cst.CSTNode) -> None:
        body = owner.body  # type: ignore[attr-defined]
        parent_kind = self.scope.kind
        scope = self._push(kind, body)
        if isinstance(owner, cst.FunctionDef):
            params = owner.params
            self._bind_parameters(params)
            positional = [*params.posonly_params, *params.params]
            if parent_kind == "class" and positional and not _is_staticmethod(owner):
                scope.self_name = positional[0].name.value
        elif isinstance(owner, cst.ClassDef):
            scope.attributes = _self_attributes(owner)
            scope.attribute_types = _self_attribute_types(owner)

    def _bind_parameters(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation.annotation if param.annotation is not None else None
            self.bind(param.name.value, Binding(annotation=annotation))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.bind(star.name.value, Binding())


# Methods that put one element into a collection, and the position of that element
# (None: an unknown number of elements, e.g. extend).
_FILLING = {"append": 0, "add": 0, "appendleft": 0, "insert": 1, "extend": None, "update": None}


def _is_empty_collection(node: cst.BaseExpression) -> bool:
    """``[]``, ``set()``, ``list()``, ``collections.deque()`` written empty."""
    if isinstance(node, cst.List):
        return not node.elements
    return (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Name)
        and node.func.value in ("list", "set")
    )


def _plain(made: Constructed) -> bool:
    """Whether a constructor traced through a local class is one that overrides
    nothing but ``__init__`` (what ``constructor`` follows without ``subclasses``)."""
    cls = made.through
    if cls is None or not isinstance(cls.body, cst.IndentedBlock):
        return True
    return not any(isinstance(s, cst.FunctionDef) and s.name.value != "__init__" for s in cls.body.body)


# Calls that return their first argument: closing(x), stack.enter_context(x).
_PASS_THROUGH_FUNCTIONS = frozenset({"contextlib.closing"})
_PASS_THROUGH_METHODS = frozenset({"enter_context", "enter_async_context"})


def _passed_through(call: cst.Call, qualname: str | None) -> cst.BaseExpression | None:
    through = qualname in _PASS_THROUGH_FUNCTIONS or (
        qualname is None and isinstance(call.func, cst.Attribute) and call.func.attr.value in _PASS_THROUGH_METHODS
    )
    if through and call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None



def _is_staticmethod(function: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator) in ("staticmethod", "classmethod") for d in function.decorators)


def _small_statements(statement: cst.CSTNode) -> Sequence[cst.CSTNode]:
    if isinstance(statement, cst.SimpleStatementLine):
        return statement.body
    return ()


def _module_level_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Statements executed at module level, looking inside if/try/with/for blocks."""
    for statement in body:
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for block in _blocks(statement):
            yield from _module_level_statements(block)


def _blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    """The nested statement blocks of a compound statement (if/elif/else, try, loops, with)."""
    body = getattr(statement, "body", None)
    if isinstance(body, cst.IndentedBlock):
        yield body.body
    orelse = getattr(statement, "orelse", None)
    while isinstance(orelse, cst.If):  # elif: a loop, not recursion (chains of thousands exist)
        if isinstance(orelse.body, cst.IndentedBlock):
            yield orelse.body.body
        orelse = orelse.orelse
    if isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
        yield orelse.body.body
    for handler in getattr(statement, "handlers", ()):
        if isinstance(handler.body, cst.IndentedBlock):
            yield handler.body.body
    final = getattr(statement, "finalbody", None)
    if isinstance(final, cst.Finally) and isinstance(final.body, cst.IndentedBlock):
        yield final.body.body


def _self_attributes(cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression]]:
    """``self.<attr> = value`` assignments in the methods of a class, and class-level
    attributes (shallow scan of statements, not expressions: cheap, and where such
    assignments live)."""
    found: dict[str, list[cst.BaseExpression]] = {}
    if not isinstance(cls.body, cst.IndentedBlock):
        return found
    for statement in cls.body.body:  # class attributes are read through self too
        for small in _small_statements(statement):
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                found.setdefault(small.targets[0].target.value, []).append(small.value)
            elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
                found.setdefault(small.target.value, []).append(small.value)
    for method in cls.body.body:
        if not isinstance(method, cst.FunctionDef) or _is_staticmethod(method):
            continue
        positional = [*method.params.posonly_params, *method.params.params]
        if not positional or not isinstance(method.body, cst.IndentedBlock):
            continue
        self_name = positional[0].name.value
        for statement in _module_level_statements(method.body.body):
            for small in _small_statements(statement):
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    targets = small.targets if isinstance(small, cst.Assign) else (small,)
                    for target in targets:
                        node = target.target
                        if (
                            isinstance(node, cst.Attribute)
                            and isinstance(node.value, cst.Name)
                            and node.value.value == self_name
                        ):
                            found.setdefault(node.attr.value, []).append(small.value)
            if isinstance(statement, cst.With):
                for item in statement.items:
                    target = item.asname.name if item.asname else None
                    if (
                        isinstance(target, cst.Attribute)
                        and isinstance(target.value, cst.Name)
                        and target.value.value == self_name
                    ):
                        found.setdefault(target.attr.value, []).append(item.item)
    return found


def _self_attribute_types(cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression | None]]:
    """The declared type of each ``self.<attr>`` assignment in the methods of a class:
    the annotation of the parameter assigned (``self._http = http`` with ``http:
    Session``) or of the assignment itself (``self._http: Session = ...``); None for
    any other value. Class-level annotations (``_http: Session``) count too. A
    literal None assigned is left out (it is not an object that can wait)."""
    found: dict[str, list[cst.BaseExpression | None]] = {}
    if not isinstance(cls.body, cst.IndentedBlock):
        return found
    for statement in cls.body.body:
        for small in _small_statements(statement):
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                found.setdefault(small.target.value, []).append(small.annotation.annotation)
            elif (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and not is_none(small.value)
            ):
                found.setdefault(small.targets[0].target.value, []).append(None)
    for method in cls.body.body:
        if not isinstance(method, cst.FunctionDef) or _is_staticmethod(method):
            continue
        params = method.params
        positional = [*params.posonly_params, *params.params]
        if not positional or not isinstance(method.body, cst.IndentedBlock):
            continue
        self_name = positional[0].name.value
        annotated = {
            p.name.value: p.annotation.annotation
            for p in (*positional[1:], *params.kwonly_params)
            if p.annotation is not None
        }
        for statement in _module_level_statements(method.body.body):
            for small in _small_statements(statement):
                if not isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    continue
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                for target in targets:
                    if not (
                        isinstance(target, cst.Attribute)
                        and isinstance(target.value, cst.Name)
                        and target.value.value == self_name
                    ):
                        continue
                    value = small.value
                    if isinstance(small, cst.AnnAssign):
                        declared: cst.BaseExpression | None = small.annotation.annotation
                    elif isinstance(small, cst.Assign) and isinstance(value, cst.Name) and len(targets) == 1:
                        declared = annotated.get(value.value)
                    else:
                        declared = None
                    if value is not None and is_none(value) and declared is None:
                        continue
                    found.setdefault(target.attr.value, []).append(declared)
            if isinstance(statement, cst.With):
                for item in statement.items:
                    target = item.asname.name if item.asname else None
                    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == self_name:
                        found.setdefault(target.attr.value, []).append(None)
    return found


@cache
def _handlers() -> tuple[dict[type, Callable[..., None]], dict[type, Callable[..., None]]]:
    """The enter/leave handlers by node type (built on first use: libcst loads lazily)."""
    enter = {
        cst.FunctionDef: NameResolver._enter_function_or_class,
        cst.ClassDef: NameResolver._enter_function_or_class,
        cst.Lambda: NameResolver._enter_lambda,
        cst.ListComp: NameResolver._enter_comprehension,
        cst.SetComp: NameResolver._enter_comprehension,
        cst.DictComp: NameResolver._enter_comprehension,
        cst.GeneratorExp: NameResolver._enter_comprehension,
        cst.For: NameResolver._enter_for,
        cst.ExceptHandler: NameResolver._enter_except,
        cst.ExceptStarHandler: NameResolver._enter_except,
        cst.Import: NameResolver._enter_import,
        cst.ImportFrom: NameResolver._enter_import,
    }
    leave = {
        cst.Assign: NameResolver._leave_assign,
        cst.AnnAssign: NameResolver._leave_annassign,
        cst.AugAssign: NameResolver._leave_augassign,
        cst.WithItem: NameResolver._leave_withitem,
        cst.NamedExpr: NameResolver._leave_namedexpr,
        cst.Call: NameResolver._leave_call,
    }
    return enter, leave
