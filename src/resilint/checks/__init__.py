"""The built-in check kinds: one package per family (``checks/<family>/``, mirroring
``rules/<family>.toml``), one module per kind, named after the kind
(``check = "unbounded-retry-loop"`` -> ``checks/retries/unbounded_retry_loop.py``).

Every :class:`~resilint.rule.Rule` subclass with a ``kind`` defined in a module of
a family package is registered: adding a check kind is adding a module, with no list
to keep in step. Helper modules shared by a family sit beside its kinds (or in a
sub-package of the family, such as ``migrations/history/``, which loads only when a
rule imports it); helpers shared across families are in :mod:`resilint.checks.common`.

The engine does not import them up front: it registers :func:`builtin_kind_refs`,
facts about each kind read from a generated index (index.py), and imports a kind
when a file first needs its code.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from typing import TYPE_CHECKING

from resilint.rule import Rule

if TYPE_CHECKING:
    from resilint.checks.index import KindRef


def builtin_kind_refs() -> tuple[KindRef, ...]:
    """Every built-in check kind as a :class:`~resilint.checks.index.KindRef`,
    sorted by kind name, without importing any of them."""
    from resilint.checks.index import kind_index  # not at import: `python -m resilint.checks.index` runs it

    refs = kind_index().refs
    return tuple(refs[k] for k in sorted(refs))


@cache
def builtin_kinds() -> tuple[type[Rule], ...]:
    """Every built-in check kind, sorted by kind name (imported on first use only).

    Kinds are the modules of the family packages (``checks/<family>/<kind>.py``);
    a family's sub-packages hold helpers (``migrations/history/``) and are not
    imported here: they load when a rule first needs them."""
    kinds: dict[str, type[Rule]] = {}
    for family in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if not family.ispkg or family.name.rsplit(".", 1)[1].startswith("_"):
            continue
        package = importlib.import_module(family.name)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{family.name}."):
            if info.ispkg or info.name.rsplit(".", 1)[1].startswith("_"):
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value.kind and value.__module__ == module.__name__:
                    kinds[value.kind] = value
    return tuple(kinds[k] for k in sorted(kinds))
