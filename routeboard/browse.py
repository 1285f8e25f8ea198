"""Stored results for people to look through: trial rows with filters, and one task in full detail.

Outputs beside the model and run that wrote them are content a person may or may not see (see_model_outputs:
analysts and admins the content_roles setting names; a reviewer reads outputs blinded, on the Review page only):
checked here, where they are read, so Results' table, its downloads and its task detail pass the same door."""

from __future__ import annotations

import duckdb
import pandas as pd

from routeboard.domain import REFUSAL
from routeboard.review.reviewers import reads_blinded
from routeboard.store import browse as store
from routeboard.store.browse import trial_count
from routeboard.team.roles import Actor, allowed, require, resolve

__all__ = [
    "CONTENT_COLUMNS",
    "OUTCOMES",
    "refusal_shares",
    "shows_outputs",
    "task_detail",
    "trial_count",
    "trial_rows",
]

OUTCOMES = ("accepted", "wrong", "invalid", "error")
CONTENT_COLUMNS = ("expected", "output", "detail")  # a trial row's task content: the answer key, the output, why


def shows_outputs(actor: Actor | None) -> bool:
    """Whether this person may see outputs beside their models (and so the task detail and the downloads)."""
    return allowed(resolve(actor), "see_model_outputs")


def trial_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: Actor | None = None,
    runs=None,
    categories=None,
    models=None,
    outcomes=None,
    limit: int = 50_000,
) -> pd.DataFrame:
    """The newest ``limit`` trials, newest first (routeboard.store.browse.trial_rows); their expected answers,
    outputs and grader details only for a person who may see outputs beside their models."""
    actor = require(actor, "view")
    if reads_blinded(actor):  # even without its output, a trial's row names the model that wrote what they judged
        require(actor, "see_model_outputs")
    rows = store.trial_rows(con, runs=runs, categories=categories, models=models, outcomes=outcomes, limit=limit)
    return rows if shows_outputs(actor) else rows.drop(columns=list(CONTENT_COLUMNS))


def refusal_shares(
    con: duckdb.DuckDBPyConnection, *, actor: Actor | None = None, runs=None, categories=None, models=None
) -> pd.DataFrame:
    """Per (category, model) with any refusal: its trials, refusals (invalid, reason 'refusal', as a results file
    marked them) and their share; empty when no stored result is a refusal. Counts only, anyone's to read."""
    require(actor, "view")
    counts = store.reason_counts(con, REFUSAL, runs=runs, categories=categories, models=models)
    counts = counts[counts["matching"] > 0].rename(columns={"matching": "refusals"})
    return counts.assign(refusal_share=counts["refusals"] / counts["trials"]).reset_index(drop=True)


def task_detail(con: duckdb.DuckDBPyConnection, suite_id: str, task_id: str, *, actor: Actor | None = None) -> dict:
    """A task's input and expected answer, every model's graded outputs, and every attempt behind them: content
    beside the models (see_model_outputs)."""
    from routeboard.store.suites import load_stored_suite
    from routeboard.suites import render_messages

    require(actor, "see_model_outputs")
    _, suite = load_stored_suite(con, suite_id)
    task = next((t for t in suite.tasks if t.id == task_id), None)
    messages = render_messages(suite, task) if task else []  # imported results may carry no task text
    return {
        "task": task,
        "messages": messages,
        "trials": store.task_trials(con, suite_id, task_id),
        "attempts": store.task_attempts(con, suite_id, task_id),
    }
