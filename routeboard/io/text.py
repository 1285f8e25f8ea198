"""Bytes to text: the size limit, byte-order marks, UTF-8 or UTF-16, and text that cannot be stored."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from routeboard.errors import InvalidInput, Problem, Problems
from routeboard.settings import max_file_bytes

LONE_SURROGATE = "text holds an unpaired surrogate escape such as \\ud800 (half a character); not valid Unicode"
# Longest first: a UTF-32 LE mark begins with the UTF-16 LE one. Excel's "Unicode text" is UTF-16 with a mark.
_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, problems: Problems, max_bytes: int | None = None) -> str | None:
    """The file's text, or None after noting why not (over the size limit, not UTF-8/UTF-16)."""
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    if len(data) > limit:
        problems.add(
            None,
            None,
            f"file is {len(data) / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit "
            "(set ROUTEBOARD_MAX_FILE_MB to raise it)",
        )
        return None
    mark, encoding = next(((m, e) for m, e in _MARKS if data.startswith(m)), (b"", "utf-8"))
    body = data[len(mark) :]
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = _line_of(body, exc.start, encoding)
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()[:6]
        problems.add(line, None, f"not valid {name} (byte 0x{body[exc.start]:02x}); save the file as UTF-8")
        return None


def _line_of(body: bytes, offset: int, encoding: str) -> int:
    """The line an undecodable byte is on (lines counted in the text decoded before it)."""
    if encoding == "utf-8":
        return body[:offset].count(b"\n") + 1
    return body[:offset].decode(encoding, errors="replace").count("\n") + 1


def file_bytes(path: str | Path) -> bytes:
    """A file's bytes; raises InvalidInput naming the file when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(Problem(str(path), None, None, "no such file"))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(Problem(str(path), None, None, f"cannot read the file: {exc.strerror}")) from None


def valid_unicode(value) -> bool:
    """False when parsed JSON/YAML text holds an escaped lone surrogate, which cannot be stored as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (ValueError, RecursionError):  # a self-reference or deep nesting: the field checks report those
        return True
    return True


def storable(value, lenient: bool = False) -> bool:
    """Whether a parsed value can be stored as JSON (``lenient``: other scalars such as YAML dates become text)."""
    try:
        json.dumps(value, default=str if lenient else None)
    except (TypeError, ValueError, RecursionError):  # a date or bytes; a self-reference; absurd nesting
        return False
    return True
