"""Review in a spreadsheet: `review export` writes the queue as a blinded sheet (an opaque item id, no model or
run), `review import` stores the filled rows, all or nothing, every bad row named by its line."""

from __future__ import annotations

from pathlib import Path

import duckdb

from routeboard.errors import Problems, ReviewError
from routeboard.io.records import read_csv
from routeboard.io.text import decode, file_bytes
from routeboard.review.queue import (
    REJECT_REASONS,
    asked_of,
    checked_review,
    item_key,
    prompt_text,
    reviewer_name,
    save_reviews,
)
from routeboard.store import reviews as store
from routeboard.team.access import Actor, require

SHEET_COLUMNS = ("item_id", "suite_id", "task_id", "prompt", "output", "reference", "verdict", "reason", "note")
SHEET_ANSWERS = ("verdict", "reason", "note", "edited_output")
_SHEET_FIELDS = (("a rejection", "reason"), ("unknown reason", "reason"), ("an edit", "edited_output"))


def export_queue(
    con: duckdb.DuckDBPyConnection, suite_id: str, reviewer: str | None = None, *, actor: Actor | None = None
):
    """The items the queue asks of ``reviewer``, blinded (an opaque item_id, no model or run), with empty answer
    columns to fill in a spreadsheet (a pandas DataFrame). Nothing is claimed: a sheet can sit in an inbox for days."""
    import pandas as pd

    require(actor, "review")
    require(actor, "see_content")  # the sheet holds task inputs and outputs (the content_roles setting)

    suite_id, suite, wanted = asked_of(con, suite_id, reviewer)
    tasks = {task.id: task for task in suite.tasks}
    salt = store.review_salt(con)
    rows = [
        {
            "item_id": key.item_id(salt),
            "suite_id": suite_id,
            "task_id": key.task_id,
            "prompt": prompt_text(suite, tasks[key.task_id]),
            "output": output,
            "reference": tasks[key.task_id].expected or "",
            **dict.fromkeys(SHEET_ANSWERS, ""),
        }
        for key, _slot, output in wanted
    ]
    return pd.DataFrame(rows, columns=[*SHEET_COLUMNS, "edited_output"])


def import_reviews(
    con: duckdb.DuckDBPyConnection, path: str | Path, reviewer: str, *, actor: Actor | None = None
) -> int:
    """Store the filled rows of a review sheet as ``reviewer``'s reviews; every row is checked first and any
    problem (by CSV line) stores nothing. Rows with an empty verdict are left for later. Returns reviews stored."""
    actor = require(actor, "review")
    reviewer = reviewer_name(reviewer)
    problems = Problems(str(path))
    text = decode(file_bytes(path), problems)
    problems.raise_if_any()
    header, records = read_csv(text, problems, empty="the review sheet is empty: export one with `review export`")
    missing = [column for column in ("item_id", "suite_id", "verdict") if header and column not in header]
    if missing:
        problems.add(1, None, f"missing column(s) {', '.join(missing)}; export the sheet with `review export`")
        problems.raise_if_any()
    items: dict[str, dict[str, dict]] = {}  # suite -> item_id -> stored row
    labels = {label.casefold(): reason for reason, label in REJECT_REASONS.items()}
    rows, seen, salt = [], set(), store.review_salt(con)
    for line, fields in records:
        verdict = str(fields.get("verdict") or "").strip().lower()
        if not verdict:
            continue
        suite_id = str(fields.get("suite_id") or "")
        if suite_id not in items:
            items[suite_id] = {item_key(row).item_id(salt): row for row in store.suite_items(con, suite_id)}
        row = items[suite_id].get(str(fields.get("item_id") or "").strip())
        if row is None:
            problems.add(line, "item_id", f"no such item in {suite_id or 'this database'}; export a fresh sheet")
            continue
        key = item_key(row)
        if key in seen:
            problems.add(line, "item_id", "this item appears twice in the sheet; keep one row")
        elif reviewer in row["reviewers"]:
            problems.add(line, "item_id", f"{reviewer} has already reviewed this item; each person reviews it once")
        elif row["reviews"] >= 2:
            problems.add(line, "item_id", "this item already has its two reviews; clear its verdict")
        seen.add(key)
        reason = str(fields.get("reason") or "").strip()
        try:
            rows.append(
                checked_review(
                    con,
                    key,
                    reviewer,
                    verdict,
                    reason=labels.get(reason.casefold(), reason) or None,
                    note=fields.get("note"),
                    edited_output=fields.get("edited_output"),
                    source="csv",
                )
            )
        except ReviewError as error:  # located at the column to fix
            message = str(error)
            field = next((column for start, column in _SHEET_FIELDS if message.startswith(start)), "verdict")
            problems.add(line, field, message)
    problems.raise_if_any()
    save_reviews(con, rows, actor=actor)
    return len(rows)
