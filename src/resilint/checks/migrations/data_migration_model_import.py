"""The ``data-migration-model-import`` check kind (REL424): a ``RunPython`` function uses a model
imported from the application instead of ``apps.get_model()``.

A data migration runs against the *historical* model, the state of the schema at that point of
the migration history, which ``apps.get_model("app", "Model")`` gives. The imported class is the
model of today's code: once a later migration adds a field, the old migration selects or inserts
a column that does not exist yet and fails on every fresh database (tests, new environments,
disaster recovery). django-migration-linter's ``RUNPYTHON_MODEL_IMPORT``.

A model is recognised by its manager: ``X.objects`` (or ``_default_manager``, ``_base_manager``)
where ``X`` is bound by an import (module level or inside the function) from the project or a
``models`` module of Django's contrib apps (not ``auth``/``contenttypes``, see STABLE_CONTRIB).
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.migration_rule import MigrationRule
from resilint.rule import Param


# Django's own auth and contenttypes models: their schema changes only with Django itself, and
# ContentType.objects.get_for_model() exists only on the real manager, so migrations use them
# on purpose (netbox, paperless-ngx). Judged debatable on real code: not reported.
STABLE_CONTRIB = ("django.contrib.auth.", "django.contrib.contenttypes.")


class DataMigrationModelImport(MigrationRule):
    kind = "data-migration-model-import"
    description = "A RunPython function uses an imported model instead of apps.get_model()."
    parameters = {"managers": Param(list, doc="manager attributes that mark a model class, e.g. ['objects']")}

    def __init__(self, standard, context) -> None:
        super().__init__(standard, context)
        self.reported: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self.framework != "django" or self.silenced or not self.functions:
            return
        if self.functions[0] not in self.forward_functions | self.reverse_functions:
            return
        if node.attr.value not in self.param("managers") or not isinstance(node.value, (cst.Name, cst.Attribute)):
            return
        qualname = self.names.qualified_name(node.value)
        if qualname is None or qualname in self.reported:
            return
        if qualname.startswith("django.") and (".models." not in qualname or qualname.startswith(STABLE_CONTRIB)):
            return
        self.reported.add(qualname)
        self.report(node, f"{self.written_expr(node.value)} is the model imported from {qualname!r}, not the "
                          f"historical model: once a later migration changes it, this data migration queries "
                          f"columns that do not exist yet and fails on a fresh database; use "
                          f"apps.get_model(\"<app_label>\", \"{qualname.rsplit('.', 1)[-1]}\") in the function")

    def written_expr(self, node: cst.BaseExpression) -> str:
        from resilint.checks.common.arguments import source_of

        return source_of(self.context.module, node)
