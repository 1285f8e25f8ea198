"""Result files as rows: per-sample tables (CSV, JSONL, Parquet) read through a column mapping, in the long layout
(one row per result) or the wide one (a column per model), and promptfoo's results JSON; several files at once,
checked row by row and across rows (one result per trial, one category per suite)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routeboard.domain import REFUSAL
from routeboard.errors import Problem, Problems
from routeboard.io.promptfoo_results import read_promptfoo
from routeboard.io.result_mapping import (
    FIELD_NAMES,
    FROM_FILE,
    OUTCOMES,
    MappingEdits,
    ResultMapping,
    cell_text,
    mapping_problems,
)
from routeboard.io.result_proposal import edited, label_counts, propose
from routeboard.io.result_rows import CONVERTERS, ResultRow
from routeboard.io.tables import Table, read_table, table_format
from routeboard.io.text import decode
from routeboard.present import said

KNOWN_COLUMNS = FIELD_NAMES  # the fields a column can be mapped to (a column of the same name is proposed)
PROMPTFOO_CATEGORY = "promptfoo"
MAX_PROBLEMS = 200  # a systematic mistake in a 100,000-row file should not print 100,000 lines
LONG_FIELDS = ("task_id", "category", "suite", "trial", "input", "expected", "tier", "model")


@dataclass
class ResultsPreview:
    """What a set of result files holds as read through a mapping (the proposed one unless given): the rows, and
    what a person checks before importing: the columns no field reads, the distinct correctness values with
    their counts, and every problem (nothing is imported while there is one)."""

    files: list[str]
    fmt: str
    columns: list[str] = field(default_factory=list)
    mapping: ResultMapping | None = None  # None: no table to map (promptfoo JSON only, or unreadable files)
    labels: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: list[ResultRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    given: dict[str, str] = field(default_factory=dict)  # the category or suite given for every row (win over columns)

    def counts(self) -> list[dict]:
        """Results and correct answers per (category, model), in order of first appearance."""
        found: dict[tuple[str, str], dict] = {}
        for row in self.rows:
            entry = found.setdefault(
                (row.category, row.model), {"category": row.category, "model": row.model, "results": 0, "correct": 0}
            )
            entry["results"] += 1
            entry["correct"] += row.correct
        return list(found.values())

    def label_rows(self) -> list[dict]:
        """Each distinct correctness value, how many rows hold it and the outcome it is read as."""
        labels = self.mapping.labels if self.mapping else {}
        booleans = {"true": "correct", "false": "wrong"}
        return [
            {"value": value, "rows": count, "outcome": labels.get(value) or booleans.get(value.lower(), "")}
            for value, count in self.labels.items()
        ]


def preview_results(
    files: list[tuple[str, bytes]],
    *,
    mapping: ResultMapping | None = None,
    edits: MappingEdits | None = None,
    category: str | None = None,
    suite: str | None = None,
    max_bytes: int | None = None,
) -> ResultsPreview:
    """Read result files through ``mapping`` (else the proposed one) with a person's ``edits``; never raises for
    what is in the files (their problems are in the preview)."""
    names = [name for name, _ in files]
    problems = Problems(names[0] if names else "<no file>", MAX_PROBLEMS)
    tables, rows = [], []
    for name, data in files:
        found = problems.in_file(name)
        if Path(name).suffix.lower() == ".json":
            text = decode(data, found, max_bytes)
            if text is not None:
                for row in read_promptfoo(text, category or PROMPTFOO_CATEGORY, suite, found):
                    row.source = name
                    rows.append(row)
        elif table_format(name) is None:
            found.add(
                None,
                None,
                "unsupported file type: use .csv, .jsonl or .parquet (per-sample results; the columns are mapped) "
                "or promptfoo's .json results (promptfoo eval -o results.json)",
            )
        elif (table := read_table(name, data, found, max_bytes)) is not None:
            tables.append(table)
    preview = ResultsPreview(names, _format(files, tables))
    preview.given = {name: value for name, value in (("category", category), ("suite", suite)) if value}
    tables = [table for table in tables if table.records]  # an empty file adds nothing (and "no results" if alone)
    if tables:
        preview.mapping = edited(tables, mapping if mapping is not None else propose(tables), edits)
        for name, message in mapping_problems(preview.mapping):
            problems.add(None, name, message)
        preview.columns = list(dict.fromkeys(c for t in tables for c in t.columns))
        preview.ignored = [c for c in preview.columns if c not in preview.mapping.used()]
        preview.labels = label_counts(tables, preview.mapping)
        if not problems:
            rows += rows_from_tables(tables, preview.mapping, category, suite, problems, preview.notes)
    if not rows and not problems:
        problems.add(None, None, "no results found")
    check_consistency(rows, problems)
    preview.rows, preview.problems = ([], problems.shown()) if problems else (rows, [])
    return preview


def _format(files: list[tuple[str, bytes]], tables: list[Table]) -> str:
    kinds = {"promptfoo" if Path(name).suffix.lower() == ".json" else table_format(name) or "?" for name, _ in files}
    return kinds.pop() if len(kinds) == 1 else "mixed"


# ---------------------------------------------------------------- tables through a mapping


def rows_from_tables(
    tables: list[Table],
    mapping: ResultMapping,
    category: str | None,
    suite: str | None,
    problems: Problems,
    notes: list[str],
) -> list[ResultRow]:
    """One row per result (per model, in the wide layout); the mapping is checked against every file first, so a
    missing column or an unmapped label is said once, not once per row."""
    _check_mapping(tables, mapping, category, problems)
    if problems:
        return []
    rows, skipped = [], 0
    context = (category, suite, mapping.rename)
    for table in tables:
        found = problems.in_file(table.name)
        for number, record in enumerate(table.records, start=1):
            base = _values(record, table, mapping.columns, LONG_FIELDS)
            if not mapping.wide:
                row = _row(record.line, {**base, **_values(record, table, mapping.columns, _PER_ROW)}, mapping)
                rows.append(_checked(row, record.line, number, table, context, found))
                continue
            for model, columns in mapping.models.items():
                own = _values(record, table, columns, _PER_ROW)
                if "correct" not in own:  # this model has no result on this question
                    skipped += 1
                    continue
                row = _row(record.line, {**base, **own, "model": (model, "model")}, mapping)
                rows.append(_checked(row, record.line, number, table, context, found))
    if skipped:
        notes.append(f"{skipped:,} empty correctness cells skipped (a model with no result on that question)")
    return [row for row in rows if row is not None]


_PER_ROW = ("correct", "valid", "output", "input_tokens", "output_tokens", "cost_usd", "latency_ms")


def _values(record, table: Table, columns: dict[str, str], fields) -> dict[str, tuple[Any, str]]:
    """field -> (raw value, the column it came from) for the mapped fields with a value in this record."""
    found = {}
    for name in fields:
        column = columns.get(name)
        if column is None:
            continue
        raw = table.stem if column == FROM_FILE else record.fields.get(column)
        if raw is None or (name != "output" and isinstance(raw, str) and not raw.strip()):
            continue
        found[name] = (raw, "(file name)" if column == FROM_FILE else column)
    return found


def _row(line, values: dict[str, tuple[Any, str]], mapping: ResultMapping) -> dict:
    """The record's fields converted; a value that cannot be converted is kept as (None, problem, column)."""
    converted: dict[str, Any] = {"_problems": []}
    for name, (raw, column) in values.items():
        if name == "correct" and mapping.labels:
            converted["_outcome"] = mapping.labels.get(cell_text(raw)) or None
            converted["correct"] = converted["_outcome"] == "correct"
            continue
        try:
            converted[name] = CONVERTERS[name](raw)
        except ValueError as exc:
            converted["_problems"].append((column, f"{exc}; got {raw!r}"[:300]))
    converted["_columns"] = {name: column for name, (_, column) in values.items()}
    return converted


def _checked(values: dict, line, number: int, table: Table, context: tuple, problems: Problems) -> ResultRow | None:
    category, suite, rename = context
    for column, message in values["_problems"]:
        problems.add(line, column, message)
    required = ["model", "correct"] + ([] if category else ["category"])
    missing = [name for name in required if name not in values and name not in values["_columns"]]
    for name in missing:
        problems.add(line, name, "missing value")
    if values["_problems"] or missing or ("_outcome" in values and values["_outcome"] is None):
        return None  # an unmapped label was said once, for its value
    outcome = values.get("_outcome")
    valid = values.get("valid", True) and outcome not in ("invalid", REFUSAL)
    correct = bool(values["correct"]) and valid
    category_name = category or values["category"]  # an argument wins over the file, as for suites
    return ResultRow(
        line=line,
        prefix="",
        suite=suite or values.get("suite") or category_name,
        category=category_name,
        task_id=values.get("task_id") or f"{table.stem}-{number:04d}",
        model=rename.get(values["model"], values["model"]),
        correct=correct,
        trial=values.get("trial", 1),
        valid=valid,
        score=1.0 if correct else 0.0,
        input_tokens=values.get("input_tokens"),
        output_tokens=values.get("output_tokens"),
        cost_usd=values.get("cost_usd"),
        latency_ms=values.get("latency_ms"),
        output=values.get("output"),
        tier=values.get("tier"),
        detail=REFUSAL if outcome == REFUSAL else None,
        input=values.get("input"),
        expected=values.get("expected"),
        source=table.name,
    )


def _check_mapping(tables: list[Table], mapping: ResultMapping, category: str | None, problems: Problems) -> None:
    """Every field a result needs is mapped, every mapped column is in every file, every label has an outcome."""
    needs = {
        "model": "no model column: "
        + said(
            f"map one (--map model=COLUMN), take it from each file's name (--map model={FROM_FILE}), or name each "
            "model's correctness column in the wide layout (--wide MODEL=COLUMN)",
            "choose its column, or the file's name, under Column mapping",
        ),
        "correct": "missing column: no column says whether each answer was correct; "
        + said("map one (--map correct=COLUMN)", "choose it under Column mapping"),
        "category": "missing column: no category; "
        + said(
            f"map one (--map category=COLUMN), take it from each file's name (--map category={FROM_FILE}) or "
            "pass --category",
            "choose its column or the file's name under Column mapping, or type one in “Category”",
        ),
    }
    for name, message in needs.items():
        mapped = mapping.wide if name in ("model", "correct") and mapping.wide else name in mapping.columns
        if not mapped and not (name == "category" and category):
            problems.add(1 if tables[0].fmt == "csv" else None, name, message)
    if problems:
        return
    wanted = {c for name, c in mapping.columns.items() if c != FROM_FILE} | {
        c for fields in mapping.models.values() for c in fields.values()
    }
    for table in tables:
        present = set(table.columns)
        for column in sorted(wanted - present):
            what = _mapped_as(mapping, column)
            problems.in_file(table.name).add(
                1 if table.fmt == "csv" else None,
                column,
                f"missing column (mapped as {what}); columns: " + ", ".join(table.columns[:30]),
            )
    _check_labels(tables, mapping, problems)


def _mapped_as(mapping: ResultMapping, column: str) -> str:
    names = [name for name, c in mapping.columns.items() if c == column]
    names += [
        f"{model}'s {name}" for model, fields in mapping.models.items() for name, c in fields.items() if c == column
    ]
    return " and ".join(names)


def _check_labels(tables: list[Table], mapping: ResultMapping, problems: Problems) -> None:
    """One problem per correctness value with no outcome, at the first line that holds it."""
    if not mapping.labels:
        return
    columns = mapping.correctness_columns()
    told: set[str] = set()
    for table in tables:
        for record in table.records:
            for column in columns:
                raw = record.fields.get(column)
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    continue
                value = cell_text(raw)
                if mapping.labels.get(value) or value in told:
                    continue
                told.add(value)
                problems.in_file(table.name).add(
                    record.line,
                    column,
                    f"the value {value!r} has no outcome: "
                    + said(f"map it with --label {_quoted(value + '=OUTCOME')}", "choose one under Outcomes")
                    + f" ({', '.join(OUTCOMES)})",
                )


def _quoted(text: str) -> str:
    return text if text.replace("=", "").replace("_", "").isalnum() else repr(text)


def check_consistency(rows: list[ResultRow], problems: Problems) -> None:
    """One result per (suite, task, model, trial); one category per suite; one tier per model."""
    seen: dict[tuple, ResultRow] = {}
    suite_category: dict[str, ResultRow] = {}
    model_tier: dict[str, ResultRow] = {}
    for row in rows:
        found = problems.in_file(row.source) if row.source else problems
        key = (row.suite, row.task_id, row.model, row.trial)
        first = seen.setdefault(key, row)
        if first is not row:
            found.add(
                row.line,
                row.prefix + ("testIdx" if row.prefix else "task_id"),
                f"duplicate result for task {row.task_id!r}, model {row.model!r}, trial {row.trial} "
                f"(first at {_where(first, row)}, again at {_where(row, first)})",
            )
        first = suite_category.setdefault(row.suite, row)
        if first.category != row.category:
            found.add(
                row.line,
                row.prefix + "category",
                f"suite {row.suite!r} is category {first.category!r} at "
                f"{_where(first, row)} but {row.category!r} here; one suite holds one category (add a suite "
                "column)",
            )
        if row.tier is not None:
            first = model_tier.setdefault(row.model, row)
            if first.tier != row.tier:
                found.add(
                    row.line,
                    row.prefix + "tier",
                    f"model {row.model!r} is tier {first.tier!r} at {_where(first, row)} but {row.tier!r} here",
                )


def _where(row: ResultRow, other: ResultRow) -> str:
    """Where a row is, naming its file when the other row is in another one."""
    where = f"line {row.line}" if row.line is not None else row.prefix.rstrip(".")
    return f"{where} of {Path(row.source).name}" if row.source != other.source else where


RESULT_COLUMNS = {"task_id", "model", "correct"}
RESULTS_HINT = (
    "this is a results file (per-sample results: task_id, model, correct), not a task file: import it under "
    "Results import, or `routeboard results import FILE`"
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
