"""People's labels of judged outputs (task -> correct yes/no), which measure an llm_judge's agreement."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb

from routeboard.errors import InvalidInput, Problem
from routeboard.store.labels import judged_models, replace_labels, suite_task_ids
from routeboard.store.suites import resolve_suite_id

TRUE = {"true", "1", "yes", "y", "correct", "pass"}
FALSE = {"false", "0", "no", "n", "wrong", "fail"}


def parse_labels(filename: str, text: str) -> list[tuple[int, dict]]:
    """(line, record) pairs from a CSV or JSONL file with task_id, correct and an optional model column."""
    if filename.lower().endswith(".jsonl"):
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InvalidInput(Problem(filename, number, None, f"not valid JSON: {exc.msg}")) from None
        return records
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [(index + 2, row) for index, row in enumerate(reader)]


def import_labels(con: duckdb.DuckDBPyConnection, suite: str, path: str | Path) -> int:
    """Store labels for a suite's judged outputs; all-or-nothing. Returns how many were stored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(Problem(str(path), None, None, f"cannot read the labels: {exc}")) from None
    suite_id = resolve_suite_id(con, suite)
    models = judged_models(con, suite_id)
    tasks = suite_task_ids(con, suite_id)
    problems, labels = [], {}
    for line, record in parse_labels(path.name, text):
        task_id, model, raw = str(record.get("task_id") or ""), record.get("model") or None, record.get("correct")
        value = str(raw).strip().lower() if raw is not None else ""
        if task_id not in tasks:
            problems.append(Problem(str(path), line, "task_id", f"no task {task_id!r} in {suite_id}"))
        if value not in TRUE | FALSE:
            problems.append(Problem(str(path), line, "correct", f"use yes/no or true/false; got {raw!r}"))
        if model is None and len(models) != 1:
            problems.append(Problem(str(path), line, "model", "say which model's output this label is about "
                                    f"({len(models)} models ran on this suite)"))
        elif (model or (models[0] if models else None)) not in models:
            problems.append(Problem(str(path), line, "model", f"no results of {model!r} on {suite_id}"))
        else:
            labels[(task_id, model or models[0])] = value in TRUE
    if problems:
        raise InvalidInput(problems)
    replace_labels(con, suite_id, labels)
    return len(labels)
