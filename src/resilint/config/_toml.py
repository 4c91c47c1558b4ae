"""TOML reading: tomli on every Python.

The standard library's tomllib is the same parser, but pure Python; tomli's
wheels (2.2.1 and later) are compiled with mypyc and parse the built-in
standards (190 KB, read by every run) about 3x faster. Where no compiled wheel
exists, tomli is the pure-Python parser and nothing is lost.

The built-in rules files are read faster still: :func:`loads_builtin` returns the
copy parsed when the package was built (``_prebuilt.py``, written by
``python -m resilint.checks.index``) when the text is the one it was parsed from.
"""

from __future__ import annotations

import zlib
from typing import Any

import tomli

TOMLDecodeError = tomli.TOMLDecodeError
loads = tomli.loads
load = tomli.load

__all__ = ["TOMLDecodeError", "load", "loads", "loads_builtin", "text_digest"]


def text_digest(text: str) -> str:
    """CRC-32 and length of the UTF-8 text: tells an edited file from the parsed one."""
    data = text.encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}-{len(data)}"


def loads_builtin(text: str) -> dict[str, Any]:
    """:func:`loads` for a file of the built-in ``rules/``: the same tables, built
    from constants (about 15x faster than parsing them, which every run did at
    start-up); a file edited since the package was built is parsed."""
    try:
        from resilint.config._prebuilt import BY_DIGEST
    except ImportError:  # a checkout before its first `python -m resilint.checks.index`
        return tomli.loads(text)
    make = BY_DIGEST.get(text_digest(text))
    return make() if make is not None else tomli.loads(text)
