"""The plugin manager: built-ins plus entry points in the group ``resilint``.

A plugin that fails to load, or whose hook raises, is named in an error and
left out; the run goes on with the rest.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pluggy

from resilint import hookspecs
from resilint.checks.index import KindRef
from resilint.config.standards import Standard, load_standard_file, parse_standard
from resilint.errors import ConfigError
from resilint.rule import Rule

ENTRY_POINT_GROUP = "resilint"


@dataclass
class Registry:
    """Everything the plugins contributed."""

    kinds: dict[str, type[Rule] | KindRef] = field(default_factory=dict)  # KindRef: imported when used
    standards: list[Standard] = field(default_factory=list)
    reporters: dict[str, Any] = field(default_factory=dict)
    provenance_sources: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # plugin failures, named
    plugin_versions: dict[str, str] = field(default_factory=dict)


def make_plugin_manager(extra_plugins: Iterable[object] = ()) -> tuple[pluggy.PluginManager, list[str], dict[str, str]]:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    from resilint.config import builtin

    pm.register(builtin, name="resilint.builtin")
    errors: list[str] = []
    versions: dict[str, str] = {}
    for ep in _entry_points():
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
            dist = getattr(ep, "dist", None)
            versions[ep.name] = f"{dist.name}=={dist.version}" if dist is not None else "?"
        except Exception as exc:  # any plugin bug must not end the run
            errors.append(f"plugin {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}")
    for plugin in extra_plugins:
        pm.register(plugin)
    return pm, errors, versions


def _entry_points() -> Iterable[Any]:
    """The installed entry points of the group ``resilint``."""
    if not _may_have_plugins():
        return ()
    import importlib.metadata

    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


_GROUP_HEADER = re.compile(rf"^\s*\[\s*{ENTRY_POINT_GROUP}\s*\]\s*$", re.MULTILINE)


def _may_have_plugins() -> bool:
    """False only when no distribution on ``sys.path`` declares a ``resilint`` entry
    point, judged from their ``entry_points.txt`` files: importing importlib.metadata
    (it brings the email package) costs more than the rest of a run on a file with no
    trigger, and almost no installation has a plugin. What this look cannot see
    through (a zip or an egg on the path, a distribution finder of its own) is a
    "maybe": importlib.metadata then decides, as it always did."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if finder is not PathFinder and getattr(finder, "find_distributions", None) is not None:
            return True
    for entry in sys.path:
        folder = entry or "."
        if folder.endswith(".egg"):
            return True
        try:
            children = os.scandir(folder)
        except (FileNotFoundError, PermissionError):
            continue  # importlib.metadata skips these too
        except OSError:  # a zip file, or something stranger
            return True
        with children:
            for child in children:
                name = child.name
                if name.endswith(".egg"):
                    return True
                if not name.endswith((".dist-info", ".egg-info")):
                    continue
                try:
                    with open(os.path.join(child.path, "entry_points.txt"), encoding="utf-8", errors="replace") as handle:
                        text = handle.read()
                except (FileNotFoundError, NotADirectoryError):
                    continue
                except OSError:
                    return True
                if _GROUP_HEADER.search(text):
                    return True
    return False


def _call_each(pm: pluggy.PluginManager, hook_name: str, errors: list[str]) -> list[tuple[str, Any]]:
    """Call a hook's implementations one by one, so one failing plugin is isolated."""
    results: list[tuple[str, Any]] = []
    hook: Any = getattr(pm.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):  # registration order
        try:
            value = impl.function()
        except Exception as exc:
            errors.append(f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}")
            continue
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


def build_registry(extra_plugins: Iterable[object] = ()) -> Registry:
    pm, errors, versions = make_plugin_manager(extra_plugins)
    registry = Registry(errors=errors, plugin_versions=versions)
    for plugin, kinds in _call_each(pm, "resilint_check_kinds", registry.errors):
        for kind in kinds:
            _add_kind(registry, plugin, kind)
    for plugin, items in _call_each(pm, "resilint_standards", registry.errors):
        try:
            for item in items:
                if isinstance(item, (str, Path)):
                    registry.standards.extend(load_standard_file(Path(item)))
                else:
                    registry.standards.append(parse_standard(item, f"plugin {plugin}"))
        except ConfigError as exc:
            registry.errors.append(f"plugin {plugin!r}: {exc}")
    for plugin, reporters in _call_each(pm, "resilint_reporters", registry.errors):
        for name, reporter in dict(reporters).items():
            registry.reporters.setdefault(name, reporter)
    for _plugin, sources in _call_each(pm, "resilint_provenance_sources", registry.errors):
        registry.provenance_sources.extend(sources)
    registry.provenance_sources.sort(key=lambda s: getattr(s, "order", 100))
    return registry


def _add_kind(registry: Registry, plugin: str, kind: type[Rule] | KindRef) -> None:
    if not (isinstance(kind, KindRef) or isinstance(kind, type) and issubclass(kind, Rule) and kind.kind):
        registry.errors.append(f"plugin {plugin!r} returned {kind!r}, not a Rule subclass with a kind name")
        return
    existing = registry.kinds.get(kind.kind)
    if existing is not None and _where(existing) == _where(kind):
        return  # the same class again (a plugin may return a built-in kind it extends)
    if existing is not None:
        registry.errors.append(f"plugin {plugin!r}: check kind {kind.kind!r} is already defined by {_where(existing)[0]}")
        return
    registry.kinds[kind.kind] = kind


def _where(kind: type[Rule] | KindRef) -> tuple[str, str]:
    return (kind.module, kind.qualname) if isinstance(kind, KindRef) else (kind.__module__, kind.__qualname__)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of installed plugins, built once per process."""
    return build_registry()

