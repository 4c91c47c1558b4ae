"""The built-in check kinds: one package per family (``checks/<family>/``, mirroring
``rules/<family>.toml``), one module per kind, named after the kind
(``check = "unbounded-retry-loop"`` -> ``checks/retries/unbounded_retry_loop.py``).

Every :class:`~resilint.rule.Rule` subclass with a ``kind`` defined in a module of
this package is registered: adding a check kind is adding a module, with no list to
keep in step. Helper modules shared by a family sit beside its kinds; helpers shared
across families are in :mod:`resilint.checks.common`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from resilint.rule import Rule


@cache
def builtin_kinds() -> tuple[type[Rule], ...]:
    """Every built-in check kind, sorted by kind name (imported on first use only)."""
    kinds: dict[str, type[Rule]] = {}
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        if info.ispkg or any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.kind and value.__module__ == module.__name__:
                kinds[value.kind] = value
    return tuple(kinds[k] for k in sorted(kinds))
