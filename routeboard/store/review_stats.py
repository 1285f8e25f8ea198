"""Read-only figures from people's reviews (docs/design.md, "Acceptance by people"): how many trials people
decided and how long reviewing and reworking took, per (category, model) and per category.

Only the FIRST review of a trial counts here: it is the one that decided it, and its clock ran on an unseen
output (a second, overlap review only feeds agreement). Unknown times (review_ms / rework_ms NULL, e.g. a CSV
import, or an item first shown before a refresh or a restart) are left out of the medians and their counts, never
read as 0 minutes; so are times under MEASURED_FLOOR_MS, which no person's read can take.
"""

from __future__ import annotations

import duckdb
import pandas as pd

# The first review of each trial: earliest first, the review id breaking ties so the choice is stable.
FIRST_REVIEWS = """
    SELECT * FROM reviews
    QUALIFY row_number() OVER (PARTITION BY run_id, suite_id, task_id, model_id, trial
                               ORDER BY created_at, review_id) = 1"""

_MS_PER_MINUTE = 60_000.0
# Under a second is no review: a choice reaction alone takes ~0.3-0.5 s before any reading, and the shortest item
# (a one-line prompt and a one-line output, ~20 words) takes a few seconds to read at ~4 words/s. Such times are a
# click replayed on reconnect, a double click or a key held down; stored as given, they count in no median (nor in
# its n). Edits are held to the same floor: a corrected output is not typed in under a second.
MEASURED_FLOOR_MS = 1_000.0


def review_figures(cur: duckdb.DuckDBPyConnection, selection: str, sel_params: list, where_r: str, params_r: list):
    """Per (category, model) and per category (model_id None): trials people decided (``reviewed``, human-graded
    suites only), median review and rework minutes of first reviews (known times of at least MEASURED_FLOOR_MS),
    and how many reviews each median rests on.

    ``selection`` is a query of the chosen suites (suite_id, category, ...); ``where_r`` filters alias r."""
    return cur.execute(
        f"""
        WITH sel AS ({selection}),
        r AS ({FIRST_REVIEWS}),
        f AS (SELECT s.category, r.model_id, r.verdict,
                     CASE WHEN r.review_ms >= {MEASURED_FLOOR_MS} THEN r.review_ms END AS review_ms,
                     CASE WHEN r.rework_ms >= {MEASURED_FLOOR_MS} THEN r.rework_ms END AS rework_ms,
                     (g.grader->>'name') = 'human' AS decides
              FROM r JOIN sel s USING (suite_id) JOIN suites g USING (suite_id)
              WHERE true {where_r})
        SELECT category, model_id,
               count(*) FILTER (decides) AS reviewed,
               count(review_ms) AS reviews_n,
               quantile_cont(review_ms, 0.5) / {_MS_PER_MINUTE} AS review_minutes_median,
               count(rework_ms) FILTER (verdict = 'edited') AS rework_n,
               quantile_cont(rework_ms, 0.5) FILTER (verdict = 'edited') / {_MS_PER_MINUTE} AS rework_minutes_median
        FROM f GROUP BY GROUPING SETS ((category, model_id), (category))""",
        sel_params + params_r,
    ).df()


def pending_counts(cur: duckdb.DuckDBPyConnection, selection: str, sel_params: list, where_t: str, params_t: list):
    """Per (category, model): trials waiting for a person's review (outcome 'pending')."""
    return cur.execute(
        f"""
        WITH sel AS ({selection})
        SELECT s.category, t.model_id, count(*) AS pending
        FROM trials t JOIN sel s USING (suite_id) WHERE t.outcome = 'pending' {where_t} GROUP BY ALL""",
        sel_params + params_t,
    ).df()


def split_figures(figures: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per (category, model) rows, per category rows) of ``review_figures``."""
    per_model = figures[figures["model_id"].notna()]
    per_category = figures[figures["model_id"].isna()].drop(columns="model_id")
    return per_model, per_category


def review_pairs(con: duckdb.DuckDBPyConnection, suite_id: str) -> pd.DataFrame:
    """Items of a suite with two reviews: the item's key and output, then each review's reviewer, verdict, reason
    and note (first_*, second_*), first and second by time."""
    return (
        con.cursor()
        .execute(
            """
        WITH r AS (
            SELECT *, row_number() OVER (PARTITION BY run_id, suite_id, task_id, model_id, trial
                                         ORDER BY created_at, review_id) AS slot
            FROM reviews WHERE suite_id = ?)
        SELECT a.run_id, a.suite_id, a.task_id, a.model_id, a.trial, t.output,
               a.reviewer AS first_reviewer, a.verdict AS first_verdict, a.reason AS first_reason,
               a.note AS first_note,
               b.reviewer AS second_reviewer, b.verdict AS second_verdict, b.reason AS second_reason,
               b.note AS second_note
        FROM r a JOIN r b USING (run_id, suite_id, task_id, model_id, trial)
        LEFT JOIN trials t USING (run_id, suite_id, task_id, model_id, trial)
        WHERE a.slot = 1 AND b.slot = 2
        ORDER BY a.task_id, a.model_id, a.run_id, a.trial""",
            [suite_id],
        )
        .df()
    )


def reviewed_answers(con: duckdb.DuckDBPyConnection, suite_id: str) -> dict[str, tuple[str, str]]:
    """Per task of a suite, the answer people let go out: task_id -> (answer, 'edited' | 'accepted').

    An edit wins over an accepted output (it is what the reviewer wanted), then the latest review; an item any
    reviewer rejected is disputed and gives no answer."""
    rows = (
        con.cursor()
        .execute(
            """
        WITH r AS (
            SELECT r.*, CASE WHEN r.verdict = 'edited' THEN r.edited_output ELSE t.output END AS answer,
                   bool_or(r.verdict = 'rejected') OVER (PARTITION BY r.run_id, r.task_id, r.model_id, r.trial)
                       AS disputed
            FROM reviews r LEFT JOIN trials t USING (run_id, suite_id, task_id, model_id, trial)
            WHERE r.suite_id = ?)
        SELECT task_id, answer, verdict FROM r
        WHERE verdict IN ('accepted', 'edited') AND NOT disputed AND trim(coalesce(answer, '')) <> ''
        QUALIFY row_number() OVER (PARTITION BY task_id
                                   ORDER BY verdict = 'edited' DESC, created_at DESC, review_id) = 1""",
            [suite_id],
        )
        .fetchall()
    )
    return {task_id: (answer, verdict) for task_id, answer, verdict in rows}
