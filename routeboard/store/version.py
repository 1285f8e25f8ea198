"""The data version: one cheap value that changes whenever anything a decision reads changes.

Pages cache ledger facts on it (ui/state.py), so it must cover every input of a decision: results (trials,
attempts, runs and their price snapshots; people's reviews, which decide pending trials and measure review
minutes) and the small settings tables (suites' bars, constraints and graders; models' tiers, prices, free flags
and infra; people's judge labels). Large tables are summarised by counts and latest timestamps, plus the counts
of correct, valid and pending trials so a re-grade or a review shows (a rejected review turns a pending trial
wrong without touching correct or valid); small ones are hashed whole, so a column added later is covered without
touching this query. Scenarios are left out: no page caches on them (a page applies its scenario to cached,
scenario-free facts)."""

from __future__ import annotations

import duckdb

_VERSION = """
    SELECT * FROM
        (SELECT count(*), max(finished_at), count(*) FILTER (correct), count(*) FILTER (valid),
                count(*) FILTER (outcome = 'pending') FROM trials),
        (SELECT count(*), max(started_at) FROM attempts),
        -- without the heartbeat: a live run beats every 10 s, which must not refresh every cached page
        (SELECT hash(list(r ORDER BY r.run_id)) FROM (SELECT * EXCLUDE (heartbeat_at) FROM runs) r),
        (SELECT hash(list(s ORDER BY s.suite_id)) FROM suites s),
        (SELECT hash(list(m ORDER BY m.model_id)) FROM models m),
        (SELECT hash(list(l ORDER BY l.suite_id, l.task_id, l.model_id)) FROM judge_labels l),
        (SELECT count(*), max(created_at) FROM reviews)"""


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """A value equal between two calls only if nothing a decision reads has changed in between."""
    return tuple(con.cursor().execute(_VERSION).fetchone())
