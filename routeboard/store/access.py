"""Access overrides, the audit trail and spend per person (routeboard/team/access.py, routeboard/team/audit.py).

Plain INSERTs only: the shared store (DuckLake) has no keys, so an override is a new row and the latest row per
person wins; audit rows are appended."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from routeboard.store.connection import insert_rows
from routeboard.store.runs import UNKNOWN_COST

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (a run's process never needs it)
    import pandas as pd

AUDIT_COLUMNS = ("at", "user_id", "role", "via", "action", "target", "detail", "spend_usd")
_COLUMNS = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)  # quoted: AT is a keyword in DuckDB


def latest_override(con: duckdb.DuckDBPyConnection, user_id: str) -> dict | None:
    """A person's latest stored role and budget (either may be None), or None when an admin set nothing."""
    cur = con.cursor()
    row = cur.execute(
        "SELECT role, monthly_budget_usd, updated_by, updated_at FROM access_overrides "
        "WHERE lower(user_id) = lower(?) ORDER BY updated_at DESC LIMIT 1",
        [user_id],
    ).fetchone()
    return dict(zip(("role", "monthly_budget_usd", "updated_by", "updated_at"), row, strict=True)) if row else None


def overrides(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each person's latest override: user_id, role, monthly_budget_usd, updated_by, updated_at."""
    return (
        con.cursor()
        .execute(
            "SELECT user_id, arg_max(role, updated_at) AS role, "
            "arg_max(monthly_budget_usd, updated_at) AS monthly_budget_usd, "
            "arg_max(updated_by, updated_at) AS updated_by, max(updated_at) AS updated_at "
            "FROM access_overrides GROUP BY user_id ORDER BY user_id"
        )
        .df()
    )


def add_override(
    cur: duckdb.DuckDBPyConnection,
    user_id: str,
    role: str | None,
    monthly_budget_usd: float | None,
    updated_by: str,
    at: datetime,
) -> None:
    """Append an override row (the latest one per person wins)."""
    cur.execute(
        "INSERT INTO access_overrides (user_id, role, monthly_budget_usd, updated_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [user_id, role, monthly_budget_usd, updated_by, at],
    )


def add_audit(cur: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Append one audit row (``detail`` already scrubbed, as a dict or None)."""
    add_audit_rows(cur, [row])


def add_audit_rows(cur: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Append audit rows (each ``detail`` already scrubbed, as a dict or None)."""
    values = [
        [json.dumps(row["detail"]) if c == "detail" and row.get(c) is not None else row.get(c) for c in AUDIT_COLUMNS]
        for row in rows
    ]
    insert_rows(cur, "audit_log", tuple(f'"{c}"' for c in AUDIT_COLUMNS), values)


def audit_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None = None,
    user_id: str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Audit rows, newest first, filtered by time, person and action. A launch's spend is what its run has spent
    so far (resumes included), read now: the row is written before the first call (NULL when a cost is unknown)."""
    where, params = [], []
    if since is not None:
        where.append('"at" >= ?')
        params.append(since)
    if user_id:
        where.append("lower(user_id) = lower(?)")
        params.append(user_id)
    if action:
        where.append("action = ?")
        params.append(action)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return (
        con.cursor()
        .execute(_TRAIL.format(columns=_COLUMNS, clause=clause, unknown_cost=UNKNOWN_COST), [*params, limit])
        .df()
    )


_TRAIL = """
    WITH l AS (SELECT {columns} FROM audit_log {clause} ORDER BY "at" DESC LIMIT ?),
         launched AS (SELECT DISTINCT target AS run_id FROM l WHERE action = 'launch_run'),
         a AS (SELECT run_id, sum(coalesce(cost_usd, 0) + coalesce(infra_usd, 0)) AS usd,
                      count(*) FILTER ({unknown_cost}) AS unknown
               FROM attempts SEMI JOIN launched USING (run_id) GROUP BY run_id),
         j AS (SELECT run_id, sum(judge_cost_usd) AS usd FROM trials SEMI JOIN launched USING (run_id) GROUP BY run_id)
    SELECT l.* REPLACE (
               CASE WHEN l.action <> 'launch_run' OR l.spend_usd IS NOT NULL THEN l.spend_usd
                    WHEN coalesce(a.unknown, 0) > 0 THEN NULL
                    ELSE coalesce(a.usd, 0) + coalesce(j.usd, 0) END AS spend_usd)
    FROM l LEFT JOIN a ON a.run_id = l.target LEFT JOIN j ON j.run_id = l.target
    ORDER BY l."at" DESC"""


def run_launcher(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """Who launched a run (None for runs from before sign-in, imports or an unknown run)."""
    row = con.cursor().execute("SELECT launched_by FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return row[0] if row else None


# Spend of launched runs (imports cost nothing here) per person, by when it happened: each attempt at its start,
# each judge call at its trial's end. A run with an attempt of unknown cost has unknown spend, unless it had a cap:
# then the cap is the most it can have spent (docs/design.md, "Unknown is never zero").
_SPEND = """
    WITH r AS (SELECT run_id, launched_by AS user_id, budget_usd FROM runs
               WHERE launched_by IS NOT NULL AND status <> 'imported' {who}),
         a AS (SELECT run_id, sum(coalesce(cost_usd, 0) + coalesce(infra_usd, 0)) AS usd,
                      count(*) FILTER ({unknown_cost}) AS unknown
               FROM attempts SEMI JOIN r USING (run_id) WHERE started_at >= ? AND started_at < ? GROUP BY run_id),
         j AS (SELECT run_id, sum(judge_cost_usd) AS usd FROM trials SEMI JOIN r USING (run_id)
               WHERE finished_at >= ? AND finished_at < ? GROUP BY run_id),
         per_run AS (SELECT r.user_id, r.run_id,
                            CASE WHEN coalesce(a.unknown, 0) = 0 THEN coalesce(a.usd, 0) + coalesce(j.usd, 0)
                                 ELSE r.budget_usd END AS usd,
                            a.run_id IS NOT NULL OR j.run_id IS NOT NULL AS spent
                     FROM r LEFT JOIN a USING (run_id) LEFT JOIN j USING (run_id))
    SELECT user_id, sum(usd) AS spend_usd, count(*) FILTER (spent) AS runs,
           count(*) FILTER (spent AND usd IS NULL) AS unknown_runs,
           any_value(run_id) FILTER (spent AND usd IS NULL) AS unknown_run
    FROM per_run GROUP BY user_id ORDER BY user_id"""


def spend(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, user_id: str | None = None) -> list[dict]:
    """Per person: spend_usd in [start, end), runs that spent then, and the runs whose spend is unknown."""
    who = "AND lower(launched_by) = lower(?)" if user_id else ""
    params = ([user_id] if user_id else []) + [start, end, start, end]
    cur = con.cursor()
    rows = cur.execute(_SPEND.format(who=who, unknown_cost=UNKNOWN_COST), params).fetchall()
    return [dict(zip([d[0] for d in cur.description], row, strict=True)) for row in rows]
