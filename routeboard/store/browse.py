"""Queries behind browsing stored results: trial rows with filters, one task's trials and attempts."""

from __future__ import annotations

import duckdb
import pandas as pd


def _where(runs=None, categories=None, models=None, outcomes=None) -> tuple[str, list]:
    """The filter of a trial query (``t`` trials joined with ``s`` suites) and its parameters."""
    clauses, params = [], []
    for column, values in (
        ("t.run_id", runs),
        ("s.category", categories),
        ("t.model_id", models),
        ("t.outcome", outcomes),
    ):
        if values:
            clauses.append(f"{column} IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(values))
    return " AND ".join(clauses) or "true", params


def trial_count(con: duckdb.DuckDBPyConnection, *, runs=None, categories=None, models=None, outcomes=None) -> int:
    """How many stored trials match the filters (all of them: ``trial_rows`` returns at most its limit)."""
    where, params = _where(runs, categories, models, outcomes)
    query = f"SELECT count(*) FROM trials t JOIN suites s USING (suite_id) WHERE {where}"
    return int(con.cursor().execute(query, params).fetchone()[0])


def trial_rows(
    con: duckdb.DuckDBPyConnection, *, runs=None, categories=None, models=None, outcomes=None, limit: int = 50_000
) -> pd.DataFrame:
    """One row per trial with its category, task, output and summed attempt cost: the newest ``limit`` trials,
    newest first."""
    where, params = _where(runs, categories, models, outcomes)
    return (
        con.cursor()
        .execute(
            # the newest trials first, then only their attempts summed: totalling every attempt before the LIMIT
            # cost most of a second at a million attempts
            f"""
        WITH newest AS (
            SELECT t.*, s.category FROM trials t JOIN suites s USING (suite_id)
            WHERE {where} ORDER BY t.finished_at DESC LIMIT {int(limit)}),
        a AS (
            SELECT run_id, suite_id, task_id, model_id, trial, sum(a.cost_usd) AS cost_usd,
                   sum(a.infra_usd) AS infra_usd, sum(a.latency_ms) AS latency_ms,
                   sum(a.input_tokens) AS input_tokens, sum(a.output_tokens) AS output_tokens
            FROM attempts a JOIN (SELECT run_id, suite_id, task_id, model_id, trial FROM newest) n
                 USING (run_id, suite_id, task_id, model_id, trial)
            GROUP BY ALL)
        SELECT t.run_id, t.category, t.suite_id, t.task_id, t.model_id, t.trial, t.outcome, t.valid,
               CASE WHEN t.outcome = 'pending' THEN NULL ELSE t.correct END AS correct,  -- unknown until reviewed
               t.score, t.attempts, k.expected, t.output, t.detail,
               a.cost_usd, a.infra_usd, a.latency_ms, a.input_tokens, a.output_tokens
        FROM newest t LEFT JOIN tasks k USING (suite_id, task_id)
        LEFT JOIN a USING (run_id, suite_id, task_id, model_id, trial)
        ORDER BY t.finished_at DESC""",
            params,
        )
        .df()
    )


def reason_counts(
    con: duckdb.DuckDBPyConnection, reason: str, *, runs=None, categories=None, models=None
) -> pd.DataFrame:
    """Per (category, model): its trials and the invalid ones whose reason (``detail``) is ``reason``."""
    where, params = _where(runs, categories, models)
    return (
        con.cursor()
        .execute(
            f"""SELECT s.category, t.model_id, count(*) AS trials,
                       count(*) FILTER (t.outcome = 'invalid' AND t.detail = ?) AS matching
                FROM trials t JOIN suites s USING (suite_id) WHERE {where}
                GROUP BY ALL ORDER BY ALL""",
            [reason, *params],
        )
        .df()
    )


def task_trials(con: duckdb.DuckDBPyConnection, suite_id: str, task_id: str) -> pd.DataFrame:
    """Every model's graded trials of one task."""
    return (
        con.cursor()
        .execute(
            """
        SELECT run_id, model_id, trial, outcome, valid,
               CASE WHEN outcome = 'pending' THEN NULL ELSE correct END AS correct, score, detail, output
        FROM trials WHERE suite_id = ? AND task_id = ? ORDER BY model_id, run_id, trial""",
            [suite_id, task_id],
        )
        .df()
    )


def task_attempts(con: duckdb.DuckDBPyConnection, suite_id: str, task_id: str) -> pd.DataFrame:
    """Every attempt behind one task's trials, retries included."""
    return (
        con.cursor()
        .execute(
            """
        SELECT run_id, model_id, trial, attempt, started_at, latency_ms, input_tokens, output_tokens,
               tokens_estimated, cost_usd, infra_usd, valid, cached, error_kind, error, output
        FROM attempts WHERE suite_id = ? AND task_id = ? ORDER BY model_id, run_id, trial, attempt""",
            [suite_id, task_id],
        )
        .df()
    )
