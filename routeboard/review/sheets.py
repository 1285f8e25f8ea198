"""Review in a spreadsheet: `review export` writes the queue as a blinded sheet (an opaque item id, no model or
run) and holds its items for the exporter as the Review page holds what it shows; `review import` stores the filled
rows, all or nothing, every bad row named by its line. With sign-in, a sheet is the acting person's own."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path
from typing import NamedTuple

import duckdb

from routeboard.errors import Problems, ReviewError
from routeboard.io.records import read_csv
from routeboard.io.text import decode, file_bytes
from routeboard.review.queue import CLAIM_MINUTES, REJECT_REASONS, asked_of, item_key, prompt_text
from routeboard.review.record import checked_review, save_reviews
from routeboard.review.reviewers import reviewer_for
from routeboard.store import reviews as store
from routeboard.team.access import Actor, require

SHEET_COLUMNS = ("item_id", "suite_id", "task_id", "prompt", "output", "reference", "verdict", "reason", "note")
SHEET_ANSWERS = ("verdict", "reason", "note", "edited_output")
_SHEET_FIELDS = (("a rejection", "reason"), ("unknown reason", "reason"), ("an edit", "edited_output"))


def export_queue(
    con: duckdb.DuckDBPyConnection,
    suite_id: str,
    reviewer: str | None = None,
    *,
    limit: int | None = None,
    actor: Actor | None = None,
):
    """The items the queue asks of ``reviewer`` (with sign-in, the acting person), blinded (an opaque item_id, no
    model or run), with empty answer columns to fill in a spreadsheet (a pandas DataFrame), at most ``limit``.

    Each is claimed for the reviewer for CLAIM_MINUTES, as the Review page claims what it shows: nobody else is
    handed it meanwhile, and a verdict from another on it is refused. An item someone claims at the same instant
    is left out of the sheet."""
    import pandas as pd

    actor = require(actor, "review")
    require(actor, "see_content")  # the sheet holds task inputs and outputs (the content_roles setting)
    if limit is not None and limit < 1:
        raise ReviewError(f"--limit must be 1 or more; got {limit}")
    asked = asked_of(con, suite_id, reviewer, actor=actor)
    wanted = asked.items[:limit]
    held = set(store.claim_many(con, [(astuple(key), slot) for key, slot, _ in wanted], asked.reviewer, CLAIM_MINUTES))
    tasks = {task.id: task for task in asked.suite.tasks}
    salt = store.review_salt(con)
    rows = [
        {
            "item_id": key.item_id(salt),
            "suite_id": asked.suite_id,
            "task_id": key.task_id,
            "prompt": prompt_text(asked.suite, tasks[key.task_id]),
            "output": output,
            "reference": tasks[key.task_id].expected or "",
            **dict.fromkeys(SHEET_ANSWERS, ""),
        }
        for key, slot, output in wanted
        if (astuple(key), slot) in held
    ]
    return pd.DataFrame(rows, columns=[*SHEET_COLUMNS, "edited_output"])


class Imported(NamedTuple):
    """A stored sheet: how many reviews, and whose."""

    stored: int
    reviewer: str


def import_reviews(
    con: duckdb.DuckDBPyConnection, path: str | Path, reviewer: str | None = None, *, actor: Actor | None = None
) -> Imported:
    """Store the filled rows of a review sheet as ``reviewer``'s reviews (with sign-in, the acting person's: naming
    someone else is refused); every row is checked first and any problem (by CSV line) stores nothing, a verdict on
    an item another reviewer holds included. Rows with an empty verdict are left for later."""
    actor = require(actor, "review")
    reviewer = reviewer_for(actor, reviewer)
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
    claims: dict[str, dict] = {}  # suite -> (item, slot) -> who holds it now
    for line, fields in records:
        verdict = str(fields.get("verdict") or "").strip().lower()
        if not verdict:
            continue
        suite_id = str(fields.get("suite_id") or "")
        if suite_id not in items:
            items[suite_id] = {item_key(row).item_id(salt): row for row in store.suite_items(con, suite_id)}
            live = [c for c in store.claims(con, suite_id, CLAIM_MINUTES) if not c["expired"]]
            claims[suite_id] = {(item_key(c), c["slot"]): c["reviewer"] for c in live}
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
        elif claims[suite_id].get((key, row["reviews"] + 1), reviewer) != reviewer:
            problems.add(line, "item_id", f"{store.held_text(CLAIM_MINUTES)}; clear its verdict")
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
    return Imported(len(rows), reviewer)
