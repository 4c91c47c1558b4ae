from __future__ import annotations

import pytest

from resilint.config.settings import TOP_LEVEL_KEYS
from resilint.suggest import KEY_ALIASES, closest, did_you_mean

CODES = ["REL101", "REL102", "REL1", "REL2", "REL201", "REL903"]
OPTIONS = [
    "--exit-zero",
    "--statistics",
    "--select",
    "--extend-select",
    "--ignore",
    "--format",
    "--output",
    "--add-noqa",
]
KEYS = sorted(TOP_LEVEL_KEYS)  # the real configuration keys, not a copy


@pytest.mark.parametrize(
    "word, candidates, expected",
    [
        ("REL1O1", CODES, "REL101"),
        ("REL1o1", CODES, "REL101"),
        ("RELl01", CODES, "REL101"),
        ("rel101", CODES, "REL101"),
        ("REL1011", CODES, "REL101"),
        ("REL999", CODES, None),
        ("REL109", CODES, None),  # REL101 or REL102? no guess
        ("--exit-zeros", OPTIONS, "--exit-zero"),
        ("--exit_zero", OPTIONS, "--exit-zero"),
        ("exit-zero", OPTIONS, "--exit-zero"),
        ("--statistic", OPTIONS, "--statistics"),
        ("--ingore", OPTIONS, "--ignore"),
        ("--output-format", OPTIONS, "--format"),
        ("--extend-ignore", OPTIONS, "--ignore"),
        ("--nope", OPTIONS, None),
        ("per-file-ignores", KEYS, "overrides"),
        ("per_file_ignores", KEYS, "overrides"),
        ("per-file-ignore", KEYS, "overrides"),
        ("extend-per-file-ignores", KEYS, "overrides"),
        ("extend-ignore", KEYS, "ignore"),
        ("exlcude", KEYS, "exclude"),
        ("ignore-names", KEYS, None),
        (
            "http-call-without-timout",
            ["http-call-without-timeout", "retry-without-backoff"],
            "http-call-without-timeout",
        ),
    ],
)
def test_closest(word, candidates, expected):
    assert closest(word, candidates) == expected


def test_phrase_and_exact_words():
    assert did_you_mean("REL1O1", CODES) == "did you mean 'REL101'?"
    assert did_you_mean("REL101", CODES) is None
    assert did_you_mean("anything", []) is None


def test_alias_only_when_its_target_is_a_candidate():
    assert closest("per-file-ignores", ["select", "ignore"]) is None
    assert closest("per-file-ignores", KEYS, aliases={}) is None
    assert set(KEY_ALIASES.values()) <= set(KEYS)
