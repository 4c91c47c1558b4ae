"""The ``resilint`` command: argument parsing and the sub-commands."""

from resilint.cli.main import main

__all__ = ["main"]
