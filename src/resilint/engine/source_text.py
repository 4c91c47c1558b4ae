"""Splitting source text into lines the way Python's tokenizer does.

``str.splitlines`` also breaks at form feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and
U+2028/U+2029, which Python does not treat as line ends; line numbers from the
engine would then point at the wrong line. Only ``\\r\\n``, ``\\r`` and ``\\n`` end
a line here.
"""

from __future__ import annotations

import re

BOM = "\ufeff"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_EOL = re.compile(r"(\r\n|\r|\n)\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their endings kept, so joining them gives ``text`` back."""
    return _LINE.findall(text)


def split_eol(line: str) -> tuple[str, str]:
    """``"x = 1\\r\\n"`` -> ``("x = 1", "\\r\\n")``."""
    match = _EOL.search(line)
    if match is None:
        return line, ""
    return line[: match.start()], match.group(1)


def source_lines(text: str) -> list[str]:
    """Lines without endings and without a leading BOM (it is not a column)."""
    if text.startswith(BOM):
        text = text[1:]
    return [split_eol(line)[0] for line in split_lines(text)]


def for_tokenize(text: str) -> str:
    """``text`` with every line end as ``\\n`` (same line numbers and columns):
    ``io.StringIO.readline`` only splits at ``\\n``, Python also at a lone ``\\r``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
