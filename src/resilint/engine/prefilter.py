"""Decide from a file's text, before parsing, whether any active rule could fire.

Each check kind declares triggers (``Rule.triggers``): a file is parsed when
any trigger matches. A trigger is

- a word: it must occur anywhere in the text (``"while True"``, ``"sleep"``);
- ``"import:<qualified name>"``: the file must import the top-level module of
  that name in some form (``import x``, ``import a, x.y as z``, ``from x.y
  import ...``). Rules that follow imports use these: a module named only in
  a docstring or a URL ("http://...") does not make a file worth parsing. The
  rest of the name (``import:sqlalchemy.text``) tells slicing.py which of the
  imported names matter;
- ``"re:<pattern>"``: a regular expression that must match somewhere in the
  text, for what a word cannot say precisely enough (``except`` naming a
  broad class and doing nothing: ``re:except\b[^:]*\bException\b...``);
  flags go inline and scoped (``(?i:drop)``);
- a tuple of triggers: all of them must match (``("except", "while")``);
  slicing.py reads it per definition: all must match in the same one;
- ``"file:<trigger>"``, in a tuple: must match the file, but may match in a
  different definition than the rest of the tuple (the verb of a SQL string
  can sit in a module constant, far from the ``execute`` that runs it).

A trigger set of ``None`` means "always parse".
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

IMPORT_PREFIX = "import:"
REGEX_PREFIX = "re:"
FILE_PREFIX = "file:"

Trigger = str | tuple  # tuple: all of its items must match


def import_trigger(module: str) -> str:
    return IMPORT_PREFIX + module


# One item of ``import a.b as c, d`` and what separates it from the next: shared by
# ImportPattern and imported_words, which must agree on what a file imports.
_ITEM = r"[\w.]+(?:[ \t]+as[ \t]+\w+)?"
_ITEM_SEPARATOR = r"[ \t]*,[\s\\]*"


def _import_pattern(modules: Iterable[str]) -> ImportPattern | None:
    names = sorted({m.split(".", 1)[0] for m in modules if m})
    if not names:
        return None
    alternatives = "|".join(re.escape(m) for m in names)
    return ImportPattern(
        rf"(?:^|;)[ \t]*(?:from[ \t]+(?:{alternatives})\b|import[ \t]+(?:{_ITEM}{_ITEM_SEPARATOR})*(?:{alternatives})\b)"
    )


@dataclass(frozen=True)
class ImportPattern:
    """The regex that finds an import of some modules, compiled on first search:
    it only runs when one of the module names occurs in the text, which most
    files never reach, and compiling every kind's pattern up front cost more
    than checking a small file."""

    source: str

    def search(self, text: str) -> re.Match[str] | None:
        return _compiled(self.source).search(text)


@lru_cache(maxsize=None)
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source, re.MULTILINE)


# What an ImportPattern matches, read once for every module: where a statement can
# start (a line start or ``;``), ``from <word>`` or ``import`` and its comma-separated
# items; the first word of each item is imported. A text matches the ImportPattern of
# some modules exactly when one of them is among these words (the pattern requires
# the module's name to be a whole word at one of these places).
_IMPORT_START = re.compile(r"(?:^|;)[ \t]*(?:from[ \t]+(\w+)|import[ \t]+)", re.MULTILINE)
_WORD = re.compile(r"\w+")
_NEXT_ITEM = re.compile(_ITEM + _ITEM_SEPARATOR)


def imported_words(text: str) -> frozenset[str]:
    """The top-level names ``text`` imports in the sense of :class:`ImportPattern`
    (``import a.b as c, d`` -> a, d; ``from x.y import z`` -> x), wherever the
    statements are (strings included, as the pattern does)."""
    found: set[str] = set()
    for start in _IMPORT_START.finditer(text):
        module = start.group(1)
        if module is not None:
            found.add(module)
            continue
        pos = start.end()
        while True:
            word = _WORD.match(text, pos)
            if word is not None:
                found.add(word.group())
            item = _NEXT_ITEM.match(text, pos)
            if item is None:
                break
            pos = item.end()
    return frozenset(found)


class Probe:
    """One text's answers to the tests of many trigger sets, each test run at most
    once: a word's occurrence, a pattern's search, the imported names (one scan for
    every set's imports instead of one regex search per set)."""

    __slots__ = ("text", "_words", "_searches", "_imported")

    def __init__(self, text: str) -> None:
        self.text = text
        self._words: dict[str, bool] = {}
        self._searches: dict[re.Pattern[str], bool] = {}
        self._imported: frozenset[str] | None = None

    def has(self, word: str) -> bool:
        found = self._words.get(word)
        if found is None:
            found = self._words[word] = word in self.text
        return found

    def searches(self, pattern: re.Pattern[str]) -> bool:
        found = self._searches.get(pattern)
        if found is None:
            found = self._searches[pattern] = pattern.search(self.text) is not None
        return found

    def imports(self, pattern: ImportPattern, tops: tuple[str, ...]) -> bool:
        """Whether ``pattern`` (the ImportPattern of the modules ``tops``) matches."""
        if self._imported is None:
            self._imported = imported_words(self.text)
        if not self._imported.isdisjoint(tops):
            return True
        if all(_WORD.fullmatch(top) for top in tops):
            return False
        return self.searches(_compiled(pattern.source))  # a name that is not one word: the pattern itself


@dataclass(frozen=True)
class Prefilter:
    words: frozenset[str]
    imports: ImportPattern | None
    groups: tuple[tuple[Prefilter, ...], ...]  # each group: all must match
    patterns: re.Pattern[str] | None = None  # the re: triggers, as one alternation
    modules: frozenset[str] = frozenset()  # the qualified names of the import triggers, groups included
    # The top-level modules of ``imports``: one must occur as text before the regex
    # (which tries every line start) is worth running; most files mention none.
    import_tops: tuple[str, ...] = ()

    @classmethod
    def compile(cls, triggers: Iterable[Trigger], *, per_definition: bool = False) -> Prefilter:
        """``per_definition``: for slicing, where a ``file:`` member of a tuple is
        already known to match (the file passed) and says nothing about a definition."""
        words: set[str] = set()
        modules: set[str] = set()
        patterns: set[str] = set()
        groups: list[tuple[Prefilter, ...]] = []
        for trigger in triggers:
            if isinstance(trigger, tuple):
                if per_definition:
                    trigger = tuple(t for t in trigger if not (isinstance(t, str) and t.startswith(FILE_PREFIX)))
                else:
                    trigger = tuple(t.removeprefix(FILE_PREFIX) if isinstance(t, str) else t for t in trigger)
                groups.append(tuple(cls.compile([item]) for item in trigger))
            elif trigger.startswith(IMPORT_PREFIX):
                modules.add(trigger[len(IMPORT_PREFIX) :])
            elif trigger.startswith(REGEX_PREFIX):
                patterns.add(trigger[len(REGEX_PREFIX) :])
            else:
                words.add(trigger)
        in_groups = {m for group in groups for part in group for m in part.modules}
        tops = tuple(sorted({m.split(".", 1)[0] for m in modules}))
        regex = re.compile("|".join(f"(?:{p})" for p in sorted(patterns))) if patterns else None
        return cls(frozenset(words), _import_pattern(modules), tuple(groups), regex, frozenset(modules | in_groups), tops)

    def within(self, text: str) -> Prefilter:
        """The same test for pieces of ``text`` (slicing.py asks it of every
        definition): words, modules and groups that do not occur in it are left out."""
        words = frozenset(w for w in self.words if w in text)
        tops = tuple(t for t in self.import_tops if t in text)
        groups = tuple(
            narrowed
            for narrowed in (tuple(part.within(text) for part in group) for group in self.groups)
            if all(part.words or part.import_tops or part.patterns is not None or part.groups for part in narrowed)
        )
        return Prefilter(words, self.imports if tops else None, groups, self.patterns, self.modules, tops)

    def probe(self, probe: Probe) -> bool:
        """:meth:`matches` for ``probe.text``, through the probe's shared answers."""
        if any(probe.has(word) for word in self.words):
            return True
        if self.imports is not None and probe.imports(self.imports, self.import_tops):
            return True
        if self.patterns is not None and probe.searches(self.patterns):
            return True
        return any(all(part.probe(probe) for part in group) for group in self.groups)

    def matches(self, text: str) -> bool:
        if any(word in text for word in self.words):
            return True
        if self.imports is not None and any(top in text for top in self.import_tops) and self.imports.search(text):
            return True
        if self.patterns is not None and self.patterns.search(text):
            return True
        return any(all(part.matches(text) for part in group) for group in self.groups)


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Selection(Generic[K]):
    """Which of several trigger sets (one per key, e.g. per active standard) a text
    matches. Keys that declare the same triggers share one :class:`Prefilter`, and
    the union is tried first: most files match nothing and cost one scan."""

    union: Prefilter | None  # None: some key always runs
    sets: tuple[tuple[Prefilter | None, tuple[K, ...]], ...]

    @classmethod
    def compile(cls, declared: Sequence[tuple[K, Iterable[Trigger] | None]]) -> Selection[K]:
        by_triggers: dict[tuple[Trigger, ...] | None, list[K]] = {}
        for key, triggers in declared:
            by_triggers.setdefault(None if triggers is None else tuple(triggers), []).append(key)
        sets = tuple(
            (None if triggers is None else Prefilter.compile(triggers), tuple(keys))
            for triggers, keys in by_triggers.items()
        )
        union = None if None in by_triggers else Prefilter.compile(t for triggers in by_triggers if triggers for t in triggers)
        return cls(union, sets)

    def matching(self, text: str) -> set[K]:
        """The keys whose triggers match."""
        probe = Probe(text)
        if self.union is not None and not self.union.probe(probe):
            return set()
        return {key for prefilter, keys in self.sets if prefilter is None or prefilter.probe(probe) for key in keys}
