"""Destructive cloud calls: boto3 clients and resources that delete infrastructure
or data in bulk, and calls that switch off deletion safeguards.

Objects are traced to the boto3 call that made them (``boto3.client("rds")``,
``boto3.Session().resource("s3")``, bound in the same scope, at module level
or on ``self``), through resource objects (``s3.Bucket(name)``) and their
collections (``bucket.objects.all()``). Which verbs destroy what is data, per
service, in ``rules/destructive.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst

from resilint.checks._literals import literal_bool, string_literal
from resilint.checks._util import (
    has_star_kwargs,
    keyword_arg,
    positional_arg,
    source_of,
    import_triggers,
)
from resilint.names import Constructed, NameResolver, Scope
from resilint.rule import Param, Rule
from resilint.standards import Standard

_MAX_DEPTH = 8


@dataclass(frozen=True)
class Boto:
    """What a boto3 object is: a client, a service resource, a resource object
    (``Bucket``) or a collection (``bucket.objects``)."""

    kind: str  # "client" | "resource" | "object" | "collection"
    service: str | None  # "s3"; None when the service name is not a literal
    type: str | None = None  # "Bucket" for objects, "objects" for collections


class BotoTracer:
    def __init__(
        self, names: NameResolver, clients: Iterable[str], resources: Iterable[str], collection_methods: Iterable[str]
    ) -> None:
        self.names = names
        self.clients = frozenset(clients)
        self.resources = frozenset(resources)
        self.collection_methods = frozenset(collection_methods)

    def trace(self, expr: cst.BaseExpression, depth: int = 0) -> Boto | None:
        if depth > _MAX_DEPTH:
            return None
        made = self.names.constructor(expr)
        if made is not None:
            return self._constructed(made, depth)
        class_value = self._class_attribute(expr)
        if class_value is not None:  # class Ops: rds = boto3.client("rds") ... self.rds
            return self.trace(class_value, depth + 1)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            name = expr.func.attr.value
            if name in self.collection_methods:  # bucket.objects.filter(...)
                inner = self.trace(expr.func.value, depth + 1)
                return inner if inner is not None and inner.kind == "collection" else None
            if name[:1].isupper():  # self.ec2.Instance(iid), when self.ec2 is a class attribute
                owner = self.trace(expr.func.value, depth + 1)
                if owner is not None and owner.kind in ("resource", "object"):
                    return Boto("object", owner.service, name)
            return None
        if isinstance(expr, cst.Attribute):  # bucket.objects, ec2.instances
            owner = self.trace(expr.value, depth + 1)
            if owner is not None and owner.kind in ("resource", "object"):
                return Boto("collection", owner.service, expr.attr.value)
        return None

    def _class_attribute(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """``self.<attr>`` / ``cls.<attr>`` set in the class body (not in a method)."""
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return None
        scope: Scope | None = self.names.scope
        while scope is not None and scope.kind != "function":
            scope = scope.parent
        if scope is None or scope.self_name != expr.value.value or scope.parent is None or scope.parent.kind != "class":
            return None
        binding = scope.parent.bindings.get(expr.attr.value)
        return binding.value if binding is not None else None

    def _constructed(self, made: Constructed, depth: int) -> Boto | None:
        if made.qualname in self.clients:
            return Boto("client", _service(made.call))
        if made.qualname in self.resources:
            return Boto("resource", _service(made.call))
        func = made.call.func
        if isinstance(func, cst.Attribute) and func.attr.value[:1].isupper():  # s3.Bucket("name")
            owner = self.trace(func.value, depth + 1)
            if owner is not None and owner.kind in ("resource", "object"):
                return Boto("object", owner.service, func.attr.value)
        return None


def _service(call: cst.Call) -> str | None:
    arg = positional_arg(call, 0) or keyword_arg(call, ("service_name",))
    return string_literal(arg.value) if arg is not None else None


class _BotoRule(Rule):
    sliceable = True  # see Rule.sliceable

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        return import_triggers([*standard.params.get("client-factories", ()), *standard.params.get("resource-factories", ())])

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        self.tracer = BotoTracer(
            self.names,
            self.param("client-factories"),
            self.param("resource-factories"),
            self.param("collection-methods"),
        )

    def receiver(self, node: cst.Call) -> Boto | None:
        if not isinstance(node.func, cst.Attribute):
            return None
        return self.tracer.trace(node.func.value)


_FACTORY_PARAMS = {
    "client-factories": Param(list, doc="qualified names that make a client, e.g. 'boto3.client'"),
    "resource-factories": Param(list, doc="qualified names that make a service resource"),
    "collection-methods": Param(list, doc="collection methods that return a collection: all, filter, limit"),
}


class DestructiveCloudCall(_BotoRule):
    kind = "destructive-cloud-call"
    description = "A boto3 call that destroys infrastructure or data in bulk."
    parameters = {
        **_FACTORY_PARAMS,
        "client-verbs": Param(dict, doc="service -> client methods that destroy infrastructure or data in bulk"),
        "resource-actions": Param(dict, doc="service -> resource type -> destructive actions"),
        "collection-actions": Param(list, doc="batch actions on collections, e.g. delete, terminate"),
        "dry-run-keyword": Param(str, doc="the keyword that makes the call a rehearsal"),
    }

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute) or has_star_kwargs(node):
            return
        verb = node.func.attr.value
        if not self._candidate(verb):
            return
        boto = self.receiver(node)
        if boto is None or not self._destructive(boto, verb):
            return
        dry_run = keyword_arg(node, (self.param("dry-run-keyword"),))
        if dry_run is not None and literal_bool(dry_run.value) is not False:
            return  # a rehearsal, or decided at run time
        service = boto.service or "AWS"
        written = f"{source_of(self.context.module, node.func)}()"
        if boto.kind == "collection":
            what = f"{written} is a batch {verb} over the {service} collection {boto.type!r}"
        elif boto.kind == "object":
            what = f"{written} destroys the {service} {boto.type}"
        else:
            what = f"{written} destroys {service} infrastructure or data in bulk"
        self.report(
            node,
            f"{what}; boto3 does it at once, with no confirmation and no undo: require an explicit "
            "confirmation or dry run (DryRun=True where the API has it), and keep deletion protection "
            "and final snapshots on",
        )

    def _candidate(self, verb: str) -> bool:
        """Cheap pre-check before tracing the receiver."""
        if verb in self.param("collection-actions"):
            return True
        if any(verb in verbs for verbs in self.param("client-verbs").values()):
            return True
        return any(verb in actions for types in self.param("resource-actions").values() for actions in types.values())

    def _destructive(self, boto: Boto, verb: str) -> bool:
        if boto.kind == "client":
            verbs: Mapping[str, list[str]] = self.param("client-verbs")
            if boto.service is None:
                return any(verb in v for v in verbs.values())
            return verb in verbs.get(boto.service, ())
        if boto.kind == "object":
            actions: Mapping[str, Mapping[str, list[str]]] = self.param("resource-actions")
            services = [actions.get(boto.service, {})] if boto.service is not None else list(actions.values())
            return any(verb in types.get(boto.type or "", ()) for types in services)
        if boto.kind == "collection":
            return verb in self.param("collection-actions")
        return False


class DeletionSafeguardDisabled(_BotoRule):
    kind = "deletion-safeguard-disabled"
    description = "A boto3 call that switches off a deletion safeguard."
    parameters = {
        **_FACTORY_PARAMS,
        "unsafe-values": Param(
            dict, doc="keyword -> the literal(s) that disable the safeguard (bool, string or a list); 'Prefix*' matches a prefix"
        ),
    }

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        hits = [arg for arg in node.args if arg.keyword is not None and self._unsafe(arg)]
        if not hits or self.receiver(node) is None:
            return
        written = ", ".join(f"{a.keyword.value}={source_of(self.context.module, a.value)}" for a in hits if a.keyword)
        self.report(
            node,
            f"{source_of(self.context.module, node.func)}() with {written} switches off a safeguard against losing "
            "data for good (final snapshot, deletion protection, recovery window, retention); keep it on, and "
            "lift protection, if ever, in a separate reviewed step",
        )

    def _unsafe(self, arg: cst.Arg) -> bool:
        assert arg.keyword is not None
        value: bool | str | None = literal_bool(arg.value)
        if value is None:
            value = string_literal(arg.value)
        if value is None:
            return False  # decided at run time
        name = arg.keyword.value
        for keyword, unsafe in self.param("unsafe-values").items():
            matches = name.startswith(keyword[:-1]) if keyword.endswith("*") else name == keyword
            values = unsafe if isinstance(unsafe, list) else [unsafe]
            if matches and any(type(v) is type(value) and v == value for v in values):
                return True
        return False
