"""``resilint flags``: the flag keys the code evaluates, against the manifest.

Lists every evaluated key with where it is evaluated and, from the manifest,
its owner and expiry; keys the manifest does not know; keys that cannot be
listed because they are computed; and *stale* flags: manifest entries that no
checked file evaluates any more (the code-side counterpart of the vendors'
stale-flag dashboards). Stale is relative to the paths given: check the whole
project for a meaningful list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import libcst as cst

from resilint import __version__
from resilint.checks.common.arguments import source_of
from resilint.checks.flags.manifest import Manifest, ManifestEntry, manifest_for
from resilint.checks.flags.sdks import FlagEvaluation, recognize, static_key
from resilint.config.settings import Config
from resilint.engine.discovery import discover
from resilint.engine.guard import assess
from resilint.engine.names import NameResolver
from resilint.engine.positions import spans_of
from resilint.engine.reading import decode_source
from resilint.engine.walk import walk
from resilint.model import FileError
from resilint.paths import display_path


@dataclass(frozen=True)
class FlagUse:
    """One evaluation found in the code."""

    path: str
    line: int
    column: int
    sdk: str
    method: str
    key: str | None  # the literal key (negation prefix removed); None when not a literal
    kind: str  # "literal" | "external" (imported constant) | "dynamic" | "missing"
    expression: str  # the key as written


@dataclass
class Inventory:
    manifest: Manifest | None
    today: dt.date
    uses: list[FlagUse] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: int = 0

    def keys(self) -> dict[str, list[FlagUse]]:
        by_key: dict[str, list[FlagUse]] = {}
        for use in self.uses:
            if use.key is not None:
                by_key.setdefault(use.key, []).append(use)
        return dict(sorted(by_key.items()))

    def unresolved(self) -> list[FlagUse]:
        return [u for u in self.uses if u.key is None]

    def stale(self) -> list[ManifestEntry]:
        if self.manifest is None:
            return []
        used = self.keys()
        return [entry for key, entry in sorted(self.manifest.flags.items()) if key not in used]


class _Collector:
    """One walk per file (as the engine walks): the name resolver, and every flag
    evaluation on the way."""

    def __init__(self, names: NameResolver, config: Config) -> None:
        self.names = names
        self.config = config
        self.found: list[tuple[FlagEvaluation, str | None, str]] = []  # evaluation, key, kind

    def enter(self, node: cst.CSTNode) -> None:
        self.names.enter(node)
        if isinstance(node, cst.Call):
            evaluation = recognize(node, self.names, self.config)
            if evaluation is not None:
                key = static_key(evaluation, self.names)
                if key is None:
                    self.found.append((evaluation, None, "missing"))
                else:
                    self.found.append((evaluation, key.value if key.kind == "literal" else None, key.kind))

    def leave(self, node: cst.CSTNode) -> None:
        self.names.leave(node)


def collect(paths: Sequence[Path], config: Config) -> Inventory:
    """Every flag evaluation under ``paths`` (files and folders, as ``check`` finds them)."""
    manifest = manifest_for(config)
    inventory = Inventory(manifest, config.today or dt.date.today())
    found = discover(list(paths), config)
    inventory.errors.extend(FileError(p, m) for p, m in found.errors)
    for file in found.files:
        inventory.files += 1
        shown = display_path(file)
        try:
            text = decode_source(file.read_bytes())
            refusal = assess(text)  # never hand libcst what crashes or stalls it (engine/guard.py)
            if refusal is not None:
                inventory.errors.append(FileError(shown, f"not analysed, its flags are not listed: {refusal.reason}"))
                continue
            module = cst.parse_module(text)
        except OSError as exc:
            inventory.errors.append(FileError(shown, f"cannot read: {exc.strerror or type(exc).__name__}"))
            continue
        except (SyntaxError, UnicodeDecodeError, LookupError, cst.ParserSyntaxError, RecursionError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            inventory.errors.append(FileError(shown, f"cannot parse, its flags are not listed: {first}"))
            continue
        collector = _Collector(NameResolver(module), config)
        try:
            walk(module, collector.enter, collector.leave)
        except RecursionError:
            inventory.errors.append(FileError(shown, "too deeply nested to read"))
            continue
        spans = spans_of(module, [evaluation.call for evaluation, _k, _kind in collector.found])
        for evaluation, key, kind in collector.found:
            span = spans[id(evaluation.call)]
            expression = source_of(module, evaluation.key) if evaluation.key is not None else ""
            inventory.uses.append(
                FlagUse(shown, span.line, span.column, evaluation.sdk, evaluation.method, key, kind, expression)
            )
    return inventory


# -- rendering -------------------------------------------------------------------------


def to_json(inventory: Inventory) -> dict[str, Any]:
    manifest = inventory.manifest

    def entry_fields(entry: ManifestEntry | None) -> dict[str, Any]:
        return {
            "owner": entry.owner if entry else None,
            "expires": entry.expires.isoformat() if entry and entry.expires else None,
            "expired": bool(entry and entry.expired(inventory.today)),
        }

    def where(use: FlagUse) -> dict[str, Any]:
        return {"path": use.path, "line": use.line, "column": use.column, "sdk": use.sdk, "method": use.method}

    flags = []
    for key, uses in inventory.keys().items():
        entry = manifest.get(key) if manifest else None
        flags.append(
            {
                "key": key,
                "in_manifest": None if manifest is None else entry is not None,
                **entry_fields(entry),
                "references": [where(u) for u in uses],
            }
        )
    return {
        "tool": {"name": "resilint", "version": __version__},
        "manifest": display_path(manifest.path) if manifest else None,
        "today": inventory.today.isoformat(),
        "files": inventory.files,
        "flags": flags,
        "stale": [{"key": e.key, **entry_fields(e)} for e in inventory.stale()],
        "unresolved": [{**where(u), "reason": u.kind, "expression": u.expression} for u in inventory.unresolved()],
        "errors": [{"path": e.path, "message": e.message} for e in inventory.errors],
    }


def render_json(inventory: Inventory, out: IO[str]) -> None:
    json.dump(to_json(inventory), out, indent=2)
    out.write("\n")


_REASONS = {
    "dynamic": "computed key",
    "external": "imported constant, value not visible",
    "missing": "no key argument",
}


def render_text(inventory: Inventory, out: IO[str]) -> None:
    data = to_json(inventory)
    manifest = data["manifest"]
    source = f"manifest {manifest}" if manifest else "no manifest configured ([tool.resilint.flags] manifest)"
    out.write(f"Flags evaluated in {data['files']} files ({source}; today {data['today']})\n")
    for flag in data["flags"]:
        out.write(f"\n{flag['key']}  {_describe(flag, manifest is not None)}\n")
        for ref in flag["references"]:
            out.write(f"  {ref['path']}:{ref['line']}:{ref['column']}  {ref['sdk']} {ref['method']}\n")
    if not data["flags"]:
        out.write("\nNo flag evaluations with a literal key.\n")
    if data["unresolved"]:
        out.write("\nKeys that cannot be listed:\n")
        for ref in data["unresolved"]:
            shown = f" {ref['expression']}" if ref["expression"] else ""
            out.write(f"  {ref['path']}:{ref['line']}:{ref['column']}{shown}  ({_REASONS[ref['reason']]}; {ref['sdk']} {ref['method']})\n")
    if manifest is not None:
        if data["stale"]:
            out.write(f"\nStale flags (in {manifest}, evaluated by none of the checked files):\n")
            for entry in data["stale"]:
                out.write(f"  {entry['key']}  {_describe({**entry, 'in_manifest': True}, True)}\n")
        else:
            out.write(f"\nNo stale flags: every flag in {manifest} is evaluated.\n")
    unknown = sum(1 for f in data["flags"] if f["in_manifest"] is False)
    expired = sum(1 for f in data["flags"] if f["expired"])
    out.write(
        f"\n{len(data['flags'])} flags in code, {unknown} unknown, {expired} expired, "
        f"{len(data['stale'])} stale, {len(data['unresolved'])} unresolved keys.\n"
    )


def _describe(flag: dict[str, Any], has_manifest: bool) -> str:
    if has_manifest and not flag["in_manifest"]:
        return "(not in the manifest)"
    if not has_manifest:
        return ""
    parts = [f"owner {flag['owner']}" if flag["owner"] else "no owner"]
    if flag["expires"]:
        parts.append(f"expires {flag['expires']}" + (" (expired)" if flag["expired"] else ""))
    return ", ".join(parts)
