"""Writes and reads of a results import, all on the caller's transaction cursor so an import is all or nothing.

An import stores the rows a routeboard run would: a suite (``store.suites.write_suite``), its models
(``store.catalog.insert_models``), a run row with its price snapshot (``store.runs.insert_run``, also the
runner's), and one trial and one attempt per result.
"""

from __future__ import annotations

import json

import duckdb

from routeboard.store.connection import insert_columns


def earlier_import(cur: duckdb.DuckDBPyConnection, content_hash: str) -> dict | None:
    """The imported run of an identical file (run_id, settings, tasks), or None."""
    # (json->>'key') in parentheses: DuckDB 1.5.5 reads `a AND j->>'k' = ?` as a cast of j to a number
    row = cur.execute(
        "SELECT run_id, settings FROM runs WHERE status = 'imported' "
        "AND (settings->>'content_hash') = ? ORDER BY created_at LIMIT 1",
        [content_hash],
    ).fetchone()
    if row is None:
        return None
    tasks = cur.execute("SELECT count(DISTINCT (suite_id, task_id)) FROM trials WHERE run_id = ?", [row[0]]).fetchone()[
        0
    ]
    return {"run_id": row[0], "settings": json.loads(row[1]), "tasks": tasks}


def insert_results(cur: duckdb.DuckDBPyConnection, trials: dict[str, tuple], attempts: dict[str, tuple]) -> None:
    """Trials and attempts given column-wise (as for ``store.insert_columns``), in one go however many rows."""
    insert_columns(cur, "trials", trials)
    insert_columns(cur, "attempts", attempts)
