"""Per-item functions for the isolation tests.  They live in a module of their
own because workers import them by reference (forkserver/spawn)."""

import os
import signal
import time


def work(x):
    """Misbehave according to the item; otherwise return a recognisable result."""
    if x == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if x == "hang":
        time.sleep(60)
    if x == "mem":
        return len(bytearray(3 * 1024**3))
    if x == "exit":
        os._exit(3)
    if x == "raise":
        raise ValueError("bad item")
    return ("done", x, os.getpid())


def parse(text):
    """What resilint's worker would do: parse with libcst (may segfault)."""
    import libcst

    libcst.parse_module(text)
    return "parsed"


INHERITED = None  # set by a test's parent_setup before workers are forked


def inherited(x):
    """What the worker found of the parent's setup (nothing unless it was forked after it)."""
    return (x, INHERITED)
