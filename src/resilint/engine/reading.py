"""Step 1 of a check: from a path or bytes to text, as the interpreter decodes it.

A file that cannot be read is a :class:`~resilint.model.FileError` (it was not
checked); one that can be read but not decoded is a syntax-error event (it is not
Python the interpreter would accept).
"""

from __future__ import annotations

import io
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from resilint.engine.analysis import Located
from resilint.engine.events import SYNTAX_ERROR
from resilint.model import Span

# Larger files are reported, not checked: libcst would take minutes on them.
MAX_FILE_BYTES = 20_000_000
FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class ReadFailure:
    """Why a file's bytes could not be had (a one-line reason for an error line)."""

    reason: str


def read_file(file: Path) -> bytes | ReadFailure:
    """The file's bytes, or why they cannot be read (never raises for I/O)."""
    try:
        info = file.stat()
        if stat.S_ISDIR(info.st_mode):
            return ReadFailure("is a directory, not a Python file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            return ReadFailure("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            size = info.st_size / 1_000_000
            return ReadFailure(f"too large to check ({size:.0f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB)")
        return file.read_bytes()
    except OSError as exc:
        return ReadFailure(f"cannot read: {exc.strerror or type(exc).__name__}")


def decode_source(data: bytes) -> str:
    """Decode Python source like the interpreter: BOM, then encoding cookie, else UTF-8.
    Raises ``SyntaxError`` (bad cookie) or ``UnicodeDecodeError``."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def read_text(source: str | bytes) -> tuple[str, Located | None]:
    """Decode like the interpreter (BOM, then encoding cookie, else UTF-8); a file
    that cannot be decoded or holds null bytes is one syntax-error event."""
    if isinstance(source, bytes):
        try:
            text = decode_source(source)
        except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
            return "", Located(SYNTAX_ERROR, Span(1, 1, 1, 2), f"cannot decode: {exc}")
    else:
        text = source[1:] if source.startswith("\ufeff") else source
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return text, Located(SYNTAX_ERROR, Span(line, 1, line, 2), "contains null bytes (binary file?)")
    return text, None
