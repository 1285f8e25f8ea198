"""Finding and deleting the sample workspace (routeboard.imports.sample): its run, its suites and its catalog rows."""

from __future__ import annotations

import duckdb

SAMPLE_FORMAT = "routellm-mmlu-sample"  # runs.settings->>'format' of the sample workspace's run


def sample_run_ids(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The sample workspace's run(s); empty when it is not there."""
    rows = cur.execute(
        "SELECT run_id FROM runs WHERE (settings->>'format') = ? ORDER BY created_at", [SAMPLE_FORMAT]
    ).fetchall()
    return [row[0] for row in rows]


def delete_sample(cur: duckdb.DuckDBPyConnection, run_ids: list[str]) -> dict[str, int]:
    """Delete the sample runs with their trials and attempts, the suites written by the sample (origin 'sample')
    that no other run used, and the catalog rows it added (origin 'sample'); counts of what went, by kind."""
    counts = {"runs": len(run_ids)}
    if run_ids:
        counts["results"] = cur.execute("SELECT count(*) FROM trials WHERE run_id IN ?", [run_ids]).fetchone()[0]
        cur.execute("DELETE FROM attempts WHERE run_id IN ?", [run_ids])
        cur.execute("DELETE FROM trials WHERE run_id IN ?", [run_ids])
        cur.execute("DELETE FROM runs WHERE run_id IN ?", [run_ids])
    # a user who ran real models on a sample suite keeps it (and their results)
    suites = [
        row[0]
        for row in cur.execute(
            "SELECT suite_id FROM suites s WHERE origin = 'sample' "
            "AND NOT EXISTS (SELECT 1 FROM trials t WHERE t.suite_id = s.suite_id)"
        ).fetchall()
    ]
    counts["suites"] = len(suites)
    if suites:
        cur.execute("DELETE FROM tasks WHERE suite_id IN ?", [suites])
        cur.execute("DELETE FROM suites WHERE suite_id IN ?", [suites])
    counts["models"] = cur.execute("SELECT count(*) FROM models WHERE origin = 'sample'").fetchone()[0]
    cur.execute("DELETE FROM models WHERE origin = 'sample'")
    return counts
