"""Result files as rows: per-sample CSV or JSONL (columns task_id, category, model, correct, ...) and
promptfoo's results JSON, checked row by row and across rows (one result per trial, one category per suite)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from routeboard.errors import Problems
from routeboard.io.promptfoo_results import read_promptfoo
from routeboard.io.records import Record, read_csv, read_jsonl
from routeboard.io.result_rows import CONVERTERS, ResultRow

REQUIRED_COLUMNS = ("task_id", "category", "model", "correct")
OPTIONAL_COLUMNS = (
    "suite",
    "trial",
    "valid",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "output",
    "tier",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PROMPTFOO_CATEGORY = "promptfoo"
MAX_PROBLEMS = 200  # a systematic mistake in a 100,000-row file should not print 100,000 lines


def parse_results(
    filename: str, text: str, *, category: str | None = None, suite: str | None = None
) -> tuple[list[ResultRow], str]:
    """Rows and the format name ('csv', 'jsonl', 'promptfoo') of a decoded file; raises InvalidInput."""
    problems = Problems(filename, MAX_PROBLEMS)
    suffix = Path(filename).suffix.lower()
    if suffix == ".json":
        rows = read_promptfoo(text, category or PROMPTFOO_CATEGORY, suite, problems)
        fmt = "promptfoo"
    elif suffix in (".csv", ".jsonl", ".ndjson"):
        fmt = "csv" if suffix == ".csv" else "jsonl"
        records = read_csv(text, problems)[1] if fmt == "csv" else read_jsonl(text, problems)
        rows = _rows_from_records(records, fmt, category, suite, problems)
    else:
        problems.add(
            None,
            None,
            "unsupported file type: use .csv or .jsonl (columns task_id, category, model, "
            "correct, ...) or promptfoo's .json results (promptfoo eval -o results.json)",
        )
        rows, fmt = [], ""
    if not rows and not problems:
        problems.add(None, None, "no results found")
    _check_consistency(rows, problems)
    problems.raise_if_any()
    return rows, fmt


def _rows_from_records(
    records: list[Record], fmt: str, category: str | None, suite: str | None, problems: Problems
) -> list[ResultRow]:
    """Check the columns once, then every record; a missing CSV column is reported once, not per row."""
    first_seen: dict[str, int] = dict.fromkeys(records[0].fields, 1) if fmt == "csv" and records else {}
    for line, record in records if fmt == "jsonl" else ():  # CSV rows all carry the header's columns
        for key in record:
            first_seen.setdefault(key, line)
    for key, line in first_seen.items():
        if key not in KNOWN_COLUMNS and (key or fmt == "jsonl"):  # read_csv reports an empty CSV column name
            problems.add(line, key, f"unknown column (known: {', '.join(KNOWN_COLUMNS)})")
    required = [c for c in REQUIRED_COLUMNS if not (c == "category" and category)]
    if fmt == "csv" and records:
        for column in required:
            if column not in first_seen:
                problems.add(1, column, "missing column" + (" (or pass --category)" if column == "category" else ""))
        if problems:
            return []
    return [
        row
        for line, record in records
        if (row := _row_from_record(line, record, category, suite, required, problems)) is not None
    ]


def _row_from_record(line, record, category, suite, required, problems: Problems) -> ResultRow | None:
    values: dict[str, Any] = {}
    failed = []
    for column, raw in record.items():
        convert = CONVERTERS.get(column)  # unknown columns are reported once, by _rows_from_records
        if convert is None or raw is None or (column != "output" and isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[column] = convert(raw)
        except ValueError as exc:
            problems.add(line, column, f"{exc}; got {raw!r}"[:300])
            failed.append(column)
    missing = [column for column in required if column not in values and column not in failed]
    for column in missing:
        problems.add(line, column, "missing value")
    if failed or missing:
        return None
    category_name = category or values["category"]  # an argument wins over the file, as for suites
    return ResultRow(
        line=line,
        prefix="",
        suite=suite or values.get("suite") or category_name,
        category=category_name,
        task_id=values["task_id"],
        model=values["model"],
        correct=values["correct"],
        trial=values.get("trial", 1),
        valid=values.get("valid", True),
        score=1.0 if values["correct"] else 0.0,
        input_tokens=values.get("input_tokens"),
        output_tokens=values.get("output_tokens"),
        cost_usd=values.get("cost_usd"),
        latency_ms=values.get("latency_ms"),
        output=values.get("output"),
        tier=values.get("tier"),
    )


def _check_consistency(rows: list[ResultRow], problems: Problems) -> None:
    """One result per (suite, task, model, trial); one category per suite; one tier per model."""
    seen: dict[tuple, ResultRow] = {}
    suite_category: dict[str, ResultRow] = {}
    model_tier: dict[str, ResultRow] = {}
    for row in rows:
        key = (row.suite, row.task_id, row.model, row.trial)
        first = seen.setdefault(key, row)
        if first is not row:
            problems.add(
                row.line,
                row.prefix + ("testIdx" if row.prefix else "task_id"),
                f"duplicate result for task {row.task_id!r}, model {row.model!r}, trial {row.trial} "
                f"(first at {_where(first)}, again at {_where(row)})",
            )
        first = suite_category.setdefault(row.suite, row)
        if first.category != row.category:
            problems.add(
                row.line,
                row.prefix + "category",
                f"suite {row.suite!r} is category {first.category!r} at "
                f"{_where(first)} but {row.category!r} here; one suite holds one category (add a suite "
                "column)",
            )
        if row.tier is not None:
            first = model_tier.setdefault(row.model, row)
            if first.tier != row.tier:
                problems.add(
                    row.line,
                    row.prefix + "tier",
                    f"model {row.model!r} is tier {first.tier!r} at {_where(first)} but {row.tier!r} here",
                )


def _where(row: ResultRow) -> str:
    return f"line {row.line}" if row.line is not None else row.prefix.rstrip(".")


RESULT_COLUMNS = {"task_id", "model", "correct"}
RESULTS_HINT = (
    "this is a results file (per-sample results: task_id, model, correct), not a task file: import it under "
    "Results import, or `python -m routeboard results import FILE`"
)


def looks_like_results(filename: str, data: bytes) -> bool:
    """Whether a file is per-sample results (columns task_id + model + correct, or promptfoo's results JSON),
    read from its first line or document, so a task uploader can point to the import instead of listing problems."""
    suffix = Path(filename).suffix.lower()
    head = data[:65536].decode("utf-8-sig", errors="replace")
    if suffix == ".csv":
        header = next(csv.reader(io.StringIO(head)), [])
        return RESULT_COLUMNS <= {column.strip().lower() for column in header}
    if suffix in (".jsonl", ".ndjson"):
        first = next((line for line in head.splitlines() if line.strip()), "")
        try:
            record = json.loads(first)
        except json.JSONDecodeError:
            return False
        return isinstance(record, dict) and RESULT_COLUMNS <= set(record)
    if suffix == ".json":
        try:
            doc = json.loads(data.decode("utf-8-sig", errors="replace"))
        except json.JSONDecodeError:
            return False
        return isinstance(doc, dict) and isinstance(doc.get("results"), (dict, list))
    return False
