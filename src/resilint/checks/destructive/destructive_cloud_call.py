"""The ``destructive-cloud-call`` check kind (REL501).

A boto3 call that destroys infrastructure or data in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from resilint.checks.common.arguments import (
    has_star_kwargs,
    keyword_arg,
    source_of,
)
from resilint.checks.destructive.boto import FACTORY_PARAMS, Boto, BotoRule
from resilint.engine.literals import literal_bool
from resilint.rule import Param


class DestructiveCloudCall(BotoRule):
    kind = "destructive-cloud-call"
    description = "A boto3 call that destroys infrastructure or data in bulk."
    parameters = {
        **FACTORY_PARAMS,
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
