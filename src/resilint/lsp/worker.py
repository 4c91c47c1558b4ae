"""The language server's checker process (an isolation.IsolatedRunner worker): it
runs the engine so the server's event loop never does, and so a file that
crashes native code, hangs or exhausts memory costs a worker restart, not the
editor session. Imports nothing of pygls: spawning it stays
cheap, and it unpickles only what it needs.

Configurations are the API's (:func:`resilint.api.config_for_folder`: reloaded
when a ``pyproject.toml`` on the way up changes on disk); ``generation`` goes up
when the client says a configuration file changed, which drops them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from resilint.model import Finding

_generation = -1

# What the fork server imports, in order, before forking workers: the engine
# (preload.py), one check of a sample that pays the first check's one-time costs
# (rehearsal.py), and the CLI, which the console script imports: a worker runs the
# server's main script again as __mp_main__ (Python 3.11's fork server drops the
# "__main__" preload), and finds the CLI imported.
PRELOAD = ("resilint.lsp.preload", "resilint.lsp.rehearsal", "resilint.cli.main")


def start_fork_server() -> None:
    """Start the fork server now, in its own process, so that it imports the engine
    and libcst while the server process imports pygls (on two cores, at the same
    time); the checker runner later forks its workers from it. Does nothing where
    fork servers do not exist (the runner spawns its worker then)."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(["__main__", *PRELOAD])
    forkserver.ensure_running()


@dataclass(frozen=True)
class Outcome:
    """What comes back (picklable): findings with their doc links, or why not."""

    findings: tuple[tuple[Finding, str | None], ...] = ()
    config_error: str | None = None
    crash: str | None = None  # the check raised (a bug of ours): logged, the editor keeps what it shows
    failure: str | None = None  # set by the server: the worker died or hung on this text (REL003)


def warm_up(folder: str | None = None) -> None:
    """Before the worker says it is ready (so none of it counts against a check's
    time budget): import the engine (libcst's import is the slow part) and build
    the linter of the workspace folder's configuration, which most checks use."""
    global _generation
    # the engine and libcst, then the first check's one-time costs, if not preloaded already
    from resilint.lsp import preload, rehearsal  # noqa: F401

    _generation = 0  # the server's first generation: the first check keeps what is built here
    if folder:
        from resilint import api

        try:
            api.linter_for(api.config_for_folder(Path(folder))).prepare()
        except Exception:  # noqa: BLE001, S110 - a broken configuration is reported by the first check, with its message
            pass


def check(item: tuple[str, str, int]) -> Outcome:
    """One check (``text``, ``path``, ``generation``), in the isolated worker."""
    global _generation
    text, path, generation = item
    from resilint import api
    from resilint.errors import ResilintError
    from resilint.explain.links import doc_url_for

    if generation != _generation:
        api.forget_configs()
        _generation = generation
    try:
        linter = api.linter_for(api.config_for_folder(Path(path).parent))
        file = Path(path)
        findings = linter.check_source(text, path, file=file if file.is_file() else None).findings
        standards = linter.ruleset.standards
    except ResilintError as exc:  # ConfigError included: not picklable as is, so sent as text
        return Outcome(config_error=str(exc))
    except Exception as exc:  # a bug must cost one check, not the editor session
        return Outcome(crash=f"{type(exc).__name__}: {exc}")
    # the links of the codes found only (each resolves paths: all of them cost ~10 ms a check)
    links = {code: doc_url_for(standards[code]) for code in {f.code for f in findings} if code in standards}
    return Outcome(tuple((f, links.get(f.code)) for f in findings))
