"""Replaying Django migration operations into a static model state.

Whether an ``AlterField`` rewrites a table, or a ``DeleteModel`` drops one,
depends on what came before: the field's previous definition, whether the
model is a proxy or unmanaged. Django answers that with ``ProjectState``
built from imported migrations; this module builds the equivalent from the
parsed files, in graph order, once per project.

Snapshots are cheap: a ``ModelState`` is never mutated (an operation makes a
new one, copy-on-write), so the state before a migration is a shallow copy of
the ``{(app, model): ModelState}`` map -- a few microseconds per migration.
``SeparateDatabaseAndState`` is opened both ways: ``state_operations`` change
the state, ``database_operations`` are replayed on a scratch copy (as Django's
``database_forwards`` does) so that each carries the previous definition it
acts on, and every ``OperationRecord`` says whether it hits the database.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from . import diagnostics as d
from .diagnostics import Diagnostic
from .django_graph import DjangoProject, Key, MigrationFile, MigrationGraph
from .pysource import (
    ImportMap,
    Opaque,
    Value,
    dotted,
    gc_paused,
    literal,
    module_constants,
    string,
)

# Where Django's migration operations live (also what the rule-level reader, django.py, resolves).
OPERATION_MODULES = frozenset({
    "django.db.migrations",
    "django.db.migrations.operations",
    "django.db.migrations.operations.fields",
    "django.db.migrations.operations.models",
    "django.db.migrations.operations.special",
    "django.contrib.postgres.operations",
})

# Django's signatures, for positional arguments.
SIGNATURES: Mapping[str, tuple[str, ...]] = {
    "CreateModel": ("name", "fields", "options", "bases", "managers"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AlterModelTable": ("name", "table"),
    "AlterModelTableComment": ("name", "table_comment"),
    "AlterUniqueTogether": ("name", "unique_together"),
    "AlterIndexTogether": ("name", "index_together"),
    "AlterOrderWithRespectTo": ("name", "order_with_respect_to"),
    "AlterModelOptions": ("name", "options"),
    "AlterModelManagers": ("name", "managers"),
    "AddField": ("model_name", "name", "field", "preserve_default"),
    "RemoveField": ("model_name", "name"),
    "AlterField": ("model_name", "name", "field", "preserve_default"),
    "RenameField": ("model_name", "old_name", "new_name"),
    "AddIndex": ("model_name", "index"),
    "RemoveIndex": ("model_name", "name"),
    "RenameIndex": ("model_name", "new_name", "old_name", "old_fields"),
    "AddConstraint": ("model_name", "constraint"),
    "RemoveConstraint": ("model_name", "name"),
    "AlterConstraint": ("model_name", "name", "constraint"),
    "AddIndexConcurrently": ("model_name", "index"),
    "RemoveIndexConcurrently": ("model_name", "name"),
    "AddConstraintNotValid": ("model_name", "constraint"),
    "ValidateConstraint": ("model_name", "name"),
    "RunSQL": ("sql", "reverse_sql", "state_operations", "hints", "elidable"),
    "RunPython": ("code", "reverse_code", "atomic", "hints", "elidable"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
}
# Operations whose state effect is only recorded (indexes, constraints, extensions, code).
RECORDED = frozenset({
    "AddIndex", "RemoveIndex", "RenameIndex", "AddConstraint", "RemoveConstraint", "AlterConstraint",
    "AddIndexConcurrently", "RemoveIndexConcurrently", "AddConstraintNotValid", "ValidateConstraint",
    "AlterModelManagers", "AlterModelTableComment", "AlterOrderWithRespectTo", "RunPython", "RunSQL",
    "CreateExtension", "BtreeGinExtension", "BtreeGistExtension", "CITextExtension", "CryptoExtension",
    "HStoreExtension", "TrigramExtension", "UnaccentExtension", "CreateCollation", "RemoveCollation",
})
# Operations that name no model.
NO_MODEL = frozenset({
    "RunPython", "CreateExtension", "BtreeGinExtension", "BtreeGistExtension", "CITextExtension",
    "CryptoExtension", "HStoreExtension", "TrigramExtension", "UnaccentExtension", "CreateCollation",
    "RemoveCollation",
})
# AlterModelOptions replaces exactly these keys (django.db.migrations.operations.models).
ALTER_OPTION_KEYS = frozenset({
    "base_manager_name", "default_manager_name", "default_related_name", "get_latest_by", "managed",
    "ordering", "permissions", "default_permissions", "select_on_save", "verbose_name", "verbose_name_plural",
})
_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "TreeForeignKey", "TreeOneToOneField",
                        "TreeManyToManyField", "ParentalKey", "ParentalManyToManyField", "SortedManyToManyField"})
# Field(verbose_name, name, primary_key, max_length, unique, blank, null, db_index, ...)
_FIELD_POSITIONAL = ("verbose_name", "name", "primary_key", "max_length", "unique", "blank", "null", "db_index")

Scope = Literal["operations", "state_operations", "database_operations"]


# -- values ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDef:
    """A field as a migration writes it: class and arguments, never instantiated."""

    cls: str  # as written: "models.CharField"
    path: str | None  # resolved through imports: "django.db.models.CharField"
    kwargs: tuple[tuple[str, Value], ...] = ()  # positional arguments mapped to their names
    opaque: bool = False  # not a call, or ``**kwargs``: options cannot be known

    @property
    def class_name(self) -> str:
        return (self.path or self.cls).rsplit(".", 1)[-1]

    @cached_property
    def options(self) -> Mapping[str, Value]:
        return dict(self.kwargs)

    def get(self, name: str, default: Value = None) -> Value:
        return self.options.get(name, default)

    def describe(self) -> str:
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.kwargs if k not in _NOISY)
        return f"{self.cls}({args})"


_NOISY = frozenset({"help_text", "verbose_name", "choices", "validators", "error_messages"})


def _short(value: Value) -> str:
    text = value.describe() if isinstance(value, FieldDef) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class ModelState:
    app: str
    name: str  # as written
    fields: Mapping[str, FieldDef]
    options: Mapping[str, Value] = field(default_factory=dict)
    bases: tuple[Value, ...] = ()
    known: bool = True  # False: a placeholder for a model whose creation the replay never saw

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def managed(self) -> bool:
        return self.options.get("managed", True) is not False

    @property
    def proxy(self) -> bool:
        return self.options.get("proxy", False) is True

    @property
    def db_table(self) -> str:
        table = self.options.get("db_table")
        return table if isinstance(table, str) else f"{self.app}_{self.name_lower}"

    @property
    def has_table(self) -> bool:
        """Proxy and unmanaged models touch no table of their own."""
        return self.managed and not self.proxy

    def pk(self) -> tuple[str, FieldDef] | None:
        for name, f in self.fields.items():
            if f.get("primary_key") is True:
                return name, f
        return ("id", self.fields["id"]) if "id" in self.fields else None


@dataclass(frozen=True)
class ProjectState:
    models: Mapping[tuple[str, str], ModelState]
    auth_user_model: str = "auth.User"

    def model(self, app: str, name: str) -> ModelState | None:
        return self.models.get((app, name.lower()))

    def related_model(self, ref: Value, app: str) -> ModelState | None:
        """The model a ``to=`` argument names: ``"app.Model"``, ``"Model"``, ``"self"`` is not resolvable
        here (use the owning model), ``settings.AUTH_USER_MODEL``."""
        key = model_key(ref, app, self.auth_user_model)
        return self.models.get(key) if key else None


def model_key(ref: Value, app: str, auth_user_model: str = "auth.User") -> tuple[str, str] | None:
    if isinstance(ref, Opaque):
        if ref.source.endswith("AUTH_USER_MODEL"):
            ref = auth_user_model
        else:
            return None
    if not isinstance(ref, str):
        return None
    if "." in ref:
        a, _, m = ref.rpartition(".")
        return (a, m.lower())
    return (app, ref.lower())


@dataclass(frozen=True)
class OperationRecord:
    """One operation as replayed, with what it acted on."""

    migration: Key
    position: tuple[int | str, ...]  # (3,) or (3, "database_operations", 0)
    kind: str  # "AddField", or the qualified name of an unknown operation
    known: bool
    app: str
    model: str | None  # lower-cased model name
    name: str | None  # field name (new name for renames)
    field: FieldDef | None  # the new definition (AddField, AlterField)
    previous: FieldDef | None  # the old one (AlterField, RenameField, RemoveField)
    model_before: ModelState | None  # the model just before the operation
    affects_state: bool
    affects_database: bool
    scope: Scope
    line: int
    call: ast.Call | None
    extra: Mapping[str, Value] = field(default_factory=dict)


# -- replay ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HistoryView:
    """One graph view replayed: state before each migration and its operation records."""

    graph: MigrationGraph
    before: Mapping[Key, ProjectState]
    after: Mapping[Key, ProjectState]
    records: Mapping[Key, tuple[OperationRecord, ...]]
    final: ProjectState
    diagnostics: tuple[Diagnostic, ...]


def replay(project: DjangoProject, expanded: bool = False) -> HistoryView:
    """Replay every migration of one view in graph order."""
    with gc_paused():
        return _replay(project, expanded)


def _replay(project: DjangoProject, expanded: bool) -> HistoryView:
    graph = project.expanded_graph if expanded else project.graph
    auth = project.auth_user_model
    models: dict[tuple[str, str], ModelState] = {}
    before: dict[Key, ProjectState] = {}
    after: dict[Key, ProjectState] = {}
    records: dict[Key, tuple[OperationRecord, ...]] = {}
    notes: list[Diagnostic] = []
    seen_unknown: set[str] = set()
    for key in graph.order:
        mf = graph.nodes[key]
        before[key] = ProjectState(MappingProxyType(dict(models)), auth)
        replayer = _Replayer(mf, models, notes, seen_unknown)
        records[key] = tuple(replayer.run())
        after[key] = ProjectState(MappingProxyType(dict(models)), auth)
    final = ProjectState(MappingProxyType(dict(models)), auth)
    return HistoryView(graph, before, after, records, final, tuple(notes))


class ProjectHistory:
    """Both views of a project, replayed on demand; answers per migration file.

    A migration in Django's fresh-database view is answered from it; an
    original replaced by a squash (only in the expanded view) from the other.
    """

    def __init__(self, project: DjangoProject) -> None:
        self.project = project
        self._views: dict[bool, HistoryView] = {}

    def view(self, expanded: bool = False) -> HistoryView:
        if expanded not in self._views:
            if expanded and self.project.expanded_graph.nodes.keys() == self.project.graph.nodes.keys():
                self._views[True] = self.view(False)  # no squash has all its originals: one view
            else:
                self._views[expanded] = replay(self.project, expanded)
        return self._views[expanded]

    def _view_for(self, key: Key) -> HistoryView:
        fresh = self.view(False)
        if key in fresh.before:
            return fresh
        expanded = self.view(True)
        if key in expanded.before:
            return expanded
        raise KeyError(f"no migration {key[0]}.{key[1]}")

    def state_before(self, app: str, migration_name: str) -> ProjectState:
        return self._view_for((app, migration_name)).before[(app, migration_name)]

    def state_after(self, app: str, migration_name: str) -> ProjectState:
        return self._view_for((app, migration_name)).after[(app, migration_name)]

    def operations(self, app: str, migration_name: str) -> tuple[OperationRecord, ...]:
        return self._view_for((app, migration_name)).records[(app, migration_name)]

    @property
    def final_state(self) -> ProjectState:
        return self.view(False).final

    def all_records(self) -> Iterator[OperationRecord]:
        """Each migration file once: the fresh view, then originals only the expanded view has."""
        fresh = self.view(False)
        for key in fresh.graph.order:
            yield from fresh.records[key]
        expanded = self.view(True)
        if expanded is not fresh:
            for key in expanded.graph.order:
                if key not in fresh.records:
                    yield from expanded.records[key]

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        out = list(self.project.diagnostics) + list(self.project.graph.diagnostics) + list(self.view(False).diagnostics)
        return tuple(out)


class _Replayer:
    """Applies one migration's operations to ``models`` (in place, copy-on-write per model)."""

    def __init__(self, mf: MigrationFile, models: dict[tuple[str, str], ModelState],
                 notes: list[Diagnostic], seen_unknown: set[str]) -> None:
        self.mf = mf
        self.app = mf.app
        self.imports = mf.imports or ImportMap(ast.Module(body=[], type_ignores=[]))
        self.models = models
        self.notes = notes
        self.seen_unknown = seen_unknown
        # Names the operations list may use: module-level, then the class body's own.
        self.constants = module_constants(mf.tree) if mf.tree is not None else {}
        if mf.klass is not None:
            self.constants.update(module_constants(ast.Module(body=mf.klass.body, type_ignores=[])))

    def run(self) -> Iterator[OperationRecord]:
        if self.mf.operations is None:
            return
        for i, call in enumerate(self._calls(self.mf.operations, "operations")):
            yield from self._operation(call, (i,), "operations", self.models, True, True)

    def _calls(self, node: ast.expr, what: str, depth: int = 0) -> Iterator[ast.expr]:
        if isinstance(node, ast.Name) and node.id in self.constants and depth < 8:
            yield from self._calls(self.constants[node.id], what, depth + 1)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            yield from self._calls(node.left, what, depth + 1)
            yield from self._calls(node.right, what, depth + 1)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    yield from self._calls(e.value, what, depth + 1)
                else:
                    yield e
        else:
            self._note(d.DYNAMIC, f"{what} is not a literal list (`{ast.unparse(node)[:60]}`); not replayed",
                       node, "warning")

    def _note(self, code: str, message: str, node: ast.AST | None, severity: d.Severity = "note") -> None:
        self.notes.append(Diagnostic(code, message, severity, self.mf.path, getattr(node, "lineno", None),
                                     self.mf.app, self.mf.name))

    def _kind(self, call: ast.Call) -> tuple[str, bool]:
        qual = self.imports.resolve(call.func)
        if qual is not None:
            module, _, short = qual.rpartition(".")
            if module in OPERATION_MODULES:
                return short, True
            return qual, False
        return dotted(call.func) or ast.unparse(call.func), False

    def _operation(self, node: ast.expr, position: tuple[int | str, ...], scope: Scope,
                   models: dict[tuple[str, str], ModelState], to_state: bool, to_db: bool) -> Iterator[OperationRecord]:
        if not isinstance(node, ast.Call):
            self._note(d.DYNAMIC, f"operation `{ast.unparse(node)[:60]}` is not a call; not replayed", node, "warning")
            return
        kind, known = self._kind(node)
        args = _bind(node, SIGNATURES.get(kind, ("model_name", "name")))
        app = self.app

        def rec(model: str | None, name: str | None = None, fdef: FieldDef | None = None,
                previous: FieldDef | None = None, before: ModelState | None = None, **extra: Value) -> OperationRecord:
            return OperationRecord(self.mf.key, position, kind, known, app, model, name, fdef, previous, before,
                                   to_state, to_db, scope, node.lineno, node, extra)

        if kind == "SeparateDatabaseAndState":
            db_ops = args.get("database_operations")
            st_ops = args.get("state_operations")
            yield rec(None)
            scratch = dict(models)  # database_forwards replays on a copy of the state
            if db_ops is not None:
                for j, sub in enumerate(self._calls(db_ops, "database_operations")):
                    yield from self._operation(sub, (*position, "database_operations", j), "database_operations",
                                               scratch, False, to_db)
            if st_ops is not None:
                for j, sub in enumerate(self._calls(st_ops, "state_operations")):
                    yield from self._operation(sub, (*position, "state_operations", j), "state_operations",
                                               models, to_state, False)
            return
        if kind == "RunSQL":
            yield rec(None)
            st_ops = args.get("state_operations")
            if st_ops is not None:
                for j, sub in enumerate(self._calls(st_ops, "state_operations")):
                    yield from self._operation(sub, (*position, "state_operations", j), "state_operations",
                                               models, to_state, False)
            return
        if kind in NO_MODEL:
            yield rec(None)
            return
        if not known:
            if kind not in self.seen_unknown:
                self.seen_unknown.add(kind)
                self._note(d.UNKNOWN_OPERATION, f"operation {kind} is not one of Django's; its state effect is "
                           "unknown (recorded, not replayed)", node)
            model = string(args.get("model_name")) or string(args.get("name"))
            yield rec(model.lower() if model else None)
            return

        if kind == "CreateModel":
            name = string(args.get("name"))
            if name is None:
                self._note(d.DYNAMIC, "CreateModel name is not a literal", node, "warning")
                yield rec(None)
                return
            fields: dict[str, FieldDef] = {}
            fnode = args.get("fields")
            if isinstance(fnode, (ast.List, ast.Tuple)):
                for element in fnode.elts:
                    if isinstance(element, (ast.Tuple, ast.List)) and len(element.elts) == 2:
                        fname = string(element.elts[0])
                        if fname is not None:
                            fields[fname] = self.field(element.elts[1])
            options = self._dict(args.get("options"))
            bases_node = args.get("bases")
            bases: tuple[Value, ...] = ()
            if isinstance(bases_node, (ast.Tuple, ast.List)):
                bases = tuple(literal(b) for b in bases_node.elts)
            state = ModelState(app, name, MappingProxyType(fields), MappingProxyType(options), bases)
            models[(app, name.lower())] = state
            yield rec(name.lower(), before=None, options=options)
            return

        if kind == "RenameModel":
            old, new = string(args.get("old_name")), string(args.get("new_name"))
            if old is None or new is None:
                yield rec(None)
                return
            before = self._model(models, old, node)
            models.pop((app, old.lower()), None)
            models[(app, new.lower())] = replace(before, name=new)
            self._repoint(models, (app, old.lower()), f"{app}.{new}")
            yield rec(new.lower(), before=before, old_name=old, new_name=new)
            return

        model_name = string(args.get("model_name") if "model_name" in args else args.get("name"))
        if model_name is None:
            self._note(d.DYNAMIC, f"{kind}: model name is not a literal; not replayed", node, "warning")
            yield rec(None)
            return
        lower = model_name.lower()
        mkey = (app, lower)

        if kind == "DeleteModel":
            before = self._model(models, model_name, node)
            models.pop(mkey, None)
            yield rec(lower, before=before)
        elif kind in ("AddField", "AlterField"):
            fname = string(args.get("name"))
            fnode = args.get("field")
            before = self._model(models, model_name, node)
            if fname is None or fnode is None:
                self._note(d.DYNAMIC, f"{kind}: field name or definition not literal", node, "warning")
                yield rec(lower, before=before)
                return
            fdef = self.field(fnode)
            previous = before.fields.get(fname)
            if kind == "AlterField" and previous is None and before.known:
                self._note(d.UNKNOWN_MODEL, f"AlterField of {app}.{model_name}.{fname}, which the replay does "
                           "not know", node)
            new_fields = dict(before.fields)
            new_fields[fname] = fdef
            models[mkey] = replace(before, fields=MappingProxyType(new_fields))
            yield rec(lower, fname, fdef, previous if kind == "AlterField" else None, before,
                      preserve_default=literal(args["preserve_default"]) if "preserve_default" in args else True)
        elif kind == "RemoveField":
            fname = string(args.get("name"))
            before = self._model(models, model_name, node)
            previous = before.fields.get(fname) if fname else None
            if fname is not None:
                new_fields = dict(before.fields)
                new_fields.pop(fname, None)
                models[mkey] = replace(before, fields=MappingProxyType(new_fields))
            yield rec(lower, fname, None, previous, before)
        elif kind == "RenameField":
            old, new = string(args.get("old_name")), string(args.get("new_name"))
            before = self._model(models, model_name, node)
            previous = before.fields.get(old) if old else None
            if old is not None and new is not None:
                new_fields = {(new if k == old else k): v for k, v in before.fields.items()}
                if previous is None:
                    new_fields[new] = FieldDef("?", None, opaque=True)
                models[mkey] = replace(before, fields=MappingProxyType(new_fields))
            yield rec(lower, new, None, previous, before, old_name=old, new_name=new)
        elif kind == "AlterModelOptions":
            before = self._model(models, model_name, node)
            new_opts = self._dict(args.get("options"))
            options = {k: v for k, v in before.options.items() if k not in ALTER_OPTION_KEYS or k in new_opts}
            options.update(new_opts)
            models[mkey] = replace(before, options=MappingProxyType(options))
            yield rec(lower, before=before, options=new_opts)
        elif kind in ("AlterModelTable", "AlterUniqueTogether", "AlterIndexTogether"):
            before = self._model(models, model_name, node)
            option = {"AlterModelTable": "db_table", "AlterUniqueTogether": "unique_together",
                      "AlterIndexTogether": "index_together"}[kind]
            value_node = args.get(SIGNATURES[kind][1])
            value = literal(value_node) if value_node is not None else None
            options = dict(before.options)
            if value is None:
                options.pop(option, None)
            else:
                options[option] = value
            models[mkey] = replace(before, options=MappingProxyType(options))
            yield rec(lower, before=before, **{option: value})
        else:  # indexes, constraints, comments, managers: recorded only
            before = models.get(mkey)
            extra = {k: literal(v) for k, v in args.items() if k in ("name", "new_name", "old_name")}
            yield rec(lower, before=before, **extra)

    def _model(self, models: dict[tuple[str, str], ModelState], name: str, node: ast.AST) -> ModelState:
        state = models.get((self.app, name.lower()))
        if state is None:
            self._note(d.UNKNOWN_MODEL, f"operation on {self.app}.{name}, which no replayed migration created",
                       node)
            state = ModelState(self.app, name, MappingProxyType({}), MappingProxyType({}), (), known=False)
            models[(self.app, name.lower())] = state
        return state

    def _repoint(self, models: dict[tuple[str, str], ModelState], old: tuple[str, str], new_ref: str) -> None:
        """RenameModel: fields pointing at the old model now point at the new one (Django's rename_model)."""
        for key, state in list(models.items()):
            changed: dict[str, FieldDef] | None = None
            for fname, f in state.fields.items():
                opts = f.options
                hits = [k for k in ("to", "through") if k in opts and model_key(opts[k], state.app) == old]
                if hits:
                    if changed is None:
                        changed = dict(state.fields)
                    changed[fname] = replace(f, kwargs=tuple((k, new_ref if k in hits else v) for k, v in f.kwargs))
            if changed is not None:
                models[key] = replace(state, fields=MappingProxyType(changed))

    def _dict(self, node: ast.expr | None) -> dict[str, Value]:
        if not isinstance(node, ast.Dict):
            return {}
        out: dict[str, Value] = {}
        for k, v in zip(node.keys, node.values):
            key = string(k) if k is not None else None
            if key is not None:
                out[key] = literal(v)
        return out

    def field(self, node: ast.expr) -> FieldDef:
        return parse_field(node, self.imports)


def parse_field(node: ast.expr, imports: ImportMap) -> FieldDef:
    """``models.CharField(max_length=10)`` -> FieldDef; positional arguments named by Django's signatures."""
    if not isinstance(node, ast.Call):
        return FieldDef(ast.unparse(node), None, opaque=True)
    written = dotted(node.func) or ast.unparse(node.func)
    path = _normalise(imports.resolve(node.func))
    short = (path or written).rsplit(".", 1)[-1]
    kwargs: list[tuple[str, Value]] = []
    if short in _RELATIONS:
        names: tuple[str, ...] = ("to", "on_delete") if "Many" not in short else ("to",)
    elif short == "ArrayField":
        names = ("base_field", "size")
    elif short == "DecimalField":
        names = ("verbose_name", "name", "max_digits", "decimal_places")
    else:
        names = _FIELD_POSITIONAL
    opaque = False
    for i, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred) or i >= len(names):
            opaque = True
            continue
        kwargs.append((names[i], _value(names[i], arg, imports)))
    for kw in node.keywords:
        if kw.arg is None:
            opaque = True
            continue
        kwargs.append((kw.arg, _value(kw.arg, kw.value, imports)))
    return FieldDef(written, path, tuple(kwargs), opaque)


def _value(name: str, node: ast.expr, imports: ImportMap) -> Value:
    if name == "base_field" and isinstance(node, ast.Call):
        return parse_field(node, imports)  # type: ignore[return-value]
    return literal(node)


def _normalise(path: str | None) -> str | None:
    """One spelling per Django class (``django.db.models.fields.CharField`` -> ``django.db.models.CharField``)."""
    if path is None:
        return None
    if path.startswith("django.db.models."):
        return "django.db.models." + path.rsplit(".", 1)[-1]
    if path.startswith("django.contrib.postgres.fields."):
        return "django.contrib.postgres.fields." + path.rsplit(".", 1)[-1]
    return path


def _bind(call: ast.Call, signature: tuple[str, ...]) -> dict[str, ast.expr]:
    out: dict[str, ast.expr] = {}
    for i, arg in enumerate(call.args):
        if i < len(signature) and not isinstance(arg, ast.Starred):
            out[signature[i]] = arg
    for kw in call.keywords:
        if kw.arg is not None:
            out[kw.arg] = kw.value
    return out
