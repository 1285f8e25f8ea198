"""Recording people's reviews: each checked, stored all or nothing and audited without naming the run or model
(the first review of a trial decides it; a second only measures agreement). SQL in routeboard/store/reviews.py."""

from __future__ import annotations

import uuid
from dataclasses import astuple

import duckdb

from routeboard.errors import ReviewError
from routeboard.review.queue import CLAIM_MINUTES, REJECT_REASONS, VERDICTS, ItemKey, item_key
from routeboard.review.reviewers import reviewer_for, reviewer_name
from routeboard.store import reviews as store
from routeboard.team import audit
from routeboard.team.access import Actor, require

_SAVE_TRIES = 3  # two first reviews saved at the same instant: DuckDB refuses one, which is then a second review


def checked_review(con: duckdb.DuckDBPyConnection, key: ItemKey, reviewer: str, verdict: str, **answers) -> dict:
    """The review as a row to store, or ReviewError naming what is wrong with it."""
    reviewer, reason = reviewer_name(reviewer), answers.get("reason")
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be accepted, rejected or edited; got {verdict!r}")
    if verdict == "rejected" and not reason:
        raise ReviewError(f"a rejection needs a reason: one of {', '.join(REJECT_REASONS)}")
    if verdict == "rejected" and reason not in REJECT_REASONS:
        raise ReviewError(f"unknown reason {reason!r}; use one of {', '.join(REJECT_REASONS)}")
    if verdict == "edited" and not str(answers.get("edited_output") or "").strip():
        raise ReviewError("an edit needs the corrected output; to keep the output as it is, accept it")
    row = store.item(con, astuple(key))
    if row is None:
        raise ReviewError(f"no stored output for task {key.task_id} of {key.suite_id} in that run; take the next item")
    if row["grader"] not in store.REVIEWED_GRADERS:
        raise ReviewError(f"{key.suite_id} is graded by {row['grader']!r}, not by people; nothing to review")
    if not row["valid"] or row["output"] is None or row["outcome"] == "error":
        raise ReviewError(f"task {key.task_id}'s output is {row['outcome']}, decided already; take the next item")
    return {
        "review_id": uuid.uuid4().hex,
        **{field: getattr(key, field) for field in store.KEY},
        "reviewer": reviewer,
        "verdict": verdict,
        "reason": reason if verdict == "rejected" else None,
        "note": str(answers.get("note") or "").strip() or None,
        "edited_output": answers.get("edited_output") if verdict == "edited" else None,
        "review_ms": answers.get("review_ms"),
        "rework_ms": answers.get("rework_ms") if verdict == "edited" else None,
        "source": answers.get("source", "app"),
        "grader": row["grader"],
    }


def save_reviews(con: duckdb.DuckDBPyConnection, rows: list[dict], *, actor: Actor | None = None) -> None:
    """Store checked reviews all or nothing, each audited; a clash with a review saved at the same instant is
    retried."""
    actor = require(actor, "review")
    for row in rows:  # the write's own check: with sign-in, every review stored is the acting person's
        reviewer_for(actor, row["reviewer"])
    salt = store.review_salt(con)
    for attempt in range(_SAVE_TRIES):
        try:
            store.add_reviews(con, rows, claim_minutes=CLAIM_MINUTES)
            audit.record_many(con, actor, "review", [(_audit_target(row, salt), _audit_detail(row)) for row in rows])
            return
        except duckdb.TransactionException:
            if attempt == _SAVE_TRIES - 1:
                raise ReviewError("another review of this item was being saved at the same moment; try again") from None


def record_review(
    con: duckdb.DuckDBPyConnection,
    key: ItemKey,
    reviewer: str,
    verdict: str,
    *,
    reason=None,
    note=None,
    edited_output=None,
    review_ms=None,
    rework_ms=None,
    source="app",
    actor: Actor | None = None,
) -> str:
    """Store one review and return its id. The first review of a trial decides it; a second only measures
    agreement. Raises ReviewError with a one-line message for anything it cannot store."""
    actor = require(actor, "review")
    answers = dict(reason=reason, note=note, edited_output=edited_output, review_ms=review_ms, rework_ms=rework_ms)
    row = checked_review(con, key, reviewer_for(actor, reviewer), verdict, **answers, source=source)
    save_reviews(con, [row], actor=actor)
    return row["review_id"]


def _audit_target(row: dict, salt: str) -> str:
    # the suite and the sheet's opaque item id: a reviewer reading the trail cannot tell the run or the model of
    # what they judged (the review_id in the detail leads an admin to the stored review)
    return f"{row['suite_id']} item {item_key(row).item_id(salt)}"


def _audit_detail(row: dict) -> dict:
    # the verdict and why, never the output or its edit (content a viewer may not see), nor the model or run
    return {
        "review_id": row["review_id"],
        "reviewer": row["reviewer"],
        "verdict": row["verdict"],
        "reason": row["reason"],
        "source": row["source"],
    }
