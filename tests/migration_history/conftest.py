"""The ``tree`` fixture for the migration-history tests."""

from .helpers import tree  # noqa: F401
