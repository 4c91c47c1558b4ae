"""Standards are data: TOML tables that instantiate a check kind with a code,
severities, documentation, examples and parameters.

Built-in standards live in ``rules/*.toml`` (shipped inside the wheel as
``resilint/rules``); plugins and ``[[tool.resilint.standards]]`` add more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from resilint.config import _toml
from resilint.errors import ConfigError
from resilint.model import Severity

CODE_PATTERN = re.compile(r"^[A-Z]{1,8}[0-9]{1,5}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

# Keys every standard may carry; anything else is a parameter of its check kind.
COMMON_KEYS = frozenset(
    {
        "code",
        "name",
        "check",
        "category",
        "severity",
        "opt-in",
        "summary",
        "rationale",
        "references",
        "fix",
        "valid",
        "invalid",
        "example-config",
        "example-files",
    }
)


@dataclass(frozen=True, eq=False)
class Standard:
    """One codified standard. Hashable by identity so check kinds can cache per standard."""

    code: str
    name: str
    check: str
    category: str
    severity_human: Severity | None  # None: AI-only, never reported on other lines
    severity_ai: Severity
    summary: str
    rationale: str = ""
    references: tuple[str, ...] = ()
    fix: str = ""
    valid: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    example_config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    example_files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # written next to the example config (a flag manifest)
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    origin: str = "<builtin>"
    # Reported only when selected by its full code (select, extend-select, an
    # override's select): rules a team turns on deliberately, like ruff's preview.
    opt_in: bool = False
    # Other standards this one refers to (e.g. REL102 covers the calls of the standards
    # it ``include``s), resolved by the ruleset through the kind's ``Rule.link``.
    linked: tuple[Standard, ...] = ()

    @property
    def ai_only(self) -> bool:
        return self.severity_human is None

    @property
    def base_severity(self) -> Severity:
        """The severity on an ordinary line (the AI severity for AI-only rules)."""
        return self.severity_human if self.severity_human is not None else self.severity_ai

    def severity_for(self, ai_assisted: bool) -> Severity:
        return self.severity_ai if ai_assisted else self.base_severity


def builtin_rules_dir() -> Path:
    """The folder of built-in standards: inside the installed package, or the
    top-level ``rules/`` of a source checkout (editable installs)."""
    package = Path(__file__).resolve().parents[1]  # src/resilint, or site-packages/resilint
    packaged = package / "rules"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "rules"


# Data files in rules/ that hold no standards: AI-provenance patterns
# (provenance/agents.py) and the built-in per-path overrides (config/ruleset.py).
DATA_FILES = frozenset({"provenance.toml", "overrides.toml"})


def builtin_standard_files() -> list[Path]:
    """The ``rules/*.toml`` files that hold ``[[standards]]`` (not the data files)."""
    return sorted(p for p in builtin_rules_dir().glob("*.toml") if p.name not in DATA_FILES)


def load_standard_file(path: Path) -> list[Standard]:
    """Parse one ``rules/*.toml`` file: ``[[standards]]`` tables."""
    try:
        text = path.read_text(encoding="utf-8")
        data = _toml.loads_builtin(text) if path.parent == builtin_rules_dir() else _toml.loads(text)
    except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read standards: {exc}") from exc
    unknown = set(data) - {"standards"}
    if unknown:
        raise ConfigError(path, sorted(unknown)[0], "unknown top-level key; expected [[standards]]")
    tables = data.get("standards", [])
    if not isinstance(tables, list):
        raise ConfigError(path, "standards", "expected an array of tables ([[standards]])")
    return [parse_standard(table, str(path), index) for index, table in enumerate(tables)]


def parse_standard(table: Mapping[str, Any], origin: str, index: int = 0) -> Standard:
    """Validate one standard table; errors name the origin, the key and the expectation."""
    if not isinstance(table, Mapping):
        raise ConfigError(origin, f"standards[{index}]", "expected a table")
    code = table.get("code")
    where = f"standards[{index}]" if not isinstance(code, str) else f"standard {code}"

    def text(key: str, required: bool = True, default: str = "") -> str:
        value = table.get(key, None if required else default)
        if not isinstance(value, str) or (required and not value.strip()):
            raise ConfigError(origin, f"{where}.{key}", "expected a non-empty string")
        return value

    code = text("code")
    if not CODE_PATTERN.match(code):
        raise ConfigError(origin, f"{where}.code", "expected letters then digits, e.g. 'ACME101'")
    name = text("name")
    if not NAME_PATTERN.match(name):
        raise ConfigError(origin, f"{where}.name", "expected a kebab-case name, e.g. 'http-call-without-timeout'")
    human, ai = _parse_severity(table.get("severity", "warning"), origin, f"{where}.severity")
    params = {k: v for k, v in table.items() if k not in COMMON_KEYS}
    opt_in = table.get("opt-in", False)
    if not isinstance(opt_in, bool):
        raise ConfigError(origin, f"{where}.opt-in", "expected true or false")
    example_config = table.get("example-config", {})
    if not isinstance(example_config, Mapping):
        raise ConfigError(origin, f"{where}.example-config", "expected a table")
    example_files = table.get("example-files", {})
    if not isinstance(example_files, Mapping) or not all(
        isinstance(k, str) and "/" not in k and "\\" not in k and isinstance(v, str) for k, v in example_files.items()
    ):
        raise ConfigError(origin, f"{where}.example-files", "expected a table of file name = contents")
    return Standard(
        code=code,
        name=name,
        check=text("check"),
        category=text("category", required=False, default="custom") or "custom",
        severity_human=human,
        severity_ai=ai,
        summary=text("summary", required=False, default=name.replace("-", " ")),
        rationale=text("rationale", required=False),
        references=_strings(table.get("references", []), origin, f"{where}.references"),
        fix=text("fix", required=False),
        valid=_strings(table.get("valid", []), origin, f"{where}.valid"),
        invalid=_strings(table.get("invalid", []), origin, f"{where}.invalid"),
        example_config=MappingProxyType(dict(example_config)),
        example_files=MappingProxyType(dict(example_files)),
        params=MappingProxyType(params),
        origin=origin,
        opt_in=opt_in,
    )


def _parse_severity(value: Any, origin: str, key: str) -> tuple[Severity | None, Severity]:
    try:
        if isinstance(value, str):
            level = Severity.parse(value)
            return level, level
        if isinstance(value, Mapping):
            unknown = set(value) - {"human", "ai"}
            if unknown or "ai" not in value:
                raise ValueError("expected a level or a table {human = ..., ai = ...} (omit human for AI-only)")
            human = Severity.parse(value["human"]) if "human" in value else None
            return human, Severity.parse(value["ai"])
    except (ValueError, AttributeError) as exc:
        raise ConfigError(origin, key, str(exc)) from None
    raise ConfigError(origin, key, "expected 'note', 'warning', 'error' or {human = ..., ai = ...}")


def _strings(value: Any, origin: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(origin, key, "expected an array of strings")
    return tuple(value)


def index_by_code(standards: Iterable[Standard]) -> dict[str, Standard]:
    """Map code -> standard; a code defined twice is an error naming both origins."""
    by_code: dict[str, Standard] = {}
    for standard in standards:
        previous = by_code.get(standard.code)
        if previous is not None:
            raise ConfigError(
                standard.origin,
                f"standard {standard.code}",
                f"code already defined in {previous.origin}",
            )
        by_code[standard.code] = standard
    return by_code
