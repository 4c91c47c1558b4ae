"""TOML reading: tomli on every Python.

The standard library's tomllib is the same parser, but pure Python; tomli's
wheels (2.2.1 and later) are compiled with mypyc and parse the built-in
standards (190 KB, read by every run) about 3x faster. Where no compiled wheel
exists, tomli is the pure-Python parser and nothing is lost.
"""

from __future__ import annotations

import tomli

TOMLDecodeError = tomli.TOMLDecodeError
loads = tomli.loads
load = tomli.load

__all__ = ["TOMLDecodeError", "load", "loads"]
