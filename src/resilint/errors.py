"""Exceptions that end a run with exit status 2 and a message naming the cause."""

from __future__ import annotations


class ResilintError(Exception):
    """A usage, configuration or environment error (exit status 2)."""


class ConfigError(ResilintError):
    """Invalid configuration: the message names the file, the key and what was expected."""

    def __init__(self, source: object, key: str | None, problem: str) -> None:
        where = f"{source}" if key is None else f"{source}: {key}"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem
