"""What a model did before: its stored calls' speed and output length, and its speed calibrations.

The pre-run estimate (routeboard/run/estimate.py) reads these; only successful, non-cached first attempts count,
because a cached answer took no time and a retry's prompt repeats the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from routeboard.store.connection import transaction


@dataclass(frozen=True)
class CallSample:
    """One measured call: what it was asked (suite/task, or a calibration probe) and how long it took.

    ``previous_suite_id``/``previous_task_id`` name the call the same model answered just before it in the same
    run: a local server reuses the prompt prefix the two share, so only the rest costs prompt time.
    ``counted_input_tokens`` is set for calibration calls (their prompt is not stored as a task): litellm's count of
    the prompt's new part (all of it, but for a retry only what follows the conversation it repeats)."""

    suite_id: str | None
    task_id: str | None
    previous_suite_id: str | None
    previous_task_id: str | None
    input_tokens: int
    output_tokens: int
    latency_ms: float
    counted_input_tokens: int | None = None


@dataclass(frozen=True)
class OutputHistory:
    """A model's output length on one suite: how many calls, their mean and median output tokens, and how many
    answered attempts a trial took in stored runs (above 1 when invalid answers were retried; None: no runs)."""

    calls: int
    mean_output_tokens: float | None
    median_output_tokens: float | None
    attempts_per_trial: float | None = None


def speed_samples(con: duckdb.DuckDBPyConnection, model_id: str, limit: int = 400) -> list[CallSample]:
    """The model's most recent successful, non-cached first attempts, then its calibration probes."""
    cur = con.cursor()
    rows = cur.execute(
        """
        WITH ordered AS (
            SELECT suite_id, task_id, input_tokens, output_tokens, latency_ms, started_at, error_kind, cached,
                   tokens_estimated,
                   lag(suite_id) OVER w AS previous_suite_id, lag(task_id) OVER w AS previous_task_id
            FROM attempts WHERE model_id = ? AND attempt = 1
            WINDOW w AS (PARTITION BY run_id ORDER BY started_at))
        SELECT suite_id, task_id, previous_suite_id, previous_task_id, input_tokens, output_tokens, latency_ms
        FROM ordered
        WHERE error_kind IS NULL AND NOT cached AND NOT tokens_estimated AND latency_ms > 0
              AND input_tokens > 0 AND output_tokens IS NOT NULL
        ORDER BY started_at DESC LIMIT ?""",
        [model_id, limit],
    ).fetchall()
    samples = [CallSample(*row) for row in rows]
    probes = cur.execute(
        """
        SELECT suite_id, task_id, input_tokens, output_tokens, latency_ms, counted_input_tokens
        FROM speed_calibrations WHERE model_id = ? ORDER BY measured_at DESC LIMIT ?""",
        [model_id, limit],
    ).fetchall()
    samples += [
        CallSample(suite_id, task_id, None, None, tokens_in, tokens_out, latency, counted)
        for suite_id, task_id, tokens_in, tokens_out, latency, counted in probes
    ]
    return samples


def output_history(con: duckdb.DuckDBPyConnection, model_id: str, suite_id: str) -> OutputHistory:
    """Output tokens of the model's successful first answers on this suite (stored runs and calibration samples)."""
    row = (
        con.cursor()
        .execute(
            """
        WITH calls AS (
            SELECT output_tokens FROM attempts
            WHERE model_id = ? AND suite_id = ? AND attempt = 1 AND error_kind IS NULL AND NOT cached
                  AND output_tokens IS NOT NULL AND NOT tokens_estimated
            UNION ALL
            SELECT output_tokens FROM speed_calibrations WHERE model_id = ? AND suite_id = ?)
        SELECT count(*), avg(output_tokens), median(output_tokens) FROM calls""",
            [model_id, suite_id, model_id, suite_id],
        )
        .fetchone()
    )
    # attempts a trial: from stored runs, else from the calibration sample (a retried sample has two rows)
    retries = (
        con.cursor()
        .execute(
            """
        SELECT coalesce(
            (SELECT count(*) / nullif(count(DISTINCT (run_id, task_id, trial)), 0) FROM attempts
             WHERE model_id = ? AND suite_id = ? AND error_kind IS NULL AND NOT cached),
            (SELECT count(*) / nullif(count(DISTINCT task_id), 0) FROM speed_calibrations
             WHERE model_id = ? AND suite_id = ?))""",
            [model_id, suite_id, model_id, suite_id],
        )
        .fetchone()
    )
    return OutputHistory(int(row[0]), row[1], row[2], retries[0] if retries else None)


def probed_suites(con: duckdb.DuckDBPyConnection, model_id: str) -> set[str | None]:
    """Suites (None: the speed probes) this model already has calibration samples for."""
    rows = (
        con.cursor()
        .execute("SELECT DISTINCT suite_id FROM speed_calibrations WHERE model_id = ?", [model_id])
        .fetchall()
    )
    return {r[0] for r in rows}


def record_calibration(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    suite_id: str | None,
    task_id: str | None,
    input_tokens: int,
    counted_input_tokens: int,
    output_tokens: int,
    latency_ms: float,
) -> None:
    """Keep one measured calibration call, so the next estimate needs no new call."""
    with transaction(con) as cur:
        cur.execute(
            """INSERT INTO speed_calibrations (model_id, suite_id, task_id, input_tokens, counted_input_tokens,
                           output_tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [model_id, suite_id, task_id, input_tokens, counted_input_tokens, output_tokens, latency_ms],
        )
