"""Static migration history for Django and Alembic: read as text, never imported.

The checks need to know what a migration changes *in the database*, which
depends on what came before it (the previous definition of an altered field,
whether a deleted model was a proxy). This package rebuilds that history from
the migration files alone: no settings, no database, no import of project code.

Modules:
- ``diagnostics``: the named findings for bad input (never exceptions).
- ``pysource``: import maps and literal values read with ``ast``.
- ``django_graph``: discovery and the migration graph (dependencies, squashes).
- ``django_state``: replay of operations into a per-migration model state.
- ``django_fields``: Django field classes -> PostgreSQL column types.
- ``django_changes``: what an ``AlterField`` does to the database.
- ``alembic_graph``: the Alembic revision chain.
"""

from .alembic_graph import AlembicHistory, AlembicRevision, load_alembic
from .diagnostics import Diagnostic
from .django_changes import (
    AlterFieldChange,
    ChangeKind,
    classify_alter_field,
    is_column_free,
)
from .django_graph import DjangoProject, MigrationFile, MigrationGraph, load_project
from .django_state import (
    FieldDef,
    ModelState,
    OperationRecord,
    ProjectHistory,
    ProjectState,
    replay,
)

__all__ = [
    "AlembicHistory",
    "AlembicRevision",
    "AlterFieldChange",
    "ChangeKind",
    "Diagnostic",
    "DjangoProject",
    "FieldDef",
    "MigrationFile",
    "MigrationGraph",
    "ModelState",
    "OperationRecord",
    "ProjectHistory",
    "ProjectState",
    "classify_alter_field",
    "is_column_free",
    "load_alembic",
    "load_project",
    "replay",
]
