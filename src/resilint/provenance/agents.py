"""What AI agents leave behind: header phrases in files, trailers, identities and
footers in commits. The patterns are data (``rules/provenance.toml``) extended by
``[tool.resilint.ai] markers / trailers / identities``; this module compiles them
once per configuration and classifies a commit or a comment with them.

Identities are matched on e-mail addresses, never on display names: a person
called Claude is not an agent, ``noreply@anthropic.com`` is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from resilint.config import _toml
from resilint.config.settings import Config
from resilint.config.standards import builtin_rules_dir
from resilint.errors import ConfigError
from resilint.model import Provenance

RANK = {"low": 0, "medium": 1, "high": 2}
_NEGATIVE_VALUES = frozenset({"no", "false", "none", "0", "n/a", "never"})
_TRAILER = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z0-9-]*)\s*:\s*(?P<value>\S.*?)\s*$")
_EMAIL = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>|(?:^|\s)([^<>\s@]+@[^<>\s@]+\.[A-Za-z]+)(?:\s|$)")


@dataclass(frozen=True)
class Identity:
    regex: re.Pattern[str]
    agent: str
    confidence: str = "high"


@dataclass(frozen=True)
class Trailer:
    key: str  # lower-case
    value: str  # "any" | "agent" | "identity"


@dataclass(frozen=True)
class Commit:
    """What classification needs of one commit."""

    sha: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    message: str


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key in resilint.git
class Patterns:
    agents: re.Pattern[str]
    ai_words: re.Pattern[str]
    phrases: tuple[re.Pattern[str], ...]
    user_markers: tuple[str, ...]  # lower-case substrings from config
    phrase_words: tuple[str, ...]  # every header phrase contains one (a cheap prefilter)
    trailers: dict[str, Trailer]
    identities: tuple[Identity, ...]
    footers: tuple[tuple[re.Pattern[str], str], ...]  # (pattern, confidence)
    name_suffixes: tuple[tuple[str, str], ...]  # (suffix, agent)
    quick: re.Pattern[str]  # one regex over a message: could any trailer or footer be there?

    # -- in-file header phrases -------------------------------------------------

    def header_phrase(self, text: str) -> str | None:
        """The phrase, if ``text`` (a comment without ``#`` or a docstring line)
        marks its file as AI-assisted."""
        stripped = text.strip().lstrip("#*-/ \t").strip()
        if not stripped:
            return None
        for regex in self.phrases:
            if regex.search(stripped):
                return stripped
        lowered = stripped.lower()
        for marker in self.user_markers:
            if marker in lowered:
                return stripped
        return None

    # -- commits --------------------------------------------------------------

    def identity(self, email: str) -> Identity | None:
        email = email.strip().strip("<>").lower()
        for identity in self.identities:
            if identity.regex.match(email):
                return identity
        return None

    def might_be_ai(self, commit: Commit) -> bool:
        """A cheap over-approximation of :meth:`classify` for scanning whole histories."""
        if self.quick.search(commit.message):
            return True
        names = (commit.author_name.lower(), commit.committer_name.lower())
        if any(name.endswith(suffix.lower()) for suffix, _ in self.name_suffixes for name in names):
            return True
        return self.identity(commit.author_email) is not None or self.identity(commit.committer_email) is not None

    def classify(self, commit: Commit) -> Provenance | None:
        """The strongest AI signal of a commit (trailers, then identities, then
        footers), or None. Ties keep the first found."""
        best: Provenance | None = None
        for found in self._signals(commit):
            if best is None or RANK[found.confidence] > RANK[best.confidence]:
                best = found
                if found.confidence == "high":
                    break
        return best

    def _signals(self, commit: Commit) -> Iterator[Provenance]:
        short = commit.sha[:7]
        lines = commit.message.splitlines()
        for line in lines:
            match = _TRAILER.match(line)
            if match is None:
                continue
            trailer = self.trailers.get(match["key"].lower())
            if trailer is None:
                continue
            value = match["value"]
            written = f"{match['key']}: {value}"
            if trailer.value == "any":
                if value.strip().lower().rstrip(".") not in _NEGATIVE_VALUES:
                    yield Provenance("git-trailer", f"{written} ({short})")
            elif trailer.value == "agent":
                if self.agents.search(value):
                    yield Provenance("git-trailer", f"{written} ({short})")
                elif self.ai_words.search(value):
                    yield Provenance("git-trailer", f"{written} ({short})", "medium")
            else:
                address = _EMAIL.search(value)
                agent = self.identity(address.group(1) or address.group(2)) if address else None
                if agent is not None:
                    yield Provenance("git-trailer", f"{written} ({short})", agent.confidence)
        for role, name, email in (
            ("author", commit.author_name, commit.author_email),
            ("committer", commit.committer_name, commit.committer_email),
        ):
            identity = self.identity(email)
            if identity is not None:
                yield Provenance("git-identity", f"{role} {name} <{email}> ({short})", identity.confidence)
            for suffix, label in self.name_suffixes:
                if name.lower().endswith(suffix.lower()):
                    yield Provenance("git-identity", f"{role} {name!r}: {label} ({short})")
        for line in lines:
            stripped = line.strip()
            for regex, confidence in self.footers:
                if regex.search(stripped):
                    yield Provenance("git-footer", f"{stripped} ({short})", confidence)
                    break


def _glob_email(pattern: str) -> re.Pattern[str]:
    """``*`` is the only wildcard (``[bot]`` is literal)."""
    parts = (re.escape(p) for p in pattern.strip().lower().split("*"))
    return re.compile("^" + "[^@\\s]*".join(parts) + "$")


def _identities(table: list[dict[str, Any]], origin: str) -> list[Identity]:
    out: list[Identity] = []
    for i, item in enumerate(table):
        agent = str(item.get("agent", "agent"))
        confidence = str(item.get("confidence", "high"))
        if confidence not in RANK:
            raise ConfigError(origin, f"identities[{i}].confidence", "expected low, medium or high")
        if "email" in item:
            out.append(Identity(_glob_email(str(item["email"])), agent, confidence))
        elif "github-bot" in item:
            bot = re.escape(str(item["github-bot"]).lower())
            out.append(Identity(re.compile(rf"^(?:[0-9]+\+)?{bot}\[bot\]@users\.noreply\.github\.com$"), agent, confidence))
        elif "github-user" in item:
            user = re.escape(str(item["github-user"]).lower())
            out.append(Identity(re.compile(rf"^[0-9]+\+{user}@users\.noreply\.github\.com$"), agent, confidence))
        else:
            raise ConfigError(origin, f"identities[{i}]", "expected email, github-bot or github-user")
    return out


@lru_cache(maxsize=1)
def _builtin_data() -> dict[str, Any]:
    path = builtin_rules_dir() / "provenance.toml"
    try:
        return _toml.loads_builtin(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read provenance data: {exc}") from exc


def _compile(pattern: str, agents: str, origin: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern.replace("{agents}", agents), re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(origin, key, f"invalid regular expression: {exc}") from None


@lru_cache(maxsize=16)
def build_patterns(markers: tuple[str, ...] = (), trailers: tuple[str, ...] = (), identities: tuple[str, ...] = ()) -> Patterns:
    """The built-in data plus a configuration's extra markers (phrases, matched as
    case-insensitive substrings), trailer keys (any value marks a commit) and
    identities (e-mail addresses, ``*`` allowed)."""
    data = _builtin_data()
    origin = str(builtin_rules_dir() / "provenance.toml")
    agents = "|".join(f"(?:{a})" for a in data.get("agents", []))
    agent_regex = _compile(rf"\b(?:{agents})\b", agents, origin, "agents")
    trailer_table = {str(t["key"]).lower(): Trailer(str(t["key"]).lower(), str(t.get("value", "any"))) for t in data.get("trailers", [])}
    for key in trailers:
        trailer_table.setdefault(key.strip().rstrip(":").lower(), Trailer(key.strip().rstrip(":").lower(), "any"))
    user_identities = [Identity(_glob_email(e), f"configured identity {e}") for e in identities]
    marker_data = data.get("markers", {})
    footers = [str(f["pattern"]).lstrip("^") for f in data.get("footers", [])]
    keys = "|".join(re.escape(k) for k in trailer_table)
    quick = _compile(rf"(?m)^\s*(?:(?:{keys})\s*:|{'|'.join(f'(?:{f})' for f in footers) or '(?!)'})", agents, origin, "footers")
    return Patterns(
        agents=agent_regex,
        ai_words=_compile(str(data.get("ai-words", r"\bai\b")), agents, origin, "ai-words"),
        phrases=tuple(_compile(p, agents, origin, "markers.phrases") for p in marker_data.get("phrases", [])),
        user_markers=_user_markers(markers),
        phrase_words=_phrase_words(),
        trailers=trailer_table,
        identities=tuple(_identities(data.get("identities", []), origin) + user_identities),
        footers=tuple(
            (_compile(str(f["pattern"]), agents, origin, "footers"), str(f.get("confidence", "high"))) for f in data.get("footers", [])
        ),
        name_suffixes=tuple((str(s["suffix"]), str(s.get("agent", "agent"))) for s in data.get("name-suffixes", [])),
        quick=quick,
    )


def patterns_for(config: Config) -> Patterns:
    return build_patterns(tuple(config.ai.markers), tuple(config.ai.trailers), tuple(config.ai.identities))


def marker_words(config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(phrase words, user markers)``: the words every header phrase contains and
    the configured markers, lower-cased. What the cheap "no marker here" test of
    every file needs, without compiling the patterns (most runs never do)."""
    return _phrase_words(), _user_markers(config.ai.markers)


@lru_cache(maxsize=1)
def _phrase_words() -> tuple[str, ...]:
    return tuple(str(w).lower() for w in _builtin_data().get("markers", {}).get("words", []))


def _user_markers(markers: Iterable[str]) -> tuple[str, ...]:
    return tuple(m.strip().lower() for m in markers if m.strip())


def provenance_data_path() -> Path:
    return builtin_rules_dir() / "provenance.toml"
