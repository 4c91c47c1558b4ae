"""The flag manifest: which flags exist, who owns them, when they expire.

``[tool.resilint.flags] manifest = "flags.toml"`` (relative to the config file)::

    [flags.new-checkout-flow]
    owner = "checkout"
    expires = 2027-03-01        # optional TOML date

Loaded once per run and process (cached by path, size and modification time,
so a long-lived language server sees edits). A malformed manifest is a
:class:`~resilint.errors.ConfigError` naming the file and the entry.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from resilint.config import _toml
from resilint.config.settings import Config
from resilint.errors import ConfigError

ENTRY_KEYS = frozenset({"owner", "expires", "description"})


@dataclass(frozen=True)
class ManifestEntry:
    key: str
    owner: str | None = None
    expires: dt.date | None = None
    description: str | None = None

    def expired(self, today: dt.date) -> bool:
        """Expired once the ``expires`` date has passed (the date itself is still valid)."""
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Manifest:
    path: Path
    flags: Mapping[str, ManifestEntry]

    def get(self, key: str) -> ManifestEntry | None:
        return self.flags.get(key)

    def closest(self, key: str) -> str | None:
        """The known key most like ``key`` (a typo's intended flag), if any is close."""
        matches = difflib.get_close_matches(key, list(self.flags), n=1, cutoff=0.6)
        return matches[0] if matches else None


def manifest_for(config: Config) -> Manifest | None:
    """The configured manifest, or None when none is configured."""
    path = config.flags.manifest
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(config.source, "tool.resilint.flags.manifest", f"cannot read {path}: {exc.strerror}") from None
    return _load(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, _size: int, _mtime: int) -> Manifest:
    try:
        data = _toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read the flag manifest: {exc}") from exc
    except _toml.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"invalid TOML in the flag manifest: {exc}") from exc
    return parse_manifest(data, path)


def parse_manifest(data: Mapping[str, Any], path: Path) -> Manifest:
    """Validate a parsed manifest; every error names the file and the entry."""
    for name in data:
        if name != "flags":
            raise ConfigError(path, name, "unknown top-level key (expected [flags.<key>] tables)")
    table = data.get("flags", {})
    if not isinstance(table, dict):
        raise ConfigError(path, "flags", "expected tables [flags.<key>]")
    entries: dict[str, ManifestEntry] = {}
    for key, entry in table.items():
        where = f"flags.{_toml_key(key)}"
        if not isinstance(entry, dict):
            raise ConfigError(path, where, "expected a table (owner, expires, description)")
        for name in entry:
            if name not in ENTRY_KEYS:
                raise ConfigError(path, f"{where}.{name}", f"unknown key (expected one of: {', '.join(sorted(ENTRY_KEYS))})")
        entries[key] = ManifestEntry(
            key=key,
            owner=_optional_string(entry, "owner", path, where),
            expires=_date(entry.get("expires"), path, f"{where}.expires"),
            description=_optional_string(entry, "description", path, where),
        )
    return Manifest(path, entries)


def _optional_string(entry: Mapping[str, Any], name: str, path: Path, where: str) -> str | None:
    value = entry.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(path, f"{where}.{name}", "expected a non-empty string")
    return value


def _date(value: Any, path: Path, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(path, where, f"expected a date like 2027-03-01, got {value!r}")


def _toml_key(key: str) -> str:
    """A key as it would be written in TOML (quoted when not a bare key)."""
    bare = key and all(c.isalnum() or c in "-_" for c in key) and key.isascii()
    return key if bare else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
