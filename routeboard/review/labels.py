"""People's labels of judged outputs (task -> correct yes/no), which measure an llm_judge's agreement."""

from __future__ import annotations

from pathlib import Path

import duckdb

from routeboard.errors import Problems
from routeboard.io.records import Record, read_csv, read_jsonl
from routeboard.io.text import decode, file_bytes
from routeboard.store.labels import judged_models, replace_labels, suite_task_ids
from routeboard.store.suites import resolve_suite_id
from routeboard.team import audit
from routeboard.team.access import Actor, require

TRUE = {"true", "1", "yes", "y", "correct", "pass"}
FALSE = {"false", "0", "no", "n", "wrong", "fail"}


def parse_labels(filename: str, text: str, problems: Problems) -> list[Record]:
    """Records from a CSV or JSONL file with task_id, correct and an optional model column."""
    if filename.lower().endswith(".jsonl"):
        return read_jsonl(text, problems)
    return read_csv(text, problems, empty="the labels file is empty: it needs a header row (task_id, correct)")[1]


def import_labels(con: duckdb.DuckDBPyConnection, suite: str, path: str | Path, *, actor: Actor | None = None) -> int:
    """Store labels for a suite's judged outputs; all-or-nothing. Returns how many were stored. People's verdicts:
    a reviewer's action (routeboard/team/access.py), audited."""
    actor = require(actor, "review")
    path = Path(path)
    problems = Problems(str(path))
    text = decode(file_bytes(path), problems)
    problems.raise_if_any()
    records = parse_labels(path.name, text, problems)
    suite_id = resolve_suite_id(con, suite)
    labels = _labels(records, suite_id, judged_models(con, suite_id), suite_task_ids(con, suite_id), problems)
    problems.raise_if_any()
    replace_labels(con, suite_id, labels)
    audit.record_now(con, actor, "review", target=suite_id, detail={"labels": len(labels), "file": path.name})
    return len(labels)


def _labels(
    records: list[Record], suite_id: str, models: list[str], tasks: set[str], problems: Problems
) -> dict[tuple[str, str], bool]:
    """(task_id, model_id) -> correct for each record, noting every bad value by line and field."""
    labels = {}
    for line, record in records:
        task_id, model, raw = str(record.get("task_id") or ""), record.get("model") or None, record.get("correct")
        value = str(raw).strip().lower() if raw is not None else ""
        if task_id not in tasks:
            problems.add(line, "task_id", f"no task {task_id!r} in {suite_id}")
        if value not in TRUE | FALSE:
            problems.add(line, "correct", f"use yes/no or true/false; got {raw!r}")
        if model is None and len(models) != 1:
            problems.add(
                line, "model", f"say which model's output this label is about ({len(models)} models ran on this suite)"
            )
        elif (model or (models[0] if models else None)) not in models:
            problems.add(line, "model", f"no results of {model!r} on {suite_id}")
        else:
            labels[(task_id, model or models[0])] = value in TRUE
    return labels
