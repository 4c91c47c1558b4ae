"""Decide from a file's text, before parsing, whether any active rule could fire.

Each check kind declares triggers (``Rule.triggers``): a file is parsed when
any trigger matches. A trigger is

- a word: it must occur anywhere in the text (``"while True"``, ``"sleep"``);
- ``"import:<module>"``: the file must import that top-level module in some
  form (``import x``, ``import a, x.y as z``, ``from x.y import ...``).
  Rules that follow imports use these: a module named only in a docstring or
  a URL ("http://...") does not make a file worth parsing;
- a tuple of triggers: all of them must match (``("except", "while")``).

A trigger set of ``None`` means "always parse".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

IMPORT_PREFIX = "import:"

Trigger = str | tuple  # tuple: all of its items must match


def import_trigger(module: str) -> str:
    return IMPORT_PREFIX + module


def _import_pattern(modules: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({m for m in modules if m})
    if not names:
        return None
    alternatives = "|".join(re.escape(m) for m in names)
    item = r"[\w.]+(?:[ \t]+as[ \t]+\w+)?"
    return re.compile(
        rf"(?:^|;)[ \t]*(?:from[ \t]+(?:{alternatives})\b|import[ \t]+(?:{item}[ \t]*,[\s\\]*)*(?:{alternatives})\b)",
        re.MULTILINE,
    )


@dataclass(frozen=True)
class Prefilter:
    words: frozenset[str]
    imports: re.Pattern[str] | None
    groups: tuple[tuple[Prefilter, ...], ...]  # each group: all must match

    @classmethod
    def compile(cls, triggers: Iterable[Trigger]) -> Prefilter:
        words: set[str] = set()
        modules: set[str] = set()
        groups: list[tuple[Prefilter, ...]] = []
        for trigger in triggers:
            if isinstance(trigger, tuple):
                groups.append(tuple(cls.compile([item]) for item in trigger))
            elif trigger.startswith(IMPORT_PREFIX):
                modules.add(trigger[len(IMPORT_PREFIX) :])
            else:
                words.add(trigger)
        return cls(frozenset(words), _import_pattern(modules), tuple(groups))

    def matches(self, text: str) -> bool:
        if any(word in text for word in self.words):
            return True
        if self.imports is not None and self.imports.search(text):
            return True
        return any(all(part.matches(text) for part in group) for group in self.groups)
