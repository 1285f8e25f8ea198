"""Runs, trials and attempts in the database: written as they happen so a crash keeps paid-for work."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import duckdb

from routeboard.domain import Attempt, Trial
from routeboard.errors import NotFound
from routeboard.store.connection import insert_rows, serialized
from routeboard.store.lake import is_lake_connection

# The stored columns of an Attempt and a Trial (routeboard.domain): rows exist only at this boundary.
ATTEMPT_COLUMNS = (
    "run_id",
    "suite_id",
    "task_id",
    "model_id",
    "trial",
    "attempt",
    "started_at",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "tokens_estimated",
    "cost_usd",
    "infra_usd",
    "valid",
    "output",
    "error_kind",
    "error",
    "cached",
    "request_hash",
)
TRIAL_COLUMNS = (
    "run_id",
    "suite_id",
    "task_id",
    "model_id",
    "trial",
    "outcome",
    "valid",
    "correct",
    "score",
    "detail",
    "attempts",
    "output",
    "finished_at",
    "judge_model",
    "judge_input_tokens",
    "judge_output_tokens",
    "judge_cost_usd",
    "judge_latency_ms",
)
# An attempt whose cost nobody knows: no price, or an import without cost or token columns (a failed call that was
# not billed and a cached answer cost nothing). A run with one has an unknown spend (docs/design.md).
UNKNOWN_COST = "cost_usd IS NULL AND NOT cached AND error_kind IS NULL"
REASON_CHARS = 160  # an error reason shown beside a run: the status and the server's first words
FINAL_STATUSES = ("completed", "cancelled", "budget_exhausted", "failed", "imported")


def new_run_id() -> str:
    """A run id that sorts by start time: r20250101-120000-1a2b3c."""
    return datetime.now(UTC).strftime("r%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def insert_run(
    cur: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: dict,
    prices: dict,
    *,
    status: str,
    budget_usd: float | None = None,
    finished_at: datetime | None = None,
    note: str | None = None,
    launched_by: str | None = None,
    runner: tuple[str, int] | None = None,
) -> None:
    """The one writer of run rows, on the caller's cursor: the run and the price snapshot of its models (and
    judges), so its results keep the cost they had when they ran (``prices``: ``catalog.pricing.price_snapshot``), who
    launched or imported it (spend per person: routeboard/team/access.py), and the (machine, process) running it."""
    host, pid = runner or (None, None)
    cur.execute(
        "INSERT INTO runs (run_id, status, settings, prices, budget_usd, finished_at, note, launched_by, "
        "runner_host, runner_pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        f"{'now()' if runner else 'NULL'})",
        [
            run_id,
            status,
            json.dumps(settings),
            json.dumps(prices),
            budget_usd,
            finished_at,
            note,
            launched_by,
            host,
            pid,
        ],
    )


def create_run(
    cur: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: dict,
    prices: dict,
    budget_usd: float | None,
    launched_by: str | None = None,
) -> None:
    """A new run row, 'running', with the price snapshot of its models and judges, on the caller's cursor; this
    machine and process run it (an append: on the shared store an update here would conflict with others' beats)."""
    insert_run(
        cur,
        run_id,
        settings,
        prices,
        status="running",
        budget_usd=budget_usd,
        launched_by=launched_by,
        runner=(socket.gethostname(), os.getpid()),
    )


def latest_price_snapshots(cur: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Each model's snapshot entry from the most recent run that priced it."""
    latest: dict[str, dict] = {}
    for (prices,) in cur.execute("SELECT prices FROM runs ORDER BY created_at").fetchall():
        latest.update(json.loads(prices))
    return latest


def set_status(con: duckdb.DuckDBPyConnection, run_id: str, status: str, note: str | None = None) -> None:
    """Set a run's status in a gated transaction of its own (retried when a concurrent commit wins)."""
    serialized(con, lambda cur: update_status(cur, run_id, status, note))


def update_status(cur: duckdb.DuckDBPyConnection, run_id: str, status: str, note: str | None = None) -> None:
    """Set a run's status on the caller's cursor (inside its transaction, beside its audit row)."""
    finished = status in FINAL_STATUSES
    cur.execute(
        f"UPDATE runs SET status = ?, note = coalesce(?, note), "
        f"finished_at = {'now()' if finished else 'NULL'} WHERE run_id = ?",
        [status, note, run_id],
    )
    clear_cancel_requests(cur, run_id)  # ended, or resumed: an earlier request must not stop it again


def record_certified(con: duckdb.DuckDBPyConnection, run_id: str, certified: dict, total_trials: int) -> None:
    """Keep which (suite, model) pairs sequential certification settled, so a resume does not send them more."""
    run = get_run(con, run_id)
    settings = run["settings"]
    settings["certified"] = [{"suite_id": s, "model_id": m, **v} for (s, m), v in certified.items()]
    settings["total_trials"] = total_trials
    serialized(
        con, lambda cur: cur.execute("UPDATE runs SET settings = ? WHERE run_id = ?", [json.dumps(settings), run_id])
    )


def record_race(con: duckdb.DuckDBPyConnection, run_id: str, calls: list[dict], total_trials: int) -> None:
    """Keep a run's route races as they stand (each category's call and every model's standing), for whoever reads
    the run from another process; a resume replays them from the trials, not from here."""
    run = get_run(con, run_id)
    settings = run["settings"]
    settings["race"] = calls
    settings["total_trials"] = total_trials
    serialized(
        con, lambda cur: cur.execute("UPDATE runs SET settings = ? WHERE run_id = ?", [json.dumps(settings), run_id])
    )


def get_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    cur = con.cursor()
    row = cur.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise NotFound(f"no run {run_id!r} in this database (see `python -m routeboard runs list`)")
    data = dict(zip([d[0] for d in cur.description], row, strict=True))
    data["settings"] = json.loads(data["settings"])
    data["prices"] = json.loads(data["prices"])
    return data


# Why a model's trials ended in error: the last attempt's error of each such trial, the most common per model.
_ERROR_REASONS = f"""
    e AS (SELECT t.run_id, t.model_id, left(a.error, {REASON_CHARS}) AS error, count(*) AS n
          FROM trials t JOIN attempts a USING (run_id, suite_id, task_id, model_id, trial)
          WHERE t.outcome = 'error' AND a.attempt = t.attempts AND a.error IS NOT NULL {{where}} GROUP BY ALL),
    em AS (SELECT run_id, model_id, arg_max(error, n) AS error FROM e GROUP BY ALL)"""


def run_totals(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[dict]:
    """Per run: trials finished, accepted, errors (with each model's reason), attempts and what the run spent.

    Spend is what the run paid in all: its attempts (model + infra USD) and its judges' calls; each part is a run
    total, named so (``*_total_usd``), and ``spend_per_trial_usd`` spreads the spend over the trials. Unknown is
    never zero: where an attempt's cost is unknown (no price, an import without cost or token columns),
    ``spend_usd`` and ``model_total_usd`` are None, ``known_spend_usd`` is the part that is known and
    ``unpriced_models`` lists the models whose calls have no cost."""
    where = "WHERE r.run_id = ?" if run_id else ""
    cur = con.cursor()
    reasons = _ERROR_REASONS.format(where="AND t.run_id = ?" if run_id else "")
    rows = cur.execute(
        f"""
        WITH t AS (SELECT run_id, count(*) AS trials, count(*) FILTER (outcome = 'accepted') AS accepted,
                          count(*) FILTER (outcome = 'error') AS errors,
                          count(*) FILTER (outcome = 'pending') AS pending, sum(judge_cost_usd) AS judge_usd
                   FROM trials GROUP BY run_id),
             a AS (SELECT run_id, count(*) AS attempts, sum(cost_usd) AS model_usd, sum(infra_usd) AS infra_usd,
                          count(*) FILTER (cached) AS cached_attempts,
                          count(*) FILTER ({UNKNOWN_COST}) AS unpriced_attempts,
                          list(DISTINCT model_id ORDER BY model_id) FILTER ({UNKNOWN_COST}) AS unpriced_models
                   FROM attempts GROUP BY run_id),
             {reasons},
             er AS (SELECT run_id, string_agg(model_id || ': ' || error, '; ' ORDER BY model_id) AS error_reasons
                    FROM em GROUP BY run_id),
             s AS (SELECT run_id, coalesce(a.model_usd, 0) + coalesce(a.infra_usd, 0) + coalesce(t.judge_usd, 0)
                              AS known_spend_usd,
                          coalesce(a.unpriced_attempts, 0) = 0 AS spend_known
                   FROM runs LEFT JOIN t USING (run_id) LEFT JOIN a USING (run_id))
        SELECT r.run_id, r.status, r.created_at, r.finished_at, r.budget_usd,
               coalesce(t.trials, 0) AS trials, coalesce(t.accepted, 0) AS accepted, coalesce(t.errors, 0) AS errors,
               coalesce(t.pending, 0) AS pending,
               coalesce(a.attempts, 0) AS attempts, coalesce(a.cached_attempts, 0) AS cached_attempts,
               CASE WHEN s.spend_known THEN coalesce(a.model_usd, 0) END AS model_total_usd,
               coalesce(a.infra_usd, 0) AS infra_total_usd, coalesce(t.judge_usd, 0) AS judge_total_usd,
               CASE WHEN s.spend_known THEN s.known_spend_usd END AS spend_usd,
               CASE WHEN s.spend_known AND t.trials > 0 THEN s.known_spend_usd / t.trials END
                   AS spend_per_trial_usd,
               s.known_spend_usd, coalesce(a.unpriced_attempts, 0) AS unpriced_attempts,
               coalesce(a.unpriced_models, []) AS unpriced_models,
               (r.settings->>'total_trials')::INTEGER AS total_trials, er.error_reasons
        FROM runs r LEFT JOIN t USING (run_id) LEFT JOIN a USING (run_id) LEFT JOIN er USING (run_id)
             LEFT JOIN s USING (run_id) {where}
        ORDER BY r.created_at DESC""",
        ([run_id, run_id] if run_id else []),
    ).fetchall()
    return [dict(zip([d[0] for d in cur.description], row, strict=True)) for row in rows]


def error_reasons(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, tuple[int, str]]:
    """Per model with error trials in a run: (error trials, the most common reason), from the stored attempts."""
    cur = con.cursor()
    rows = cur.execute(
        f"""
        WITH {_ERROR_REASONS.format(where="AND t.run_id = ?")}
        SELECT em.model_id, (SELECT sum(n) FROM e WHERE e.model_id = em.model_id) AS trials, em.error
        FROM em ORDER BY em.model_id""",
        [run_id],
    ).fetchall()
    return {model_id: (int(trials), error) for model_id, trials, error in rows}


def outcome_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    """Per (model, suite) of a run: trials and how many ended accepted, wrong, invalid, in error or wait for review."""
    cur = con.cursor()
    rows = cur.execute(
        """
        SELECT model_id AS model, suite_id AS suite, count(*) AS trials,
               count(*) FILTER (outcome = 'accepted') AS accepted, count(*) FILTER (outcome = 'wrong') AS wrong,
               count(*) FILTER (outcome = 'invalid') AS invalid, count(*) FILTER (outcome = 'error') AS errors,
               count(*) FILTER (outcome = 'pending') AS pending
        FROM trials WHERE run_id = ? GROUP BY ALL ORDER BY ALL""",
        [run_id],
    ).fetchall()
    return [dict(zip([d[0] for d in cur.description], row, strict=True)) for row in rows]


def finished_trials(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple, bool]:
    """Trials of a run with a final outcome: (suite, task, model, trial) -> correct."""
    rows = (
        con.cursor()
        .execute("SELECT suite_id, task_id, model_id, trial, correct FROM trials WHERE run_id = ?", [run_id])
        .fetchall()
    )
    return {tuple(r[:4]): bool(r[4]) for r in rows}


def finished_trial_spend(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple, float]:
    """What each finished trial of a run cost, by (suite, task, model, trial): its attempts (model + infra USD, an
    unknown cost counted as nothing) and its judge's calls."""
    rows = (
        con.cursor()
        .execute(
            """
        SELECT t.suite_id, t.task_id, t.model_id, t.trial,
               coalesce(sum(a.cost_usd), 0) + coalesce(sum(a.infra_usd), 0) + coalesce(any_value(t.judge_cost_usd), 0)
        FROM trials t LEFT JOIN attempts a USING (run_id, suite_id, task_id, model_id, trial)
        WHERE t.run_id = ? GROUP BY ALL""",
            [run_id],
        )
        .fetchall()
    )
    return {tuple(r[:4]): float(r[4]) for r in rows}


def unfinished_attempts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple, list[Attempt]]:
    """Attempts already made (and paid for) in trials that have no final outcome yet, by trial key."""
    rows = (
        con.cursor()
        .execute(
            f"""
        SELECT {", ".join(f"a.{c}" for c in ATTEMPT_COLUMNS)}
        FROM attempts a ANTI JOIN trials t USING (run_id, suite_id, task_id, model_id, trial)
        WHERE a.run_id = ? ORDER BY a.attempt""",
            [run_id],
        )
        .fetchall()
    )
    found: dict[tuple, list[Attempt]] = defaultdict(list)
    for row in rows:
        attempt = Attempt(**dict(zip(ATTEMPT_COLUMNS, row, strict=True)))
        found[(attempt.suite_id, attempt.task_id, attempt.model_id, attempt.trial)].append(attempt)
    return found


def cached_answers(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, dict]:
    """Earlier successful answers to identical requests, by request hash (the reuse cache)."""
    if not hashes:
        return {}
    cur = con.cursor()
    rows = cur.execute(
        """
        SELECT a.request_hash, any_value(a.output), any_value(a.input_tokens), any_value(a.output_tokens),
               any_value(a.latency_ms)
        FROM attempts a SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS request_hash) w USING (request_hash)
        WHERE a.error_kind IS NULL AND NOT a.cached GROUP BY a.request_hash""",
        [hashes],
    ).fetchall()
    return {r[0]: {"output": r[1], "input_tokens": r[2], "output_tokens": r[3], "latency_ms": r[4]} for r in rows}


ATTEMPT_KEY = ("run_id", "suite_id", "task_id", "model_id", "trial", "attempt")
TRIAL_KEY = ATTEMPT_KEY[:-1]


def write_batch(
    con: duckdb.DuckDBPyConnection, attempts: list[Attempt], trials: list[Trial], *, lake: bool | None = None
) -> None:
    """Append attempts and final trial outcomes in one transaction (a trial and its last attempt land together).

    Only rows whose key is not stored yet are inserted, in a gated transaction (store/lake.py, ``serialized``): the
    shared store has no PRIMARY KEY, so this is what keeps one row per attempt and one outcome per trial when a
    batch is written twice (a retried commit, a resume racing a live run). A DuckDB file's keys already refuse a
    duplicate (the batch fails whole) and the check costs ~5 ms a batch there (over 214,000 attempts: a 1-row batch
    3.8 ms plain, 4.6 ms gated, 9.5 ms gated and checked), so only the shared store checks.
    ``lake``: whether ``con`` is the shared store, when the caller knows (the writer asks once)."""
    if not attempts and not trials:
        return
    if lake is None:
        lake = is_lake_connection(con)
    attempt_rows = [[getattr(a, c) for c in ATTEMPT_COLUMNS] for a in attempts]
    trial_rows = [[getattr(t, c) for c in TRIAL_COLUMNS] for t in trials]

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        if lake:
            _insert_new(cur, "attempts", ATTEMPT_COLUMNS, ATTEMPT_KEY, attempt_rows)
            _insert_new(cur, "trials", TRIAL_COLUMNS, TRIAL_KEY, trial_rows)
        else:
            insert_rows(cur, "attempts", ATTEMPT_COLUMNS, attempt_rows)
            insert_rows(cur, "trials", TRIAL_COLUMNS, trial_rows)

    serialized(con, write)


def _insert_new(cur, table: str, columns: tuple[str, ...], key: tuple[str, ...], rows: list[list]) -> None:
    """Insert the rows whose key is in neither ``table`` nor earlier in ``rows`` (one multi-row VALUES statement per
    500 rows, as ``insert_rows``). The run id is also given as a constant so the anti-join reads only that run's
    row groups (ids sort by start time: zone maps skip older runs)."""
    seen: set[tuple] = set()
    unique = []
    for row in rows:
        identity = tuple(row[columns.index(c)] for c in key)
        if identity not in seen:
            seen.add(identity)
            unique.append(row)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    match = " AND ".join(f"s.{c} = v.{c}" for c in key)
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        run_ids = sorted({row[0] for row in chunk})
        cur.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM (VALUES {', '.join([one] * len(chunk))}) "
            f"v({', '.join(columns)}) WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.run_id IN "
            f"({', '.join('?' * len(run_ids))}) AND {match})",
            [value for row in chunk for value in row] + run_ids,
        )


def request_cancel(cur: duckdb.DuckDBPyConnection, run_id: str, requested_by: str) -> None:
    """Ask a live run to stop, on the caller's cursor (its process polls ``cancel_requested``)."""
    cur.execute("INSERT INTO run_cancel_requests (run_id, requested_by) VALUES (?, ?)", [run_id, requested_by])


def cancel_requested(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether someone asked this run to stop since it last (re)started."""
    row = (
        con.cursor().execute("SELECT EXISTS (SELECT 1 FROM run_cancel_requests WHERE run_id = ?)", [run_id]).fetchone()
    )
    return bool(row[0])


def clear_cancel_requests(cur: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Forget a run's cancel requests (it ended, or it is resumed: an old request must not stop it again)."""
    cur.execute("DELETE FROM run_cancel_requests WHERE run_id = ?", [run_id])


def beat(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """A live run's heartbeat: its process is still there (a run without one for long is stale)."""
    serialized(con, lambda cur: cur.execute("UPDATE runs SET heartbeat_at = now() WHERE run_id = ?", [run_id]))


def claim_run(cur: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Name this machine and process as the one running a run (it starts or resumes it now), which a resume on
    that machine asks directly (routeboard/run/start.py, ``runner_state``); its first heartbeat."""
    cur.execute(
        "UPDATE runs SET heartbeat_at = now(), runner_host = ?, runner_pid = ? WHERE run_id = ?",
        [socket.gethostname(), os.getpid(), run_id],
    )


def silent_s(con: duckdb.DuckDBPyConnection, run_id: str) -> float:
    """Seconds since a run's last heartbeat (or its creation when it never beat), by the store's clock."""
    row = (
        con.cursor()
        .execute(
            "SELECT epoch(now()::TIMESTAMP - coalesce(heartbeat_at, created_at)) FROM runs WHERE run_id = ?", [run_id]
        )
        .fetchone()
    )
    if row is None:
        raise NotFound(f"no run {run_id!r} in this database (see `python -m routeboard runs list`)")
    return float(row[0])
