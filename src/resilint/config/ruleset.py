"""Which standards are active, for which files, at which severity.

Selection follows ruff: ``select``/``extend-select`` choose codes or prefixes,
``ignore`` removes them, and when both match a code the more specific
(longer) prefix wins, so ``ignore = ["REL1"]`` with ``select = ["REL101"]``
keeps REL101 only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from resilint.checks.index import KindRef, KindTable, StandardFacts, kind_index
from resilint.config.plugins import Registry, default_registry
from resilint.config.settings import Config, Override, builtin_overrides
from resilint.config.standards import (
    Standard,
    builtin_rules_dir,
    index_by_code,
    parse_standard,
)
from resilint.errors import ConfigError
from resilint.model import Severity
from resilint.paths import any_glob_matches
from resilint.rule import Rule

if TYPE_CHECKING:
    from resilint.engine.prefilter import Trigger
    from resilint.provenance.sources import ProvenanceSource
    from resilint.report import Reporter


def _longest_match(prefixes: Iterable[str], code: str) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def is_selected(code: str, select: Iterable[str] | None, ignore: Iterable[str], extend: Iterable[str] = ()) -> bool:
    chosen = max(_longest_match(select, code) if select is not None else 0, _longest_match(extend, code))
    return chosen >= 0 and chosen > _longest_match(ignore, code)


def is_chosen(standard: Standard, select: Iterable[str] | None, ignore: Iterable[str], extend: Iterable[str] = ()) -> bool:
    """:func:`is_selected`, and an opt-in standard only when its full code is named."""
    if standard.opt_in:
        named = {*(select or ()), *extend}
        return standard.code in named and standard.code not in ignore
    return is_selected(standard.code, select, ignore, extend)


@dataclass(frozen=True, eq=False)
class Ruleset:
    config: Config
    standards: Mapping[str, Standard]  # every known standard, by code
    kinds: KindTable  # built-in kinds are imported when first needed
    active: tuple[Standard, ...]
    # What the generated kind index vouches for, by code (checks/index.py): the
    # standard's triggers without importing its kind.
    facts: Mapping[str, StandardFacts] = field(default_factory=dict)
    plugin_errors: tuple[str, ...] = ()
    plugin_versions: Mapping[str, str] = field(default_factory=dict)
    reporters: Mapping[str, Callable[..., Reporter]] = field(default_factory=dict)
    provenance_sources: tuple[ProvenanceSource, ...] = ()
    # Built-in per-path overrides (rules/overrides.toml), then the user's: later wins.
    overrides: tuple[Override, ...] = ()
    # active_for's answers by the overrides that apply (most files share a few sets).
    _active_by_overrides: dict[tuple[int, ...], tuple[Standard, ...]] = field(default_factory=dict, repr=False)

    def kind_of(self, standard: Standard) -> type[Rule]:
        """The standard's check kind (imports it if it is not loaded yet)."""
        return self.kinds[standard.check]

    def triggers(self, standard: Standard) -> Iterable[Trigger] | None:
        """:meth:`Rule.triggers_for`, from the kind index when it vouches for the
        standard (no import), else from the kind's code."""
        facts = self.facts.get(standard.code)
        if facts is not None and not self.kinds.needed_up_front(standard.check, self.config):
            return facts.triggers
        return self.kind_of(standard).triggers_for(standard, self.config)

    def event_of(self, standard: Standard) -> str | None:
        """The engine event the standard's kind reports (:attr:`Rule.event`)."""
        return self.kinds.event(standard.check)

    def reviews_suppressions(self, standard: Standard) -> bool:
        return self.kinds.reviews_suppressions(standard.check)

    def prepare(self) -> None:
        """Run :meth:`Rule.prepare` of every active standard's kind that has one
        (a kind the index does not know counts as having one)."""
        for standard in self.active:
            if self.kinds.needed_up_front(standard.check, self.config):
                self.kind_of(standard).prepare(standard, self.config)

    def active_for(self, relpath: str | None) -> tuple[Standard, ...]:
        """The active standards after per-path overrides."""
        overrides = self._overrides_for(relpath)
        if not overrides:
            return self.active
        key = tuple(i for i, o in enumerate(self.overrides) if o in overrides)  # positions: picklable
        cached = self._active_by_overrides.get(key)
        if cached is not None:
            return cached
        chosen = []
        for standard in self.standards.values():
            selected = standard in self.active
            for override in overrides:
                if override.select and is_chosen(standard, override.select, ()):
                    selected = True
                if override.ignore and not is_selected(standard.code, None, override.ignore):
                    selected = False
            if selected:
                chosen.append(standard)
        found = self._active_by_overrides[key] = tuple(chosen)
        return found

    def severity_override(self, code: str, relpath: str | None) -> Severity | None:
        """A configured severity for ``code`` (per path first, then global), by longest prefix."""
        for table in [o.severity for o in reversed(self._overrides_for(relpath))] + [self.config.severity]:
            best = max((p for p in table if code.startswith(p)), key=len, default=None)
            if best is not None:
                return table[best]
        return None

    def escalation(self, relpath: str | None) -> tuple[int, str | None]:
        """How many levels a critical tier raises findings in this file, and the tier."""
        if relpath is None:
            return 0, None
        best = (0, None)
        for tier in self.config.tiers:
            if any_glob_matches(tier.paths, relpath) and tier.escalate > best[0]:
                best = (tier.escalate, tier.name)
        return best

    def _overrides_for(self, relpath: str | None) -> list[Override]:
        if relpath is None or not self.overrides:
            return []
        return [o for o in self.overrides if any_glob_matches(o.paths, relpath)]

    def check_codes(self, codes: Iterable[str], where: str) -> None:
        """Every code or prefix must name at least one known standard."""
        for code in codes:
            if not any(known.startswith(code) for known in self.standards):
                from resilint.suggest import did_you_mean

                hint = did_you_mean(code, self.standards)
                raise ConfigError(self.config.source, where, f"unknown rule code or prefix {code!r}{'; ' + hint if hint else ''}")


def build_ruleset(config: Config, registry: Registry | None = None) -> Ruleset:
    registry = registry or default_registry()
    user = [parse_standard(t, config.source, i) for i, t in enumerate(config.standards)]
    standards = index_by_code([*registry.standards, *user])
    kinds = KindTable(registry.kinds)
    # A built-in standard the kind index vouches for was validated and linked when
    # the index was generated: its kind is not imported here. Its triggers may come
    # from the standards it links (REL102 covers REL101's calls): those must be the
    # indexed ones too.
    index = kind_index()
    recorded: dict[str, StandardFacts] = {}
    for code, standard in standards.items():
        entry = registry.kinds.get(standard.check)
        if entry is None:
            known = ", ".join(sorted(registry.kinds))
            raise ConfigError(standard.origin, f"standard {standard.code}.check", f"unknown check {standard.check!r} (known: {known})")
        found = index.facts(standard) if isinstance(entry, KindRef) else None
        if found is not None:
            recorded[code] = found
    facts = {code: f for code, f in recorded.items() if all(c in recorded for c in f.linked)}
    for code, standard in standards.items():
        if code not in facts:
            kinds[standard.check].validate(standard)
    for code, standard in list(standards.items()):
        vouched = facts.get(code)
        if vouched is not None:
            linked = tuple(standards[c] for c in vouched.linked)
        else:
            linked = tuple(kinds[standard.check].link(standard, standards))
        if linked:
            standards[code] = dataclasses.replace(standard, linked=linked)
    ruleset = Ruleset(
        config=config,
        standards=standards,
        kinds=kinds,
        facts=facts,
        active=tuple(
            s for s in standards.values() if is_chosen(s, config.select, config.ignore, config.extend_select)
        ),
        plugin_errors=tuple(registry.errors),
        plugin_versions=dict(registry.plugin_versions),
        reporters=dict(registry.reporters),
        provenance_sources=tuple(registry.provenance_sources),
        overrides=(*builtin_overrides(builtin_rules_dir() / "overrides.toml"), *config.overrides),
    )
    ruleset.check_codes(config.select or (), "select")
    ruleset.check_codes(config.ignore, "ignore")
    ruleset.check_codes(config.extend_select, "extend-select")
    ruleset.check_codes(config.severity, "severity")
    for i, override in enumerate(config.overrides):
        for key, codes in (("ignore", override.ignore), ("select", override.select), ("severity", override.severity)):
            ruleset.check_codes(codes, f"overrides[{i}].{key}")
    return ruleset
