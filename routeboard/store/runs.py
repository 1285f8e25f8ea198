"""Runs, trials and attempts in the database: written as they happen so a crash keeps paid-for work."""

from __future__ import annotations

import json
from collections import defaultdict

import duckdb
import pandas as pd

from routeboard.errors import NotFound
from routeboard.store import transaction

ATTEMPT_COLUMNS = ["run_id", "suite_id", "task_id", "model_id", "trial", "attempt", "started_at", "latency_ms",
                   "input_tokens", "output_tokens", "tokens_estimated", "cost_usd", "infra_usd", "valid", "output",
                   "error_kind", "error", "cached", "request_hash"]
TRIAL_COLUMNS = ["run_id", "suite_id", "task_id", "model_id", "trial", "outcome", "valid", "correct", "score",
                 "detail", "attempts", "output", "finished_at"]
FINAL_STATUSES = ("completed", "cancelled", "budget_exhausted", "failed", "imported")


def create_run(con: duckdb.DuckDBPyConnection, run_id: str, settings: dict, prices: dict,
               budget_usd: float | None) -> None:
    with transaction(con) as cur:
        cur.execute("INSERT INTO runs (run_id, status, settings, prices, budget_usd) VALUES (?, 'running', ?, ?, ?)",
                    [run_id, json.dumps(settings), json.dumps(prices), budget_usd])


def set_status(con: duckdb.DuckDBPyConnection, run_id: str, status: str, note: str | None = None) -> None:
    finished = status in FINAL_STATUSES
    with transaction(con) as cur:
        cur.execute(f"UPDATE runs SET status = ?, note = coalesce(?, note), "
                    f"finished_at = {'now()' if finished else 'NULL'} WHERE run_id = ?", [status, note, run_id])


def get_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    cur = con.cursor()
    row = cur.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise NotFound(f"no run {run_id!r} in this database (see `python -m routeboard runs list`)")
    data = dict(zip([d[0] for d in cur.description], row))
    data["settings"] = json.loads(data["settings"])
    data["prices"] = json.loads(data["prices"])
    return data


def run_totals(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[dict]:
    """Per run: trials finished, accepted, errors, attempts and spend (model + infra USD)."""
    where = "WHERE r.run_id = ?" if run_id else ""
    cur = con.cursor()
    rows = cur.execute(f"""
        WITH t AS (SELECT run_id, count(*) AS trials, count(*) FILTER (outcome = 'accepted') AS accepted,
                          count(*) FILTER (outcome = 'error') AS errors FROM trials GROUP BY run_id),
             a AS (SELECT run_id, count(*) AS attempts, sum(cost_usd) AS model_usd, sum(infra_usd) AS infra_usd,
                          count(*) FILTER (cached) AS cached_attempts FROM attempts GROUP BY run_id)
        SELECT r.run_id, r.status, r.created_at, r.finished_at, r.budget_usd,
               coalesce(t.trials, 0) AS trials, coalesce(t.accepted, 0) AS accepted, coalesce(t.errors, 0) AS errors,
               coalesce(a.attempts, 0) AS attempts, coalesce(a.cached_attempts, 0) AS cached_attempts,
               coalesce(a.model_usd, 0) AS model_usd, coalesce(a.infra_usd, 0) AS infra_usd,
               coalesce(a.model_usd, 0) + coalesce(a.infra_usd, 0) AS spend_usd,
               (r.settings->>'total_trials')::INTEGER AS total_trials
        FROM runs r LEFT JOIN t USING (run_id) LEFT JOIN a USING (run_id) {where}
        ORDER BY r.created_at DESC""", [run_id] if run_id else []).fetchall()
    return [dict(zip([d[0] for d in cur.description], row)) for row in rows]


def finished_trials(con: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple]:
    rows = con.cursor().execute("SELECT suite_id, task_id, model_id, trial FROM trials WHERE run_id = ?",
                                [run_id]).fetchall()
    return {tuple(r) for r in rows}


def unfinished_attempts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple, list[dict]]:
    """Attempts already made (and paid for) in trials that have no final outcome yet, by trial key."""
    cur = con.cursor()
    rows = cur.execute("""
        SELECT a.* FROM attempts a ANTI JOIN trials t USING (run_id, suite_id, task_id, model_id, trial)
        WHERE a.run_id = ? ORDER BY a.attempt""", [run_id]).fetchall()
    columns = [d[0] for d in cur.description]
    found: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        item = dict(zip(columns, row))
        found[(item["suite_id"], item["task_id"], item["model_id"], item["trial"])].append(item)
    return found


def cached_answers(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, dict]:
    """Earlier successful answers to identical requests, by request hash (the reuse cache)."""
    if not hashes:
        return {}
    cur = con.cursor()
    cur.register("wanted", pd.DataFrame({"request_hash": hashes}))
    rows = cur.execute("""
        SELECT a.request_hash, any_value(a.output), any_value(a.input_tokens), any_value(a.output_tokens),
               any_value(a.latency_ms)
        FROM attempts a SEMI JOIN wanted w USING (request_hash)
        WHERE a.error_kind IS NULL AND NOT a.cached GROUP BY a.request_hash""").fetchall()
    cur.unregister("wanted")
    return {r[0]: {"output": r[1], "input_tokens": r[2], "output_tokens": r[3], "latency_ms": r[4]} for r in rows}


def write_batch(con: duckdb.DuckDBPyConnection, attempts: list[dict], trials: list[dict]) -> None:
    """Append attempts and final trial outcomes in one transaction (a trial and its last attempt land together)."""
    if not attempts and not trials:
        return
    with transaction(con) as cur:
        if attempts:
            cur.register("new_attempts", pd.DataFrame(attempts, columns=ATTEMPT_COLUMNS))
            cur.execute(f"INSERT INTO attempts ({', '.join(ATTEMPT_COLUMNS)}) SELECT * FROM new_attempts")
            cur.unregister("new_attempts")
        if trials:
            cur.register("new_trials", pd.DataFrame(trials, columns=TRIAL_COLUMNS))
            cur.execute(f"INSERT INTO trials ({', '.join(TRIAL_COLUMNS)}) SELECT * FROM new_trials")
            cur.unregister("new_trials")
