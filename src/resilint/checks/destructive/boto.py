"""Destructive cloud calls: boto3 clients and resources that delete infrastructure
or data in bulk, and calls that switch off deletion safeguards.

Objects are traced to the boto3 call that made them (``boto3.client("rds")``,
``boto3.Session().resource("s3")``, bound in the same scope, at module level
or on ``self``), through resource objects (``s3.Bucket(name)``) and their
collections (``bucket.objects.all()``). Which verbs destroy what is data, per
service, in ``rules/destructive.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import libcst as cst

from resilint.checks.common.arguments import (
    import_triggers,
    keyword_arg,
    positional_arg,
)
from resilint.config.standards import Standard
from resilint.engine.literals import string_literal
from resilint.engine.names import Constructed, NameResolver, Scope
from resilint.rule import Param, Rule

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


class BotoRule(Rule):
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


FACTORY_PARAMS = {
    "client-factories": Param(list, doc="qualified names that make a client, e.g. 'boto3.client'"),
    "resource-factories": Param(list, doc="qualified names that make a service resource"),
    "collection-methods": Param(list, doc="collection methods that return a collection: all, filter, limit"),
}
