"""Find, read and validate ``[tool.resilint]``.

Every error names the file, the key and what was expected, and ends the run
with exit status 2. The result is one frozen :class:`Config` that the engine,
the runner and every front end share. Options given on the command line are
merged in by the front end with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from resilint.config import _toml
from resilint.errors import ConfigError
from resilint.fix.settings import FixConfig, parse_fix
from resilint.model import Severity
from resilint.paths import CACHE_DIR_NAME

# Skipped when walking folders, whatever the configuration says (a file named
# explicitly is always checked). Virtualenvs are also recognised by pyvenv.cfg.
DEFAULT_EXCLUDES = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".env/",
    "env/",
    "node_modules/",
    "build/",
    "dist/",
    "__pycache__/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    f"{CACHE_DIR_NAME}/",
    "*.egg-info/",
    "site-packages/",
)

Evaluator = Union[str, Mapping[str, Any]]

# Robustness limits (README "When a file cannot be analysed"): a file's check that
# runs longer, or a checker worker that needs more memory, is REL003 for that file.
DEFAULT_FILE_TIMEOUT = 10.0  # seconds; `file-timeout`, --file-timeout (0: no limit)
DEFAULT_MEMORY_LIMIT_MIB = 4096  # MiB; `memory-limit`, --memory-limit (0: no limit)
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


@dataclass(frozen=True)
class Override:
    """``[[tool.resilint.overrides]]``: settings for files matching ``paths``."""

    paths: tuple[str, ...]
    ignore: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    origin: str = ""  # where it is defined: the config file, or "built-in: <name>"


@dataclass(frozen=True)
class Tier:
    """``[[tool.resilint.tiers]]``: critical paths whose findings are escalated."""

    name: str
    paths: tuple[str, ...]
    escalate: int = 1


@dataclass(frozen=True)
class FlagsConfig:
    manifest: Path | None = None  # resolved against the config file's folder
    evaluators: tuple[Evaluator, ...] = ()


@dataclass(frozen=True)
class AIConfig:
    paths: tuple[str, ...] = ()
    git: bool = True
    markers: tuple[str, ...] = ()
    trailers: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()
    min_confidence: str = "medium"
    declaration_level: str = "assist"  # AI-DECLARATION.md levels at and above it are AI-assisted ("off": ignore the file)


@dataclass(frozen=True)
class DiffConfig:
    ai_scope: str = "function"  # "function" | "lines"


@dataclass(frozen=True)
class MigrationsConfig:
    """``[tool.resilint.migrations]``: what the migration files cannot tell."""

    database: str = "postgresql"  # "postgresql" | "mysql" | "sqlite"
    postgresql: str | None = None  # major version, e.g. "15" (None: a supported release)
    applied: Mapping[str, str] = field(default_factory=dict)  # app label -> last applied migration
    applied_ref: str | None = None  # git ref whose migration files count as applied
    database_set: bool = False  # `database` was written (else an alembic.ini URL may decide)
    sets_lock_timeout: bool = False  # the project sets lock_timeout for every migration run (REL423 off)
    # django-pg-zero-downtime-migrations runs the migrations (None: read from the settings modules)
    zero_downtime_backend: bool | None = None

    @property
    def postgresql_major(self) -> int | None:
        head = (self.postgresql or "").split(".", 1)[0]
        return int(head) if head.isdigit() else None


@dataclass(frozen=True, eq=False)
class Config:
    """The resolved configuration of one run (hashable by identity)."""

    root: Path  # the folder of the config file, or where the search started
    path: Path | None = None  # the config file, if any
    select: tuple[str, ...] | None = None  # None: every standard
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    exclude: tuple[str, ...] = ()
    standards: tuple[Mapping[str, Any], ...] = ()  # user standards, raw tables
    flags: FlagsConfig = field(default_factory=FlagsConfig)
    ai: AIConfig = field(default_factory=AIConfig)
    tiers: tuple[Tier, ...] = ()
    diff: DiffConfig = field(default_factory=DiffConfig)
    migrations: MigrationsConfig = field(default_factory=MigrationsConfig)
    baseline: Path | None = None  # findings recorded there are not reported (resolved against the root)
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT  # seconds per file (None: no limit)
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT_MIB  # MiB of address space per checker worker (None: none)
    fix: FixConfig = field(default_factory=FixConfig)  # [tool.resilint.fix]: values fixes write (resilint.fix.settings)
    # Run options (command line, environment), not read from the file.
    today: dt.date | None = None
    force_ai: bool = False  # --ai-assisted / RESILINT_AI_ASSISTED=1
    ai_cli_paths: tuple[str, ...] = ()  # --ai-path
    git_provenance: bool = True  # --no-git-provenance turns it off

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "<defaults>"


def find_config_file(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` with a ``[tool.resilint]`` table."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _toml.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError, RecursionError):
                return candidate  # report the broken file rather than skip it silently
            if isinstance(data.get("tool"), dict) and "resilint" in data["tool"]:
                return candidate
    return None


def load_config(start: Path | None = None, config_file: Path | None = None) -> Config:
    """Load the configuration for a run starting at ``start`` (default: cwd).

    ``config_file`` (``--config``) may be a pyproject.toml or a ``resilint.toml``
    whose top level is the ``[tool.resilint]`` table itself.
    """
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(config_file, None, "config file not found")
        return _load_file(config_file, explicit=True)
    found = find_config_file(start or Path.cwd())
    if found is None:
        root = (start or Path.cwd()).resolve()
        return Config(root=root.parent if root.is_file() else root)
    return _load_file(found, explicit=False)


def _load_file(path: Path, *, explicit: bool) -> Config:
    try:
        data = _toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read: {exc}") from exc
    except _toml.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"invalid TOML: {exc}") from exc
    except RecursionError:  # the TOML reader recurses per nested array or inline table
        key, line = _too_deep_key(path)
        raise ConfigError(path, key, f"invalid TOML: arrays or tables nested too deeply (line {line})") from None
    if path.name == "pyproject.toml" or "tool" in data:
        tool = data.get("tool", {})
        table = tool.get("resilint", {}) if isinstance(tool, dict) else {}
        prefix = "tool.resilint"
    else:
        table, prefix = data, ""
    if not isinstance(table, dict):
        raise ConfigError(path, prefix, "expected a table")
    return parse_config(table, path, prefix)


def _too_deep_key(path: Path) -> tuple[str | None, int]:
    """The key (with its table) and line of the first deeply nested value, for the
    message of a TOML file the reader could not recurse through."""
    table = ""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, 1
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\[?\s*([^\]=]+?)\s*\]\]?", stripped)
        if header:
            table = header.group(1)
            continue
        key, sep, value = stripped.partition("=")
        if sep and value.count("[") + value.count("{") >= 100:
            return ".".join(p for p in (table, key.strip()) if p), number
    return None, 1


# Every key of [tool.resilint] (unknown keys are errors, with a "did you mean").
TOP_LEVEL_KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend-select",
        "severity",
        "overrides",
        "exclude",
        "extend-exclude",
        "standards",
        "flags",
        "ai",
        "tiers",
        "diff",
        "migrations",
        "baseline",
        "file-timeout",
        "memory-limit",
        "fix",
    }
)


def parse_config(table: Mapping[str, Any], path: Path, prefix: str = "tool.resilint") -> Config:
    """Validate a ``[tool.resilint]`` table read from ``path``."""
    v = _Validator(path, prefix)
    v.no_unknown(table, TOP_LEVEL_KEYS, "")
    root = path.resolve().parent
    select = v.codes(table, "select") if "select" in table else None
    flags_table = v.table(table, "flags")
    v.no_unknown(flags_table, {"manifest", "evaluators"}, "flags")
    manifest = v.string(flags_table, "manifest", "flags") if "manifest" in flags_table else None
    ai_table = v.table(table, "ai")
    v.no_unknown(ai_table, {"paths", "git", "markers", "trailers", "identities", "min-confidence", "declaration-level"}, "ai")
    diff_table = v.table(table, "diff")
    v.no_unknown(diff_table, {"ai-scope"}, "diff")
    return Config(
        root=root,
        path=path,
        select=select,
        ignore=v.codes(table, "ignore"),
        extend_select=v.codes(table, "extend-select"),
        severity=v.severities(table, "severity"),
        overrides=tuple(_override(v, t, i) for i, t in enumerate(v.tables(table, "overrides"))),
        exclude=v.strings(table, "exclude") + v.strings(table, "extend-exclude"),
        standards=tuple(v.tables(table, "standards")),
        flags=FlagsConfig(
            manifest=(root / manifest) if manifest else None,
            evaluators=_evaluators(v, flags_table),
        ),
        ai=AIConfig(
            paths=v.strings(ai_table, "paths", "ai"),
            git=v.boolean(ai_table, "git", "ai", default=True),
            markers=v.strings(ai_table, "markers", "ai"),
            trailers=v.strings(ai_table, "trailers", "ai"),
            identities=v.strings(ai_table, "identities", "ai"),
            min_confidence=v.choice(ai_table, "min-confidence", ("low", "medium", "high"), "ai", "medium"),
            declaration_level=v.choice(ai_table, "declaration-level", ("hint", "assist", "pair", "copilot", "auto", "off"), "ai", "assist"),
        ),
        tiers=tuple(_tier(v, t, i) for i, t in enumerate(v.tables(table, "tiers"))),
        diff=DiffConfig(ai_scope=v.choice(diff_table, "ai-scope", ("function", "lines"), "diff", "function")),
        migrations=_migrations(v, v.table(table, "migrations")),
        baseline=(root / v.string(table, "baseline", "")) if "baseline" in table else None,
        file_timeout=v.limit(table, "file-timeout", DEFAULT_FILE_TIMEOUT, "seconds"),
        memory_limit=_memory_limit(v, table),
        fix=parse_fix(v.table(table, "fix"), path, v.key),
    )


def _memory_limit(v: _Validator, table: Mapping[str, Any]) -> int | None:
    value = v.limit(table, "memory-limit", DEFAULT_MEMORY_LIMIT_MIB, "MiB")
    if value is not None and value < 256:
        raise ConfigError(v.path, v.key("memory-limit"), f"expected at least 256 (MiB) or 0 for no limit, got {value:g}")
    return None if value is None else int(value)


def _migrations(v: _Validator, table: Mapping[str, Any]) -> MigrationsConfig:
    """``[tool.resilint.migrations]``: database target, its version, what is applied already."""
    where = "migrations"
    v.no_unknown(table, {"database", "postgresql", "applied", "applied-ref", "sets-lock-timeout", "zero-downtime-backend"},
                 where)
    database = v.choice(table, "database", ("postgresql", "mysql", "sqlite"), where, "postgresql")
    postgresql = None
    if "postgresql" in table:
        raw = table["postgresql"]
        text = str(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else raw
        if not isinstance(text, str) or not text.split(".", 1)[0].isdigit():
            raise ConfigError(v.path, v.key(where, "postgresql"), 'expected a major version such as "15"')
        postgresql = text
    applied = v.table(table, "applied", where)
    for app, name in applied.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(v.path, v.key(where, "applied", app), "expected the name of the last applied migration")
    applied_ref = v.string(table, "applied-ref", where) if "applied-ref" in table else None
    sets_lock_timeout = v.boolean(table, "sets-lock-timeout", where, False) if "sets-lock-timeout" in table else False
    zero_downtime = v.boolean(table, "zero-downtime-backend", where, False) if "zero-downtime-backend" in table else None
    return MigrationsConfig(database, postgresql, dict(applied), applied_ref, "database" in table, sets_lock_timeout,
                            zero_downtime)


def _override(v: _Validator, table: Mapping[str, Any], index: int) -> Override:
    where = f"overrides[{index}]"
    v.no_unknown(table, {"paths", "ignore", "select", "severity"}, where)
    paths = v.strings(table, "paths", where)
    if not paths:
        raise ConfigError(v.path, v.key(where, "paths"), "expected a non-empty array of globs")
    return Override(
        paths=paths,
        ignore=v.codes(table, "ignore", where),
        select=v.codes(table, "select", where),
        severity=v.severities(table, "severity", where),
        origin=f"{v.path}: {v.key(where)}",
    )


def builtin_overrides(path: Path) -> tuple[Override, ...]:
    """The built-in per-path overrides (``rules/overrides.toml``, e.g. test code),
    validated like a user's; applied before them."""
    try:
        data = _toml.loads_builtin(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read the built-in overrides: {exc}") from exc
    v = _Validator(path, "")
    found = []
    for i, table in enumerate(v.tables(data, "overrides")):
        name = table.get("name", f"overrides[{i}]")
        override = _override(v, {k: val for k, val in table.items() if k != "name"}, i)
        found.append(dataclasses.replace(override, origin=f"built-in: {name} ({path.name})"))
    return tuple(found)


def _tier(v: _Validator, table: Mapping[str, Any], index: int) -> Tier:
    where = f"tiers[{index}]"
    v.no_unknown(table, {"name", "paths", "escalate"}, where)
    escalate = table.get("escalate", 1)
    if not isinstance(escalate, int) or isinstance(escalate, bool) or not 0 <= escalate <= 2:
        raise ConfigError(v.path, v.key(where, "escalate"), "expected an integer from 0 to 2")
    return Tier(name=v.string(table, "name", where), paths=v.strings(table, "paths", where), escalate=escalate)


def _evaluators(v: _Validator, flags: Mapping[str, Any]) -> tuple[Evaluator, ...]:
    raw = flags.get("evaluators", [])
    if not isinstance(raw, list):
        raise ConfigError(v.path, v.key("flags", "evaluators"), "expected an array")
    out: list[Evaluator] = []
    for i, item in enumerate(raw):
        where = f"flags.evaluators[{i}]"
        if isinstance(item, str):
            if not _DOTTED_NAME.fullmatch(item):
                raise ConfigError(v.path, v.key(where), f"expected a dotted name such as 'acme.flags.is_on', got {item!r}")
            out.append(item)
            continue
        if not isinstance(item, dict):
            raise ConfigError(v.path, v.key(where), "expected a dotted name or a table {call, key, default}")
        v.no_unknown(item, {"call", "key", "default"}, where)
        call = v.string(item, "call", where)
        if not _DOTTED_NAME.fullmatch(call):
            raise ConfigError(v.path, v.key(where, "call"), f"expected a dotted name such as 'acme.flags.is_on', got {call!r}")
        for arg in ("key", "default"):
            value = item.get(arg)
            if value is not None and not isinstance(value, (int, str)) or isinstance(value, bool):
                raise ConfigError(v.path, v.key(where, arg), "expected a positional index or a keyword name")
        out.append(dict(item))
    return tuple(out)


class _Validator:
    """Typed access to a config table; every failure names file, key and expectation."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path = path
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return ".".join(p for p in (self.prefix, *parts) if p)

    def no_unknown(self, table: Mapping[str, Any], known: set[str], where: str) -> None:
        for name in table:
            if name not in known:
                from resilint.suggest import KEY_ALIASES, did_you_mean

                hint = did_you_mean(name, known, aliases=KEY_ALIASES)
                expected = ", ".join(sorted(known))
                raise ConfigError(
                    self.path, self.key(where, name), f"unknown key{'; ' + hint if hint else ''} (expected one of: {expected})"
                )

    def table(self, table: Mapping[str, Any], name: str, where: str = "") -> Mapping[str, Any]:
        value = table.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(self.path, self.key(where, name), "expected a table")
        return value

    def tables(self, table: Mapping[str, Any], name: str, where: str = "") -> list[Mapping[str, Any]]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            raise ConfigError(self.path, self.key(where, name), "expected an array of tables")
        return value

    def string(self, table: Mapping[str, Any], name: str, where: str = "") -> str:
        value = table.get(name)
        if not isinstance(value, str) or not value:
            raise ConfigError(self.path, self.key(where, name), "expected a non-empty string")
        return value

    def strings(self, table: Mapping[str, Any], name: str, where: str = "") -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise ConfigError(self.path, self.key(where, name), "expected an array of strings")
        return tuple(value)

    def boolean(self, table: Mapping[str, Any], name: str, where: str, default: bool) -> bool:
        value = table.get(name, default)
        if not isinstance(value, bool):
            raise ConfigError(self.path, self.key(where, name), "expected true or false")
        return value

    def choice(self, table: Mapping[str, Any], name: str, options: tuple[str, ...], where: str, default: str) -> str:
        value = table.get(name, default)
        if value not in options:
            raise ConfigError(self.path, self.key(where, name), f"expected one of {', '.join(map(repr, options))}")
        return value

    def limit(self, table: Mapping[str, Any], name: str, default: float, unit: str) -> float | None:
        """A positive number of ``unit`` (0: no limit, None)."""
        value = table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
            raise ConfigError(self.path, self.key(name), f"expected a number of {unit} (0: no limit), got {value!r}")
        return None if value == 0 else value

    def codes(self, table: Mapping[str, Any], name: str, where: str = "") -> tuple[str, ...]:
        values = self.strings(table, name, where)
        for code in values:
            if not code or not code.replace("_", "").isalnum() or not code[0].isalpha():
                raise ConfigError(self.path, self.key(where, name), f"expected rule codes or prefixes, got {code!r}")
        return tuple(c.upper() for c in values)

    def severities(self, table: Mapping[str, Any], name: str, where: str = "") -> Mapping[str, Severity]:
        raw = self.table(table, name, where)
        out: dict[str, Severity] = {}
        for code, level in raw.items():
            try:
                out[code.upper()] = Severity.parse(level) if isinstance(level, str) else Severity.parse("?")
            except ValueError as exc:
                raise ConfigError(self.path, self.key(where, name, code), str(exc)) from None
        return out
