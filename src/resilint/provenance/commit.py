"""The commit being made: ``resilint check --staged --commit-msg-file FILE``.

pre-commit's ``commit-msg`` stage runs after git has written the message and
before the commit exists, so the hook can read the trailers the commit will
carry. When they (or its author identity, as ``git var`` reports it) name an
agent, every line the commit adds — the lines a blame of the staged text
attributes to no commit yet — is AI-assisted, with the message's trailer as the
evidence: the same verdict ``resilint check`` reaches right after the commit.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from resilint.config.settings import Config
from resilint.errors import ResilintError
from resilint.git import git_output
from resilint.model import Provenance
from resilint.provenance import git as gitmod
from resilint.provenance.agents import Commit, patterns_for

SCISSORS = "------------------------ >8 ------------------------"  # `git commit -v`: the diff below is no message


def take_message_file(
    args: argparse.Namespace, paths: list[Path]
) -> tuple[list[Path], str]:
    """``--commit-msg-file`` without a value: the last PATH is the message file
    (pre-commit appends it after the hook's ``args``); the paths left are checked."""
    if args.commit_msg_file:
        return paths, args.commit_msg_file
    if not args.paths:
        raise ResilintError(
            "--commit-msg-file: no message file given (expected --commit-msg-file FILE, or FILE as the last path)"
        )
    rest = paths[:-1]
    args.paths = args.paths[:-1]
    return rest or [Path(".")], str(paths[-1])


def read_message(file: Path) -> str:
    """The message git will record: comment lines and anything below the scissors
    line of ``git commit -v`` are not part of it."""
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ResilintError(
            f"--commit-msg-file: cannot read {file}: {exc.strerror}"
        ) from None
    kept: list[str] = []
    for line in text.splitlines():
        if line.lstrip("#").strip() == SCISSORS or line.strip() == f"# {SCISSORS}":
            break
        if not line.startswith("#"):
            kept.append(line)
    return "\n".join(kept)


def _ident(variable: str, cwd: Path) -> tuple[str, str]:
    out = git_output(["var", variable], cwd)
    text = out.decode("utf-8", "replace").strip() if out else ""
    name, _, rest = text.partition(" <")
    return name.strip(), rest.partition(">")[0].strip()


def classify_message(message: str, config: Config, cwd: Path) -> Provenance | None:
    """The AI signal of the commit being made, or None: its message (trailers
    anywhere in it, footers) and the author and committer git will record."""
    author, committer = (
        _ident("GIT_AUTHOR_IDENT", cwd),
        _ident("GIT_COMMITTER_IDENT", cwd),
    )
    found = patterns_for(config).classify(Commit("", *author, *committer, message))
    if found is None:
        return None
    detail = found.detail.removesuffix(" ()")
    return dataclasses.replace(found, detail=f"{detail} (the commit being made)")


def declare_pending_commit(file: Path, config: Config) -> Provenance | None:
    """Read the message and, when it names an agent, make the lines the commit adds
    AI-assisted for this run (git provenance off: ``RESILINT_AI_ASSISTED`` instead,
    the whole staged change)."""
    found = classify_message(read_message(file), config, config.root)
    gitmod.pending_commit = found
    if found is not None and not (config.git_provenance and config.ai.git):
        os.environ["RESILINT_AI_ASSISTED"] = "1"
    return found
