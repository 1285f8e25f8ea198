"""Tabular files as records: CSV, JSONL and Parquet, the shapes results and dataset files come in.

A table keeps its rows as ``Record`` (line or row number, fields by column) and its columns in order of first
appearance, so a column mapping can be proposed from them and every problem located where it is.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import NamedTuple

from routeboard.errors import Problems
from routeboard.io.records import Record, read_csv, read_jsonl
from routeboard.io.text import LONE_SURROGATE, decode, valid_unicode
from routeboard.settings import max_file_bytes

TABLE_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


class Table(NamedTuple):
    """One file's rows: its name, format, columns (first appearance order) and records."""

    name: str
    fmt: str
    columns: list[str]
    records: list[Record]

    @property
    def stem(self) -> str:
        """The file's name without folder or suffix: a model or category taken from the file's name."""
        return Path(self.name).stem


def table_format(filename: str) -> str | None:
    """'csv', 'jsonl' or 'parquet' by the file's suffix; None for any other file."""
    return TABLE_SUFFIXES.get(Path(filename).suffix.lower())


def read_table(filename: str, data: bytes, problems: Problems, max_bytes: int | None = None) -> Table | None:
    """The file's rows, or None after noting why it cannot be read (size, encoding, syntax, suffix)."""
    fmt = table_format(filename)
    if fmt is None:
        problems.add(None, None, "unsupported file type: use .csv, .jsonl or .parquet")
        return None
    if fmt == "parquet":
        return _parquet(filename, data, problems, max_bytes)
    text = decode(data, problems, max_bytes)
    if text is None:
        return None
    if fmt == "csv":
        header, records = read_csv(text, problems)
        return Table(filename, fmt, header, records)
    records = read_jsonl(text, problems)
    columns = list(dict.fromkeys(key for record in records for key in record.fields))
    return Table(filename, fmt, columns, records)


def _parquet(filename: str, data: bytes, problems: Problems, max_bytes: int | None) -> Table | None:
    """A Parquet file's rows, numbered from 1 (a Parquet file has no lines)."""
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    if len(data) > limit:
        problems.add(None, None, f"file is {len(data) / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit")
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        problems.add(None, None, f"not a readable Parquet file: {str(exc)[:200]}")
        return None
    rows = table.to_pylist()
    records = []
    for number, row in enumerate(rows, start=1):
        if not valid_unicode(row):
            problems.add(number, None, LONE_SURROGATE)
            continue
        records.append(Record(number, row))
    return Table(filename, "parquet", list(table.column_names), records)
