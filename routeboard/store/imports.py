"""Writes and reads of a results import, all on the caller's transaction cursor so an import is all or nothing.

An import stores the rows a routeboard run would: a suite (or more tasks in an imported one), a run with status
'imported' and its price snapshot, and one trial and one attempt per result.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

import duckdb

from routeboard.domain import Suite, Task
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


def latest_suite(cur: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    """The newest version of a suite name (suite_id, category, bar, origin, task_count), or None."""
    cur.execute("SELECT suite_id, category, bar, origin, task_count FROM suites WHERE name = ? "
                "ORDER BY version DESC LIMIT 1", [name])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def stored_tasks(cur: duckdb.DuckDBPyConnection, suite_id: str) -> list[Task]:
    """A suite version's tasks in order, as far as an imported suite keeps them (id, vars, metadata)."""
    rows = cur.execute("SELECT task_id, vars, metadata FROM tasks WHERE suite_id = ? ORDER BY position",
                       [suite_id]).fetchall()
    return [Task(id=t, vars=json.loads(v) if v else {}, metadata=json.loads(m) if m else {}) for t, v, m in rows]


def insert_imported_suite(cur: duckdb.DuckDBPyConnection, suite_id: str, suite: Suite, content_hash: str) -> None:
    """Write version 1 of a suite built from imported results, and its tasks."""
    cur.execute(
        """INSERT INTO suites (suite_id, name, version, category, description, grader, validator, bar,
               max_invalid_retries, content_hash, source, origin, task_count)
           VALUES (?, ?, 1, ?, ?, ?, NULL, ?, 0, ?, ?, 'imported-results', ?)""",
        [suite_id, suite.name, suite.category, suite.description, json.dumps(asdict(suite.grader)), suite.bar,
         content_hash, suite.source, len(suite.tasks)])
    append_tasks(cur, suite_id, 0, list(suite.tasks))


def append_tasks(cur: duckdb.DuckDBPyConnection, suite_id: str, start: int, tasks: list[Task]) -> None:
    """Add tasks (ids, vars, metadata) to a suite version from position ``start`` on."""
    insert_columns(cur, "tasks", {
        "suite_id": ("VARCHAR", suite_id), "task_id": ("VARCHAR", [task.id for task in tasks]),
        "position": ("INTEGER", list(range(start, start + len(tasks)))),
        "vars": ("VARCHAR", [json.dumps(task.vars, ensure_ascii=False, default=str) for task in tasks]),
        "metadata": ("VARCHAR", [json.dumps(task.metadata, ensure_ascii=False, default=str) for task in tasks])})


def set_task_count(cur: duckdb.DuckDBPyConnection, suite_id: str, task_count: int, content_hash: str) -> None:
    """Record an imported suite's new size and hash after ``append_tasks`` extended it in place."""
    cur.execute("UPDATE suites SET task_count = ?, content_hash = ? WHERE suite_id = ?",
                [task_count, content_hash, suite_id])


def latest_price_snapshots(cur: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Each model's snapshot entry from the most recent run that priced it."""
    latest: dict[str, dict] = {}
    for (prices,) in cur.execute("SELECT prices FROM runs ORDER BY created_at").fetchall():
        latest.update(json.loads(prices))
    return latest


def insert_imported_run(cur: duckdb.DuckDBPyConnection, run_id: str, finished_at: datetime, settings: dict,
                        prices: dict, note: str) -> None:
    """The run row of an import: status 'imported', finished, with its price snapshot."""
    cur.execute("INSERT INTO runs (run_id, finished_at, status, settings, prices, note) "
                "VALUES (?, ?, 'imported', ?, ?, ?)", [run_id, finished_at, json.dumps(settings),
                                                        json.dumps(prices), note])


def insert_results(cur: duckdb.DuckDBPyConnection, trials: dict[str, tuple], attempts: dict[str, tuple]) -> None:
    """Trials and attempts given column-wise (as for ``store.insert_columns``), in one go however many rows."""
    insert_columns(cur, "trials", trials)
    insert_columns(cur, "attempts", attempts)
