"""People's reviews of outputs in the database: the items a suite offers, who holds which (claims), and the
reviews themselves. The first review of a trial decides it (or labels it, for an llm_judge suite), in the same
transaction that stores the review, so a crash never leaves a review without its effect
(routeboard/review/record.py)."""

from __future__ import annotations

import duckdb

from routeboard.errors import ReviewError
from routeboard.store.connection import insert_columns, serialized

KEY = ("run_id", "suite_id", "task_id", "model_id", "trial")
_KEY_SQL = " AND ".join(f"{column} = ?" for column in KEY)
REVIEW_COLUMNS = {
    "review_id": "VARCHAR",
    "run_id": "VARCHAR",
    "suite_id": "VARCHAR",
    "task_id": "VARCHAR",
    "model_id": "VARCHAR",
    "trial": "INTEGER",
    "reviewer": "VARCHAR",
    "verdict": "VARCHAR",
    "reason": "VARCHAR",
    "note": "VARCHAR",
    "edited_output": "VARCHAR",
    "review_ms": "DOUBLE",
    "rework_ms": "DOUBLE",
    "source": "VARCHAR",
}
# Suites people review: `human` trials wait for it; `llm_judge` trials get labels that calibrate the judge.
REVIEWED_GRADERS = ("human", "llm_judge")


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    rows = cur.execute(sql, params or []).fetchall()
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def review_salt(con: duckdb.DuckDBPyConnection) -> str:
    """The per-database secret that salts review sheets' item ids (m013_review_item_salt); never exported."""
    row = con.cursor().execute("SELECT salt FROM review_secret LIMIT 1").fetchone()
    if row is None:
        raise ReviewError("this database has no review secret; open it once with this version to add one")
    return row[0]


def pending_trial_keys(con: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple]:
    """(suite, task, model, trial) of a run's trials still waiting for a review."""
    rows = (
        con.cursor()
        .execute(
            "SELECT suite_id, task_id, model_id, trial FROM trials WHERE run_id = ? AND outcome = 'pending'", [run_id]
        )
        .fetchall()
    )
    return {tuple(row) for row in rows}


# ---- reading -------------------------------------------------------------------------------------------

# A reviewable item: a trial with a valid output (an invalid or failed trial is decided already).
_ITEMS = """
    WITH r AS (SELECT run_id, suite_id, task_id, model_id, trial, count(*) AS reviews,
                      arg_min(reviewer, created_at) AS first_reviewer, arg_min(verdict, created_at) AS first_verdict,
                      list(reviewer ORDER BY created_at) AS reviewers
               FROM reviews WHERE suite_id = ? GROUP BY ALL)
    SELECT t.run_id, t.suite_id, t.task_id, t.model_id, t.trial, t.output, t.outcome,
           coalesce(r.reviews, 0) AS reviews, r.first_reviewer, r.first_verdict, coalesce(r.reviewers, []) AS reviewers
    FROM trials t LEFT JOIN r USING (run_id, suite_id, task_id, model_id, trial)
    WHERE t.suite_id = ? AND t.valid AND t.output IS NOT NULL AND t.outcome <> 'error'
    ORDER BY t.run_id, t.task_id, t.model_id, t.trial"""


def suite_items(con: duckdb.DuckDBPyConnection, suite_id: str) -> list[dict]:
    """Every reviewable trial of a suite with its reviews so far (count, first reviewer and verdict, reviewers)."""
    return _rows(con.cursor(), _ITEMS, [suite_id, suite_id])


def item(con: duckdb.DuckDBPyConnection, key: tuple) -> dict | None:
    """One trial with its suite's grader and its reviews so far; None when no such trial is stored."""
    rows = _rows(
        con.cursor(),
        f"""SELECT t.run_id, t.suite_id, t.task_id, t.model_id, t.trial, t.output, t.outcome, t.valid,
                   (s.grader->>'name') AS grader,
                   (SELECT list(reviewer ORDER BY created_at) FROM reviews r
                    WHERE {" AND ".join(f"r.{c} = t.{c}" for c in KEY)}) AS reviewers
            FROM trials t JOIN suites s USING (suite_id) WHERE {" AND ".join(f"t.{c} = ?" for c in KEY)}""",
        list(key),
    )
    return rows[0] if rows else None


def model_costs(con: duckdb.DuckDBPyConnection, suite_id: str) -> dict[str, float | None]:
    """Per model, what one trial of this suite cost on average (model + infra USD); None when any part is unknown."""
    rows = (
        con.cursor()
        .execute(
            """SELECT model_id,
                      CASE WHEN count(*) FILTER (cost_usd IS NULL) > 0 THEN NULL
                           ELSE sum(cost_usd + infra_usd) / count(DISTINCT (run_id, task_id, trial)) END
               FROM attempts WHERE suite_id = ? GROUP BY model_id""",
            [suite_id],
        )
        .fetchall()
    )
    return {model_id: cost for model_id, cost in rows}


def reviewed_suites(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Suites graded by people or an llm_judge that have stored trials, with their grader, bar and constraints."""
    names = ", ".join(f"'{name}'" for name in REVIEWED_GRADERS)
    return _rows(
        con.cursor(),
        f"""SELECT s.suite_id, s.name, s.category, (s.grader->>'name') AS grader, s.bar
            FROM suites s WHERE (s.grader->>'name') IN ({names})
              AND EXISTS (SELECT 1 FROM trials t WHERE t.suite_id = s.suite_id)
            ORDER BY s.name, s.version""",
    )


def claims(con: duckdb.DuckDBPyConnection, suite_id: str, expire_minutes: float) -> list[dict]:
    """The suite's claims: item key, slot, reviewer and whether the claim has expired (free for another)."""
    return _rows(
        con.cursor(),
        """SELECT run_id, suite_id, task_id, model_id, trial, slot, reviewer,
                   claimed_at < now()::TIMESTAMP - to_seconds(? * 60.0) AS expired
            FROM review_claims WHERE suite_id = ?""",
        [float(expire_minutes), suite_id],
    )


def reviews_by(con: duckdb.DuckDBPyConnection, suite_id: str, reviewer: str) -> int:
    """How many reviews a reviewer has given on a suite."""
    (count,) = (
        con.cursor()
        .execute("SELECT count(*) FROM reviews WHERE suite_id = ? AND reviewer = ?", [suite_id, reviewer])
        .fetchone()
    )
    return int(count)


# ---- writing -------------------------------------------------------------------------------------------


def claim(con: duckdb.DuckDBPyConnection, key: tuple, slot: int, reviewer: str, expire_minutes: float) -> bool:
    """Take one slot of an item for a reviewer: free, theirs already, or held by someone whose claim expired.

    False when another reviewer holds it, or took it a moment ago: the claim's transaction holds the store's gate
    (store/lake.py), so of two reviewers claiming at once the second commit fails and, run again, sees the first's
    claim. No key is needed, which the shared store does not have."""
    try:
        return serialized(con, lambda cur: _claim(cur, key, slot, reviewer, expire_minutes))
    except duckdb.ConstraintException:
        return False  # a DuckDB file made before the gate: its key still refuses a second claim


def claim_many(
    con: duckdb.DuckDBPyConnection, items: list[tuple[tuple, int]], reviewer: str, expire_minutes: float
) -> list[tuple[tuple, int]]:
    """``claim`` for many (key, slot) in one gated transaction (a review sheet's rows); the ones now held."""
    return serialized(con, lambda cur: [(k, s) for k, s in items if _claim(cur, k, s, reviewer, expire_minutes)])


def _claim(cur: duckdb.DuckDBPyConnection, key: tuple, slot: int, reviewer: str, expire_minutes: float) -> bool:
    """``claim`` on the gated transaction's cursor."""
    # read in the claim's own snapshot: a review saved since the caller looked shows here
    reviewers = [r for (r,) in cur.execute(f"SELECT reviewer FROM reviews WHERE {_KEY_SQL}", list(key)).fetchall()]
    if len(reviewers) != slot - 1 or reviewer in reviewers:
        return False
    held = cur.execute(
        f"""SELECT reviewer, claimed_at < now()::TIMESTAMP - to_seconds(? * 60.0)
            FROM review_claims WHERE {_KEY_SQL} AND slot = ?""",
        [float(expire_minutes), *key, slot],
    ).fetchone()
    if held is None:
        cur.execute(
            f"INSERT INTO review_claims ({', '.join(KEY)}, slot, reviewer) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [*key, slot, reviewer],
        )
    elif held[0] == reviewer or held[1]:
        cur.execute(
            f"UPDATE review_claims SET reviewer = ?, claimed_at = now() WHERE {_KEY_SQL} AND slot = ?",
            [reviewer, *key, slot],
        )
    else:
        return False
    return True


def held_text(claim_minutes: float) -> str:
    """Why a verdict on an item someone else holds is refused, and what to do."""
    return f"another reviewer holds this item (a claim lasts {claim_minutes:g} minutes): it is theirs to judge"


def _held_by_another(cur: duckdb.DuckDBPyConnection, key: list, slot: int, reviewer: str, expire_minutes) -> bool:
    """Whether another reviewer's claim on this slot of the item is still running."""
    held = cur.execute(
        f"""SELECT reviewer FROM review_claims WHERE {_KEY_SQL} AND slot = ?
            AND claimed_at >= now()::TIMESTAMP - to_seconds(? * 60.0)""",
        [*key, slot, float(expire_minutes)],
    ).fetchone()
    return held is not None and held[0] != reviewer


def add_reviews(con: duckdb.DuckDBPyConnection, reviews: list[dict], *, claim_minutes: float) -> None:
    """Store reviews in one transaction (all or nothing). The first review of a trial decides it (``human``
    suites: outcome, correct and score updated in place) or labels it (``llm_judge`` suites: judge_labels
    upserted); a later one only counts for agreement. Each dict holds the REVIEW_COLUMNS and ``grader``.

    Claims are kept, so a reviewer who looked before this review landed cannot claim the slot after it (their
    claim sees the kept row). Raises ReviewError when a reviewer already reviewed the item, it has its two reviews,
    or another reviewer's claim on it is younger than ``claim_minutes``; gated (store/lake.py) so two reviews of one
    item at once are checked one after the other."""
    serialized(con, lambda cur: _write_reviews(cur, reviews, claim_minutes))


def _write_reviews(cur: duckdb.DuckDBPyConnection, reviews: list[dict], claim_minutes: float) -> None:
    """``add_reviews`` on the gated transaction's cursor."""
    for review in reviews:
        key = [review[column] for column in KEY]
        reviewers = [r for (r,) in cur.execute(f"SELECT reviewer FROM reviews WHERE {_KEY_SQL}", key).fetchall()]
        if review["reviewer"] in reviewers:
            raise ReviewError(f"{review['reviewer']} has already reviewed this item; each person reviews it once")
        if len(reviewers) >= 2:
            raise ReviewError("this item already has its two reviews; a third is not needed")
        if _held_by_another(cur, key, len(reviewers) + 1, review["reviewer"], claim_minutes):
            raise ReviewError(held_text(claim_minutes))
        insert_columns(cur, "reviews", {c: (t, review.get(c)) for c, t in REVIEW_COLUMNS.items()})
        if reviewers:
            continue
        accepted = review["verdict"] != "rejected"
        if review["grader"] == "llm_judge":
            label_key = [review["suite_id"], review["task_id"], review["model_id"]]
            cur.execute("DELETE FROM judge_labels WHERE suite_id = ? AND task_id = ? AND model_id = ?", label_key)
            cur.execute(
                "INSERT INTO judge_labels (suite_id, task_id, model_id, human_correct) VALUES (?, ?, ?, ?)",
                [*label_key, accepted],
            )
        else:
            cur.execute(
                f"UPDATE trials SET outcome = ?, correct = ?, score = ?, detail = 'reviewed' WHERE {_KEY_SQL}",
                ["accepted" if accepted else "wrong", accepted, float(accepted), *key],
            )
