"""The ``call-requires-keyword`` check kind (REL101, REL103, REL104, REL105, REL106, REL107, REL108).

A covered call must pass its timeout: a keyword, a positional argument, a
    setting in the connection string, or a setting on the object it is called on.
    ``**kwargs`` may carry it; any expression counts (an explicit ``None`` is the
    business of ``timeout-disabled``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.timeouts.call_tracker import CallTracker, spec_set
from resilint.checks.timeouts.callspec import (
    CallSpec,
    argument,
    canonical,
    declared_receiver,
    dsn_sets,
    has_argument,
    is_false,
    is_local_command,
    is_nonblocking,
    look_through,
    may_be_older,
    mentions,
    names_local_host,
    star_args_before,
    star_kwargs_may_carry,
    string_text,
    written_callee,
)
from resilint.checks.timeouts.fixes import add_timeout
from resilint.checks.timeouts.visible_calls import VisibleCalls
from resilint.config.project import dependency_files, project_info
from resilint.config.standards import Standard
from resilint.engine import ast_cache
from resilint.engine.literals import is_none
from resilint.engine.names import Constructed
from resilint.errors import ConfigError
from resilint.rule import Param

if TYPE_CHECKING:
    from resilint.config.settings import Config
    from resilint.engine.context import FileContext
    from resilint.engine.prefilter import Trigger


_PRIVATE_DEF = re.compile(r"\bdef\s+_[A-Za-z0-9]")


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")  # where Python's grammar holds statements


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement of ``tree`` at any depth (a ``def`` is a statement: no need to
    walk expressions), with except clauses and match cases (which hold statements)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        for field in _STATEMENT_LISTS:
            inner = getattr(node, field, None)
            if type(inner) is list:
                stack.extend(inner)


def _forwarding_candidate(node: ast.AST) -> bool:
    """A function ``_forwarded_kwargs`` may judge from its call sites: a ``**``
    parameter and a name starting with ``_`` (wider than what it judges: double
    underscores and decorators are not excluded here, so a tree that says "none"
    is never wrong)."""
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.kwarg is not None and node.name.startswith("_")


def _is_script(context: FileContext) -> bool:
    """A standalone script: it starts with ``#!`` and no ``__init__.py`` makes its
    folder a package (it is run, not imported by the service)."""
    if context.file is None or not context.source.startswith("#!"):
        return False
    return not (context.file.parent / "__init__.py").exists()


def _star_name(arg: cst.Arg) -> str:
    return arg.value.value if isinstance(arg.value, cst.Name) else "kwargs"


class CallRequiresKeyword(CallTracker):
    """A covered call must pass its timeout: a keyword, a positional argument, a
    setting in the connection string, or a setting on the object it is called on.
    ``**kwargs`` may carry it; any expression counts (an explicit ``None`` is the
    business of ``timeout-disabled``)."""

    kind = "call-requires-keyword"
    description = "A call to one of the target functions or methods must pass one of the keywords."
    parameters = {
        "targets": Param(list, required=False, doc="qualified names, e.g. 'requests.get' or 'requests.Session.get'"),
        "keywords": Param(list, required=False, default=(), doc="keyword names that satisfy the standard"),
        "keyword": Param(str, required=False, doc="a single keyword (same as keywords = [keyword])"),
        "position": Param(int, required=False, doc="0-based positional index that also satisfies it"),
        "default": Param(str, required=False, default="", doc="what the library does without it"),
        "calls": Param(list, required=False, default=(), doc="call specs (tables), see resilint.checks.timeouts.callspec"),
        "aliases": Param(dict, required=False, default={}, doc="other spellings of a qualified-name prefix"),
        "scripts": Param(
            bool,
            required=False,
            default=True,
            doc="report in standalone scripts too (a file that starts with #! outside any package)",
        ),
        "autofix": Param(
            bool,
            required=False,
            default=True,
            doc="offer the fix that adds the timeout keyword (false where a timeout changes what the call returns)",
        ),
    }

    @classmethod
    def related_files(cls, standard: Standard, config: Config, file: Path | None) -> Iterable[Path]:
        """Whether a file is a standalone script depends on its folder's __init__.py."""
        if file is not None and not standard.params.get("scripts", True):
            return (file.parent / "__init__.py",)
        return ()

    @classmethod
    def validate(cls, standard: Standard) -> None:
        super().validate(standard)
        params = standard.params
        where = f"standard {standard.code}"
        if "targets" not in params and not params.get("calls"):
            raise ConfigError(standard.origin, f"{where}.targets", "expected targets (or a calls array)")
        if "targets" in params and "keyword" not in params and not params.get("keywords"):
            raise ConfigError(standard.origin, f"{where}.keyword", "expected keyword or keywords with targets")
        spec_set(standard)

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        return spec_set(standard).modules()

    @classmethod
    def input_files(cls, standard: Standard, config: Config) -> Iterable[Path]:
        """Version-dependent verdicts read the project's dependency and lock files."""
        if any(s.version for s in spec_set(standard).specs):
            return dependency_files(config.root)
        return ()

    def __init__(self, standard: Standard, context: FileContext) -> None:
        super().__init__(standard, context)
        self.specs = spec_set(standard)
        self.global_functions = frozenset().union(*(s.global_default for s in self.specs.specs))
        configured = [s.configured_by for s in self.specs.specs if s.configured_by]
        self.configured_methods = frozenset().union(*(c.methods for c in configured))
        self.configured_attributes = frozenset().union(*(c.attributes for c in configured))
        self.plain_arguments = frozenset().union(*(c.unless for c in configured))
        self.timeout_keywords = frozenset().union(*(s.keywords for s in self.specs.specs if s.configured_by))
        self.global_default_set = False
        self.configured: set[int] = set()  # id() of constructing calls configured later
        self.pending: list[tuple[cst.Call, str, CallSpec, Constructed | None]] = []
        self.previous: cst.SimpleStatementLine | None = None  # the statement line visited before this one
        self.current: cst.SimpleStatementLine | None = None
        self._visible: VisibleCalls | None = None
        self.silent = not standard.params.get("scripts", True) and _is_script(context)
        config = context.config
        self.named = self.standard.code in (*(config.select or ()), *config.extend_select)

    @classmethod
    def sliceable_in(cls, text: str) -> bool:
        """``**kwargs`` forwarded by a private function is judged from its call sites,
        which may sit in any definition of the module: such a module is read whole.
        Only a private function with a ``**`` parameter forwards (``_forwarded_kwargs``);
        the text says when there can be none, else CPython's tree (shared with
        slicing, which parses it anyway) says whether there is one."""
        if not cls.sliceable:
            return False
        if "**" not in text or _PRIVATE_DEF.search(text) is None:
            return True
        try:
            tree = ast_cache.parse(text)
        except Exception:  # SyntaxError, RecursionError, MemoryError: read whole, the full parse decides
            return False
        return not any(_forwarding_candidate(node) for node in _statements(tree))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.previous, self.current = self.current, node

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        for target in node.targets:
            attribute = target.target
            if isinstance(attribute, cst.Attribute) and attribute.attr.value in self.configured_attributes:
                built = self.names.constructor(attribute.value)
                if built is not None:
                    self.configured.add(id(built.call))  # session.request = partial(session.request, timeout=5)

    def visit_Call(self, node: cst.Call) -> None:
        if self.silent:
            return
        self.note_mutation(node)
        if self.global_functions and self.names.call_name(node) in self.global_functions:
            arg = argument(node, ("timeout",), 0)
            if arg is not None and not is_none(arg.value):
                self.global_default_set = True
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in self.configured_methods:
            self._note_configured(node)
        found = self.spec_for(self.specs, node)
        if found is None:
            return
        spec, built = found
        message = self.verdict(node, spec, built)
        if message is not None:
            self.pending.append((node, message, spec, built))

    def finish(self) -> None:
        for node, message, spec, built in self.pending:
            if spec.global_default and self.global_default_set:
                continue  # socket.setdefaulttimeout(...) bounds every stdlib socket in the process
            if spec.configured_by and built is not None and id(built.call) in self.configured:
                continue
            fix = add_timeout(node, spec, self.context.config) if self.param("autofix") else None
            self.report(node, message, fix=fix)

    # -- the verdict ---------------------------------------------------------------

    def verdict(self, node: cst.Call, spec: CallSpec, built: Constructed | None) -> str | None:
        """None when the call is compliant, else the message."""
        if spec.opt_in and not self.named:
            return None  # reported only when the code is selected by name
        if spec.when_argument and not has_argument(node, spec.when_argument):
            return None  # e.g. ftplib.FTP() without a host does not connect
        if is_nonblocking(node, spec) or self._nonblocking_keyword(node, spec):
            return None
        if built is declared_receiver() and (spec.object_keywords or spec.config):
            return None  # declared, not built in sight: the pool or client may carry the timeout
        if spec.fetches is not None and not self._fetches_url(node, spec):
            return None
        if spec.local_commands and self._local_command(node, spec, built):
            return None
        if spec.unless_after and self._right_after(node, spec):
            return None
        config_keys = spec.config.required if spec.config else ()
        keys = (*spec.keywords, *config_keys)
        forwarded = self._forwarded_kwargs(node, keys)
        checked = node.with_changes(args=[a for a in node.args if a not in forwarded]) if forwarded else node
        if star_kwargs_may_carry(self.names, checked, keys, self.is_mutated):
            return None
        arg = argument(node, spec.keywords, spec.position)
        written = written_callee(self.context.module, node.func) + "()"
        if arg is not None:
            return self._config_verdict(arg, spec, written) if spec.config else None
        if star_args_before(node, spec.position):
            return None
        dsn = dsn_sets(self.names, node, spec)
        if dsn or names_local_host(self.names, node, spec):
            return None
        if built is not None and spec.object_keywords and self._object_sets(built.call, spec):
            return None
        version_note = ""
        if spec.version is not None:
            older, version_note = self._version(spec.version)
            if not older:
                return None
        message = self._message(written, spec, version_note, built, dsn)
        if forwarded:
            function = self.functions[-1].name.value
            message += f" (**{_star_name(forwarded[0])} comes from {function}(), and no call of {function}() passes it)"
        return message

    # -- when a call does not wait, or its timeout comes from elsewhere --------------

    @staticmethod
    def _nonblocking_keyword(node: cst.Call, spec: CallSpec) -> bool:
        """``psycopg2.connect(dsn, async_=True)``: a non-blocking connection."""
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in spec.nonblocking_keywords:
                return not (is_false(arg.value) or is_none(arg.value))
        return False

    def _fetches_url(self, node: cst.Call, spec: CallSpec) -> bool:
        """Whether the argument that may be a URL or a document visibly is a URL."""
        assert spec.fetches is not None
        arg = argument(node, spec.fetches[0], spec.fetches[1])
        if arg is None:
            return False
        text = string_text(look_through(self.names, arg.value))
        return text is not None and text.lower().startswith(("http://", "https://"))

    def _local_command(self, node: cst.Call, spec: CallSpec, built: Constructed | None) -> bool:
        """``subprocess.run(["git", "log", ...])``, ``Popen("free -m | awk ...", shell=True)``:
        a listed local program (and subcommand); for a Popen method, its constructor's."""
        call = built.call if built is not None and built is not declared_receiver() else node  # proc.communicate()
        arg = argument(call, ("args",), 0)
        if arg is None:
            return False
        return is_local_command(self.names, arg.value, spec.local_commands)

    def _right_after(self, node: cst.Call, spec: CallSpec) -> bool:
        """``p.terminate()`` (or kill/cancel) on the statement line before ``p.join()``
        (or in the same line): the object was just told to stop."""
        if not isinstance(node.func, cst.Attribute):
            return False
        receiver = node.func.value
        for line in (self.current, self.previous):
            if line is None:
                continue
            for small in line.body:
                call = small.value if isinstance(small, cst.Expr) else None
                if isinstance(call, cst.Await):
                    call = call.expression
                if (
                    isinstance(call, cst.Call)
                    and call is not node
                    and isinstance(call.func, cst.Attribute)
                    and call.func.attr.value in spec.unless_after
                    and call.func.value.deep_equals(receiver)
                ):
                    return True
        return False

    def _forwarded_kwargs(self, node: cst.Call, keys: tuple[str, ...]) -> list[cst.Arg]:
        """The ``**kw`` arguments that are the ``**kw`` parameter of the enclosing
        function when every call of that function is visible and none can pass ``keys``:
        a private (``_name``), undecorated module-level or nested function, never
        referenced except by direct calls, whose body never names the keys."""
        stars = [a for a in node.args if a.star == "**"]
        if not stars or not self.functions or self.function_scopes[-1] == "class":
            return []
        function = self.functions[-1]
        params = function.params
        if not isinstance(params.star_kwarg, cst.Param):
            return []
        kwargs = params.star_kwarg.name.value
        forwarded = [a for a in stars if isinstance(a.value, cst.Name) and a.value.value == kwargs]
        if not forwarded:
            return []
        binding_scope = self.names.binding_scope(kwargs)
        binding = self.names.lookup(kwargs)
        if binding is None or binding.value is not None or binding_scope is None or binding_scope.kind != "function":
            return []
        name = function.name.value
        if not name.startswith("_") or name.startswith("__") or function.decorators:
            return []
        if mentions(function.body, keys) or self.is_mutated(kwargs):
            return []
        if self._visible is None:
            self._visible = VisibleCalls(self.context.module)
        if not self._visible.only_called(name, function, keys):
            return []
        return forwarded

    def _message(
        self, written: str, spec: CallSpec, version_note: str, built: Constructed | None, dsn: bool | None
    ) -> str:
        missing = " or ".join(f"{k}=" for k in spec.keywords[:2]) if spec.keywords else "a timeout"
        text = f"{written} called without {missing}"
        if spec.object_keywords and built is not None:
            text += f" and its {built.qualname.rsplit('.', 1)[-1]}() was built without one"
        if dsn is False:
            text += " (nor in its connection string)"
        if spec.default:
            text += f"; {spec.default}"
        if version_note:
            text += f" ({version_note})"
        return text

    def _config_verdict(self, arg: cst.Arg, spec: CallSpec, written: str) -> str | None:
        """``config=`` given: a visible ``Config(...)`` must set every required key."""
        assert spec.config is not None
        constructors, required = spec.config.constructors, spec.config.required
        value = look_through(self.names, arg.value)
        if not isinstance(value, cst.Call):
            return None  # a variable we cannot see counts as set
        name = self.names.call_name(value)
        if name is None or canonical(name, self.specs.aliases) not in constructors:
            return None
        if any(a.star or a.keyword is None for a in value.args):
            return None  # **options or positional options may set them
        given = {a.keyword.value for a in value.args if a.keyword is not None}
        missing = [k for k in required if k not in given]
        if not missing:
            return None
        shown = source_of(self.context.module, value, 40)
        text = f"{written} called with a config ({shown}) that sets no {' or '.join(missing)}"
        return f"{text}; {spec.default}" if spec.default else text

    def _object_sets(self, call: cst.Call, spec: CallSpec) -> bool:
        if any(a.star == "**" for a in call.args):
            return True
        arg = argument(call, spec.object_keywords, spec.object_position)
        return arg is not None or star_args_before(call, spec.object_position)

    def _version(self, version: tuple[str, tuple[int, ...], str]) -> tuple[bool, str]:
        distribution, since, written = version
        dependency = project_info(self.context.config.root).get(distribution)
        if dependency is None:
            return True, f"no {distribution} version is declared in this project, so it may be older than {written}"
        older = may_be_older(dependency.specifier, dependency.locked, since)
        if dependency.locked:
            where = f"{distribution} {dependency.locked} in {dependency.source}"
        elif dependency.specifier:
            where = f"{distribution}{dependency.specifier} in {dependency.source}"
        else:
            where = f"{distribution} without a version bound in {dependency.source}"
        return older, f"this project allows versions older than {written}: {where}"

    def _note_configured(self, node: cst.Call) -> None:
        """``session.mount(prefix, adapter)`` with an adapter that is not the library's
        plain one: the adapter may set default timeouts, so the object counts as configured."""
        assert isinstance(node.func, cst.Attribute)
        built = self.names.constructor(node.func.value)
        if built is None:
            return
        adapter = argument(node, ("adapter",), 1)
        if adapter is not None:
            traced = self.names.constructor(look_through(self.names, adapter.value), subclasses=True)
            plain = traced is not None and canonical(traced.qualname, self.specs.aliases) in self.plain_arguments
            if plain and (traced.through is None or not mentions(traced.through, self.timeout_keywords)):  # type: ignore[union-attr]
                return  # the plain adapter, or a subclass of it that sets no timeout
        self.configured.add(id(built.call))
