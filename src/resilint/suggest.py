"""One "did you mean" helper for options, codes, rule names and config keys.

Every front end that rejects a word (an unknown option, code, rule name or
config key) calls :func:`did_you_mean` with the words it would have accepted,
so the hint reads the same everywhere: ``did you mean 'REL101'?``.

Matching, first hit wins:

1. an *alias*: a name another linter uses for what resilint calls something
   else (ruff's and flake8's ``per-file-ignores`` is resilint's ``overrides``);
   only offered when the target is among the candidates, so one alias table
   serves keys and options alike;
2. the same word up to case, ``_``/``-`` and leading dashes
   (``--exit_zero``, ``exit-zero`` -> ``--exit-zero``; ``rel101`` -> ``REL101``);
3. for codes, the same code up to the confusions of a copied or retyped code:
   ``O``/``o`` for ``0`` and ``I``/``l`` for ``1`` after the letter prefix
   (``REL1O1`` -> ``REL101``);
4. for words, the fewest edits (a swap of neighbours counts as one:
   ``ingore``) within a budget that grows with the word (``--exit-zeros``,
   ``http-call-without-timout``, a misspelt alias too), else
   :func:`difflib.get_close_matches` with a cutoff of 0.75 (at ruff/clap's
   default 0.6, ``--nope`` "means" ``--ignore``); for codes, one edit and only
   when a single code is that near (``REL1011`` -> ``REL101``, but ``REL109``
   among ``REL101``..``REL108`` gets no guess: a wrong code is worse than none).

Aliases (read from ruff's settings reference, flake8's option list and pylint's
message control; each maps to the resilint key or option doing that job):

========================== ================= =====================================
other linter's name         resilint          note
========================== ================= =====================================
``per-file-ignores``        ``overrides``     flake8, ruff ``[lint]``: per-path ignores
``extend-per-file-ignores`` ``overrides``     ruff
``extend-ignore``           ``ignore``        flake8, ruff (deprecated there); resilint's
                                              ``ignore`` already adds to the defaults
``disable``                 ``ignore``        pylint
``enable``                  ``extend-select`` pylint
``--extend-ignore``         ``--ignore``      flake8, ruff
``--disable``               ``--ignore``      pylint
``--enable``                ``--extend-select`` pylint
``--output-format``         ``--format``      ruff
``--output-file``           ``--output``      ruff, flake8
``--show-source``           ``--format``      flake8/old ruff; the code-frame format
========================== ================= =====================================

``extend-exclude``, ``exclude``, ``select``, ``ignore``, ``extend-select`` and
``--exit-zero``/``--statistics`` have the same names in resilint. ruff's
``ignore-names`` (pep8-naming / flake8-self identifiers), ``fixable``,
``unfixable`` and ``extend-fixable`` have no resilint counterpart and are
deliberately not aliased: pointing them at ``ignore`` would change meaning.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

KEY_ALIASES: Mapping[str, str] = {
    "per-file-ignores": "overrides",
    "extend-per-file-ignores": "overrides",
    "extend-ignore": "ignore",
    "disable": "ignore",
    "enable": "extend-select",
}

OPTION_ALIASES: Mapping[str, str] = {
    "--extend-ignore": "--ignore",
    "--disable": "--ignore",
    "--enable": "--extend-select",
    "--output-format": "--format",
    "--output-file": "--output",
    "--show-source": "--format",
}

ALIASES: Mapping[str, str] = {**KEY_ALIASES, **OPTION_ALIASES}

_CODE = re.compile(r"^(?P<prefix>[A-Z]+)(?P<number>[0-9]+)$")
_CODE_LIKE = re.compile(r"^[A-Za-z]+[0-9OoIl]*[0-9][0-9OoIl]*$")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_WORD_CUTOFF = 0.75


def did_you_mean(word: str, candidates: Iterable[str], *, aliases: Mapping[str, str] | None = None) -> str | None:
    """``"did you mean 'REL101'?"`` for the candidate ``word`` was probably meant
    to be, or ``None`` (also when ``word`` is itself a candidate)."""
    match = closest(word, candidates, aliases=aliases)
    return None if match is None else f"did you mean '{match}'?"


def closest(word: str, candidates: Iterable[str], *, aliases: Mapping[str, str] | None = None) -> str | None:
    """The candidate ``word`` was probably meant to be, or ``None``."""
    pool = list(dict.fromkeys(candidates))
    if not pool or word in pool:
        return None
    table = ALIASES if aliases is None else aliases
    form = _key(word)
    aliased = table.get(word) or table.get(form) or table.get("--" + form)
    if aliased is not None and aliased in pool:
        return aliased
    forms: dict[str, str] = {}
    for candidate in pool:
        forms.setdefault(_key(candidate), candidate)
    for alias, target in table.items():  # a misspelt alias still finds its target
        if target in pool:
            forms.setdefault(_key(alias), target)
    if form in forms:
        return forms[form]
    if _CODE_LIKE.match(word.strip()):
        return _unconfused(word.strip().upper(), pool) or _near_code(_key(_untangled(word.strip().upper())), forms)
    return _near_word(form, forms)


def _near_word(form: str, forms: dict[str, str]) -> str | None:
    """Fewest edits (a swap of neighbours is one edit) within a budget growing
    with the word's length; else the closest by difflib's ratio."""
    budget = 1 if len(form) <= 5 else 2 if len(form) <= 10 else 3
    scored = sorted((_edits(form, f), -difflib.SequenceMatcher(None, form, f).ratio(), f) for f in forms)
    distance, _ratio, best = scored[0]
    if distance <= budget:
        return forms[best]
    found = difflib.get_close_matches(form, list(forms), n=1, cutoff=_WORD_CUTOFF)
    return forms[found[0]] if found else None


def _near_code(form: str, forms: dict[str, str]) -> str | None:
    """One edit away, and only if no other code is as near: for ``REL109``
    among ``REL101``..``REL108`` any pick would be a guess."""
    near = [f for f in forms if _edits(form, f) <= 1]
    return forms[near[0]] if len(near) == 1 else None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions
    and swaps of adjacent characters (``ingore`` -> ``ignore`` is one)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _key(text: str) -> str:
    """The comparable form: no leading dashes, lower case, ``_`` as ``-``."""
    return text.strip().lstrip("-").lower().replace("_", "-")


def _unconfused(word: str, pool: list[str]) -> str | None:
    """A code candidate equal to ``word`` once O/I/L after its prefix read as 0/1."""
    for candidate in pool:
        parts = _CODE.match(candidate)
        if parts is None or not word.startswith(parts["prefix"]):
            continue
        tail = word[len(parts["prefix"]) :].translate(_CONFUSABLE)
        if parts["prefix"] + tail == candidate:
            return candidate
    return None


def _untangled(word: str) -> str:
    """``REL1O9`` -> ``REL109``: the confusions fixed after the first digit."""
    first_digit = next((i for i, c in enumerate(word) if c.isdigit()), len(word))
    return word[:first_digit] + word[first_digit:].translate(_CONFUSABLE)
