"""Writes and reads of a results import, all on the caller's transaction cursor so an import is all or nothing.

An import stores the rows a routeboard run would: a suite (``store.suites.write_suite``), its models
(``store.catalog.insert_models``), a run row with its price snapshot (``insert_run``, also the runner's), and one
trial and one attempt per result.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import duckdb

from routeboard.domain import Model
from routeboard.pricing import price_snapshot
from routeboard.store import insert_columns


def earlier_import(cur: duckdb.DuckDBPyConnection, content_hash: str) -> dict | None:
    """The imported run of an identical file (run_id, settings, tasks), or None."""
    row = cur.execute("SELECT run_id, settings FROM runs WHERE status = 'imported' "
                      "AND settings->>'content_hash' = ? ORDER BY created_at LIMIT 1", [content_hash]).fetchone()
    if row is None:
        return None
    tasks = cur.execute("SELECT count(DISTINCT (suite_id, task_id)) FROM trials WHERE run_id = ?",
                        [row[0]]).fetchone()[0]
    return {"run_id": row[0], "settings": json.loads(row[1]), "tasks": tasks}


def latest_price_snapshots(cur: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Each model's snapshot entry from the most recent run that priced it."""
    latest: dict[str, dict] = {}
    for (prices,) in cur.execute("SELECT prices FROM runs ORDER BY created_at").fetchall():
        latest.update(json.loads(prices))
    return latest


def new_run_id() -> str:
    """A run id that sorts by start time: r20250101-120000-1a2b3c."""
    return datetime.now(timezone.utc).strftime("r%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def insert_run(cur: duckdb.DuckDBPyConnection, run_id: str, settings: dict, models: list[Model], *, status: str,
               budget_usd: float | None = None, finished_at: datetime | None = None, note: str | None = None) -> None:
    """The one writer of run rows, on the caller's cursor: the run and the price snapshot of its models (and
    judges), so its results keep the cost they had when they ran (``routeboard.pricing.price_snapshot``)."""
    cur.execute("INSERT INTO runs (run_id, status, settings, prices, budget_usd, finished_at, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [run_id, status, json.dumps(settings),
                                                 json.dumps(price_snapshot(models)), budget_usd, finished_at, note])


def insert_results(cur: duckdb.DuckDBPyConnection, trials: dict[str, tuple], attempts: dict[str, tuple]) -> None:
    """Trials and attempts given column-wise (as for ``store.insert_columns``), in one go however many rows."""
    insert_columns(cur, "trials", trials)
    insert_columns(cur, "attempts", attempts)
