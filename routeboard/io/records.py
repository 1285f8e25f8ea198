"""Records from decoded text: CSV rows and JSONL lines as (line, fields), and whole JSON documents.

Each reader notes every problem it finds (file, line, field) and keeps reading, so one pass lists them all.
CSV cells are kept as given: formula-injection escaping belongs to exports, not to reading.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, NamedTuple

from routeboard.errors import Problems
from routeboard.io.text import LONE_SURROGATE, valid_unicode

_LINE_END = re.compile(r"\r\n?|\n")  # not splitlines(): U+2028 or U+0085 inside a JSON string is text


class Record(NamedTuple):
    """One row or line of a file: where it starts and its fields by name."""

    line: int
    fields: dict[str, Any]


def read_csv(text: str, problems: Problems, *, empty: str | None = None) -> tuple[list[str], list[Record]]:
    """(header, records) of a CSV with a header row; ``empty`` is the problem to note for an empty file."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        if empty:
            problems.add(1, None, empty)
        return [], []
    except csv.Error as exc:  # e.g. a field over csv's size limit
        problems.add(1, None, f"cannot read the CSV header: {exc}")
        return [], []
    for i, name in enumerate(header):
        if not name:
            problems.add(1, f"column {i + 1}", "empty column name")
        elif header.index(name) != i:
            problems.add(1, name, "duplicate column name")
    return header, _csv_rows(reader, header, problems)


def _csv_rows(reader, header: list[str], problems: Problems) -> list[Record]:
    records, line = [], reader.line_num
    while True:
        start = line + 1  # a quoted cell may span lines: a row is located where it starts
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            problems.add(start, None, f"malformed CSV row: {exc}")
            return records
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.add(start, None, f"row has {len(cells)} cells, the header has {len(header)}")
            continue
        records.append(Record(start, dict(zip(header, cells, strict=True))))


def read_jsonl(text: str, problems: Problems) -> list[Record]:
    """One record per non-blank line; each line must be a JSON object of valid Unicode."""
    records = []
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            problems.add(number, None, f"not valid JSON: {getattr(exc, 'msg', 'nested too deeply')}")
            continue
        if not isinstance(record, dict):
            problems.add(number, None, "each line must be a JSON object")
            continue
        if not valid_unicode(record):
            problems.add(number, None, LONE_SURROGATE)
            continue
        records.append(Record(number, record))
    return records


def read_json(text: str, problems: Problems) -> Any:
    """A whole JSON document, or None after noting why it cannot be read."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        problems.add(getattr(exc, "lineno", None), None, f"not valid JSON: {getattr(exc, 'msg', 'nested too deeply')}")
        return None
    if not valid_unicode(doc):
        problems.add(None, None, LONE_SURROGATE)
        return None
    return doc
