"""What the engine knows of the built-in check kinds without importing them.

Importing the 43 built-in kinds and their helpers costs about as much as the rest
of a run on a file that triggers none of them. Before any file is read the engine
needs only facts: where each kind lives, which kinds report engine events or review
suppression comments, which must run :meth:`~resilint.rule.Rule.prepare` or read
their triggers from the configuration, and, for each built-in standard, its
triggers, its linked standards and that its parameters are valid. Those facts are
in ``_index_data.py``, written by ``python -m resilint.checks.index`` (run it after
changing a kind's triggers or a built-in standard; tests/test_kind_index.py fails
while it is stale). A kind is imported the first time the engine needs its code:
when a file triggers one of its standards, or for a standard the index does not
vouch for (a project's own standard, changed parameters, a plugin's kind).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resilint.config._toml import text_digest

if TYPE_CHECKING:
    from resilint.config.settings import Config
    from resilint.config.standards import Standard
    from resilint.engine.prefilter import Trigger
    from resilint.rule import Rule


@dataclass(frozen=True)
class KindRef:
    """A built-in check kind, not imported yet: what the engine may ask of a kind
    without its code, and where the code is."""

    kind: str
    module: str
    qualname: str
    event: str | None = None  # Rule.event
    reviews_suppressions: bool = False  # Rule.reviews_suppressions
    # Overrides Rule.prepare or Rule.triggers_for without naming the configuration
    # they read (Rule.config_section): imported as soon as one of its standards is
    # active (prepare runs before any file; its triggers need its code).
    eager: bool = False
    config_section: str | None = None  # Rule.config_section

    def needed_up_front(self, config: Config) -> bool:
        """Whether the kind's code is needed before any file: it is eager, or the
        configuration table its triggers and prepare read is not at its defaults."""
        if self.eager:
            return True
        if self.config_section is None:
            return False
        table = getattr(config, self.config_section)
        return bool(table != type(table)())

    def load(self) -> type[Rule]:
        return getattr(importlib.import_module(self.module), self.qualname)  # type: ignore[no-any-return]


class KindTable(Mapping[str, "type[Rule]"]):
    """Check kinds by name; a :class:`KindRef` is imported on first access. The
    facts a KindRef holds are answered without importing it (:meth:`event`,
    :meth:`reviews_suppressions`, :meth:`needed_up_front`)."""

    def __init__(self, entries: Mapping[str, type[Rule] | KindRef]) -> None:
        self._entries = dict(entries)

    def __getitem__(self, name: str) -> type[Rule]:
        entry = self._entries[name]
        if isinstance(entry, KindRef):
            entry = self._entries[name] = entry.load()
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def event(self, name: str) -> str | None:
        return self._entries[name].event

    def reviews_suppressions(self, name: str) -> bool:
        return self._entries[name].reviews_suppressions

    def needed_up_front(self, name: str, config: Config) -> bool:
        """Whether the kind's code is needed as soon as one of its standards is
        active (KindRef.needed_up_front; a loaded class: always)."""
        entry = self._entries[name]
        return entry.needed_up_front(config) if isinstance(entry, KindRef) else True


@dataclass(frozen=True)
class StandardFacts:
    """A built-in standard as the index recorded it: valid for its kind, with
    these triggers (``None``: always run) and these linked standards."""

    check: str
    params: str  # params_digest of the parameters the facts hold for
    triggers: tuple[Trigger, ...] | None
    linked: tuple[str, ...]


def params_digest(params: Mapping[str, Any]) -> str | None:
    """A digest of the parameters' canonical JSON (:func:`~resilint.config._toml.text_digest`:
    it tells a changed built-in standard from the indexed one), or None when they
    hold a value JSON cannot say exactly (such a standard is never vouched for)."""

    def plain(value: object) -> object:
        if isinstance(value, Mapping):
            return dict(value)
        raise TypeError(type(value).__name__)

    try:
        text = json.dumps(dict(params), sort_keys=True, default=plain)
    except (TypeError, ValueError):
        return None
    return text_digest(text)


def _to_data(triggers: Iterable[Trigger] | None) -> list[Any] | None:
    if triggers is None:
        return None

    def one(trigger: Trigger) -> Any:
        return [one(t) for t in trigger] if isinstance(trigger, tuple) else trigger

    return sorted((one(t) for t in triggers), key=repr)


def _from_data(data: list[Any] | None) -> tuple[Trigger, ...] | None:
    if data is None:
        return None

    def one(item: Any) -> Trigger:
        return tuple(one(t) for t in item) if isinstance(item, list) else item

    return tuple(one(t) for t in data)


class KindIndex:
    """The generated facts, read once per process."""

    def __init__(self, kinds: Mapping[str, tuple[Any, ...]], standards: Mapping[str, tuple[Any, ...]]) -> None:
        self.refs = {name: KindRef(name, *entry) for name, entry in kinds.items()}
        self._standards = standards
        self._facts: dict[str, StandardFacts] = {}

    def facts(self, standard: Standard) -> StandardFacts | None:
        """The recorded facts of ``standard``, when the index vouches for it: a
        built-in code with the same kind and parameters as when it was generated."""
        entry = self._standards.get(standard.code)
        if entry is None or entry[0] != standard.check or entry[1] != params_digest(standard.params):
            return None
        facts = self._facts.get(standard.code)
        if facts is None:
            check, params, triggers, linked = entry
            facts = self._facts[standard.code] = StandardFacts(check, params, _from_data(triggers), tuple(linked))
        return facts


_INDEX: KindIndex | None = None


def kind_index() -> KindIndex:
    global _INDEX
    if _INDEX is None:
        from resilint.checks import _index_data

        _INDEX = KindIndex(_index_data.KINDS, _index_data.STANDARDS)
    return _INDEX


# -- generating the index (development) -----------------------------------------


def generate() -> str:
    """The text of ``_index_data.py`` for the kinds and built-in standards as they are."""
    from resilint.checks import builtin_kinds
    from resilint.config.settings import Config
    from resilint.config.standards import (
        builtin_standard_files,
        index_by_code,
        load_standard_file,
    )
    from resilint.rule import Rule

    kinds = {kind.kind: kind for kind in builtin_kinds()}
    standards = index_by_code(s for path in builtin_standard_files() for s in load_standard_file(path))
    defaults = Config(root=Path("."))  # the triggers of kinds that read the configuration, at its defaults
    kind_rows = {}
    for name, kind in kinds.items():
        reads_config = kind.prepare.__func__ is not Rule.prepare.__func__ or kind.triggers_for.__func__ is not Rule.triggers_for.__func__  # type: ignore[attr-defined]
        eager = reads_config and kind.config_section is None
        kind_rows[name] = (kind.__module__, kind.__qualname__, kind.event, kind.reviews_suppressions, eager, kind.config_section)
    standard_rows = {}
    for code, standard in sorted(standards.items()):
        kind = kinds[standard.check]
        kind.validate(standard)  # an invalid built-in standard must not be vouched for
        params = params_digest(standard.params)
        if params is None:
            continue
        linked = tuple(kind.link(standard, standards))
        # Triggers may read the linked standards (REL102 covers the calls of REL101's):
        # computed on the standard as the ruleset builds it.
        triggers = kind.triggers_for(dataclasses.replace(standard, linked=linked) if linked else standard, defaults)
        standard_rows[code] = (standard.check, params, _to_data(triggers), [s.code for s in linked])
    lines = [
        '"""Generated by ``python -m resilint.checks.index``: do not edit (see index.py)."""',
        "",
        "# kind: (module, class, event, reviews_suppressions, eager, config_section)",
        "KINDS = {",
        *(f"    {name!r}: {row!r}," for name, row in sorted(kind_rows.items())),
        "}",
        "",
        "# code: (check, params_digest, triggers (None: always run), linked codes)",
        "STANDARDS = {",
        *(f"    {code!r}: {row!r}," for code, row in standard_rows.items()),
        "}",
        "",
    ]
    return "\n".join(lines)


def generate_prebuilt() -> str:
    """The text of ``config/_prebuilt.py``: every built-in rules file, parsed, as a
    function building its tables from constants (fresh objects at every call), by
    the digest of the text it was parsed from (config/_toml.py)."""
    from resilint.config import _toml
    from resilint.config.standards import builtin_rules_dir

    root = builtin_rules_dir()
    functions, entries = [], []
    for i, path in enumerate(sorted(root.rglob("*.toml"))):
        text = path.read_text(encoding="utf-8")
        data = _toml.loads(text)
        if not _plain(data):
            continue  # a value repr() cannot write back (a date): parsed at run time
        name = f"_{i}"
        functions += [f"def {name}():  # {path.relative_to(root).as_posix()}", f"    return {data!r}", "", ""]
        entries.append(f"    {_toml.text_digest(text)!r}: {name},")
    return "\n".join(
        [
            '"""Generated by ``python -m resilint.checks.index``: do not edit (see config/_toml.py)."""',
            "",
            "",
            *functions,
            "BY_DIGEST = {",
            *entries,
            "}",
            "",
        ]
    )


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int, bool))


def data_path() -> Path:
    return Path(__file__).with_name("_index_data.py")


def prebuilt_path() -> Path:
    return Path(__file__).parents[1] / "config" / "_prebuilt.py"


def main(argv: Iterable[str] = ()) -> int:
    """``python -m resilint.checks.index [--check]``: write the package's generated
    data (the kind index, the pre-parsed built-in rules), or with ``--check`` exit 1
    when what is written is stale."""
    check = "--check" in list(argv)
    stale = []
    for path, make in ((prebuilt_path(), generate_prebuilt), (data_path(), generate)):
        text = make()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if text != current:
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"stale: {', '.join(map(str, stale))}: run python -m resilint.checks.index", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
