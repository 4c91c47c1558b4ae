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

    def __reduce__(self) -> tuple[type[ConfigError], tuple[object, str | None, str]]:
        # Picklable with its three arguments: it crosses process boundaries (flake8 -j,
        # the runner's pool), and a failed unpickle there hangs the parent.
        return (type(self), (self.source, self.key, self.problem))
