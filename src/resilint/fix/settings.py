"""``[tool.resilint.fix]``: the values fixes write, and whether the project chose them.

A fix that adds a timeout or a retry bound changes behaviour (a call that hung now
raises): it is *safe* (applied by ``--fix``) only when every value it writes comes
from this table; with the built-in defaults it is *unsafe* (``--unsafe-fixes``).

.. code-block:: toml

    [tool.resilint.fix]
    ai-lines = false               # apply fixes on AI-assisted lines too (like --fix-ai)

    [tool.resilint.fix.timeouts]   # seconds, per library family (the call's top-level module)
    requests = [3.05, 27]          # (connect, read): requests only
    subprocess = 60
    default = 10                   # every other family

    [tool.resilint.fix.retries]
    attempts = 5                   # tenacity stop_after_attempt(N), backoff max_tries=N, urllib3 Retry(total=N)
    multiplier = 0.5               # tenacity wait_random_exponential(multiplier=...)
    max-wait = 30                  # tenacity wait_random_exponential(max=...)
    backoff-factor = 0.5           # urllib3 Retry(backoff_factor=...)
    backoff-jitter = 0.5           # urllib3 Retry(backoff_jitter=...) (urllib3 >= 2.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from resilint.errors import ConfigError

Seconds = Union[float, tuple[float, float]]

BUILTIN_TIMEOUTS: Mapping[str, Seconds] = {"requests": (3.05, 27), "subprocess": 60, "default": 10}
BUILTIN_RETRIES: Mapping[str, float] = {
    "attempts": 5,
    "multiplier": 0.5,
    "max-wait": 30,
    "backoff-factor": 0.5,
    "backoff-jitter": 0.5,
}
PAIR_FAMILIES = frozenset({"requests"})  # libraries that take a (connect, read) pair


@dataclass(frozen=True)
class Value:
    """A value a fix writes, and whether the project chose it (else a built-in default)."""

    value: Seconds
    chosen: bool


@dataclass(frozen=True)
class FixConfig:
    timeouts: Mapping[str, Seconds] = field(default_factory=dict)  # only what the project wrote
    retries: Mapping[str, float] = field(default_factory=dict)
    ai_lines: bool = False  # apply fixes on AI-assisted lines (the second reviewer must see them otherwise)

    def timeout(self, family: str) -> Value:
        """The timeout for a library family: the project's (the family's own, else its
        ``default``), else the built-in one."""
        for table, chosen in ((self.timeouts, True), (BUILTIN_TIMEOUTS, False)):
            for key in (family, "default"):
                value = table.get(key)
                if value is None or (isinstance(value, tuple) and family not in PAIR_FAMILIES):
                    continue
                return Value(value, chosen)
        return Value(BUILTIN_TIMEOUTS["default"], False)

    def retry(self, key: str) -> Value:
        if key in self.retries:
            return Value(self.retries[key], True)
        return Value(BUILTIN_RETRIES[key], False)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e7


def parse_fix(table: Mapping[str, Any], path: Path, key: Any) -> FixConfig:
    """``[tool.resilint.fix]``; ``key(*parts)`` names a key for error messages."""
    from resilint.suggest import did_you_mean

    def unknown(items: Mapping[str, Any], known: set[str], where: str) -> None:
        for name in items:
            if name not in known:
                hint = did_you_mean(name, known)
                expected = ", ".join(sorted(known))
                raise ConfigError(path, key(where, name), f"unknown key{'; ' + hint if hint else ''} (expected one of: {expected})")

    unknown(table, {"timeouts", "retries", "ai-lines"}, "fix")
    ai_lines = table.get("ai-lines", False)
    if not isinstance(ai_lines, bool):
        raise ConfigError(path, key("fix", "ai-lines"), "expected true or false")
    timeouts_table = table.get("timeouts", {})
    retries_table = table.get("retries", {})
    for name, value in (("timeouts", timeouts_table), ("retries", retries_table)):
        if not isinstance(value, dict):
            raise ConfigError(path, key("fix", name), "expected a table")
    timeouts: dict[str, Seconds] = {}
    for family, value in timeouts_table.items():
        where = key("fix", "timeouts", family)
        if isinstance(value, list):
            if family not in PAIR_FAMILIES or len(value) != 2 or not all(_number(v) for v in value):
                pairs = ", ".join(sorted(PAIR_FAMILIES))
                raise ConfigError(path, where, f"expected a number of seconds ([connect, read] only for {pairs})")
            timeouts[family] = (value[0], value[1])
        elif _number(value):
            timeouts[family] = value
        else:
            raise ConfigError(path, where, f"expected a positive number of seconds, got {value!r}")
    unknown(retries_table, set(BUILTIN_RETRIES), "fix.retries")
    retries: dict[str, float] = {}
    for name, value in retries_table.items():
        where = key("fix", "retries", name)
        if name == "attempts":
            if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 1000:
                raise ConfigError(path, where, f"expected a whole number of attempts from 2 to 1000, got {value!r}")
        elif not _number(value):
            raise ConfigError(path, where, f"expected a positive number, got {value!r}")
        retries[name] = value
    return FixConfig(timeouts, retries, ai_lines)
