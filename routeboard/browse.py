"""Stored results for people to look through: trial rows with filters, and one task in full detail."""

from __future__ import annotations

import duckdb

from routeboard.store.browse import task_attempts, task_trials, trial_count, trial_rows

__all__ = ["OUTCOMES", "task_detail", "trial_count", "trial_rows"]

OUTCOMES = ("accepted", "wrong", "invalid", "error")


def task_detail(con: duckdb.DuckDBPyConnection, suite_id: str, task_id: str) -> dict:
    """A task's input and expected answer, every model's graded outputs, and every attempt behind them."""
    from routeboard.store.suites import load_stored_suite
    from routeboard.suites import render_messages

    _, suite = load_stored_suite(con, suite_id)
    task = next((t for t in suite.tasks if t.id == task_id), None)
    messages = render_messages(suite, task) if task else []  # imported results may carry no task text
    return {
        "task": task,
        "messages": messages,
        "trials": task_trials(con, suite_id, task_id),
        "attempts": task_attempts(con, suite_id, task_id),
    }
