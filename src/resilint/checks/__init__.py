"""The built-in check kinds, one module per area. Each standard in ``rules/*.toml``
names one of these with ``check = "<kind>"``.

Every :class:`~resilint.rule.Rule` subclass with a ``kind`` defined in a module
of this package is registered: adding a check kind is adding a module (or a
class to one), with no list to keep in step.
"""

from __future__ import annotations

import importlib
import pkgutil

from resilint.rule import Rule


def _discover() -> tuple[type[Rule], ...]:
    kinds: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.kind and value.__module__ == module.__name__:
                kinds[value.kind] = value
    return tuple(kinds[k] for k in sorted(kinds))


BUILTIN_KINDS: tuple[type[Rule], ...] = _discover()
