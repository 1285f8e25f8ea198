"""How numbers read on the pages: shares as percentages, money at a precision that fits its size, a dash for
an unknown (its reason in the column's help), and one st.column_config per table with help on every column."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import streamlit as st

# one text of money, shares and unknowns for pages, CLI and report
from routeboard.present import DASH, count, money, percent, tasks_text, unknown

UNKNOWN = f"{DASH} means unknown or not applicable"

# column -> (header a person reads, help); a column missing here still gets a help naming it (never none)
COLUMNS = {
    "category": ("category", "The job category the suite's tasks belong to."),
    "suite": ("suite", "The suite of tasks."),
    "suite_id": ("suite id", "The stored suite version (name and content hash)."),
    "task_id": ("task", "The task's id within its suite."),
    "run_id": ("run", "The run that produced these results."),
    "model_id": ("model", "The model, as provider/name."),
    "model": ("routed to", f"The cheapest model that clears the bar; 'none clears' names the nearest. {UNKNOWN}."),
    "routed": ("routed to", "The cheapest model that clears the bar; 'none clears' names the nearest one."),
    "evidence": (
        "evidence",
        "What the accuracy rests on: tasks graded, or where people review the outputs, how many of them they have "
        "reviewed (outputs waiting for review count nowhere yet). A dash: no model has results here.",
    ),
    "tier": ("tier", "Frontier, small proprietary, hosted open-weight, local, or a simulated cascade."),
    "bar": ("bar", "The accuracy a category's work must clear (the lower end of the interval must reach it)."),
    "verdict": (
        "verdict",
        "clears: the interval's lower end reaches the bar; fails: its upper end is below; "
        "undecided: more tasks are needed.",
    ),
    "accuracy": ("accuracy", "Share of trials accepted (valid and correct), with its confidence interval."),
    "ci_low": ("interval low", "Lower end of the accuracy's confidence interval."),
    "ci_high": ("interval high", "Upper end of the accuracy's confidence interval."),
    "trials": ("trials", "Graded trials behind the figures."),
    "tasks": ("tasks", "Distinct tasks behind the figures."),
    "tasks_needed": (
        "tasks needed",
        f"About how many more tasks would likely settle an undecided verdict. {DASH}: the verdict is settled, or "
        "its suites cannot give that many (the gap says so).",
    ),
    "pass_hat_k": ("pass^k", f"Chance that all k repeated trials of a task are accepted. {UNKNOWN}: one trial a task."),
    "model_usd": ("model $/trial", "Model (token) cost per trial, retries included."),
    "retry_usd": ("retry $/trial", "Part of the model cost spent on retries, per trial."),
    "infra_usd": ("infra $/trial", "Hardware cost per trial for self-hosted and local models."),
    "review_usd": ("review $/trial", "A person's review time per trial (review rate x minutes x hourly rate)."),
    "rework_usd": ("rework $/trial", "Fixing the wrong outputs a review catches, per trial."),
    "failure_usd": ("failure $/trial", "Wrong outputs that reach the business, per trial (failure cost x escapes)."),
    "cpat_usd": (
        "cost per accepted task",
        f"Every cost part per trial divided by the accepted share. {DASH}: "
        "nothing accepted, so undefined; 'no price' or 'no token counts': a cost part is unknown, and why.",
    ),
    "cpat": (
        "cost per accepted task",
        f"What one accepted output costs, all parts included. {DASH}: no routed model; 'no price' or "
        "'no token counts': a cost part is unknown.",
    ),
    "monthly": ("monthly", f"Cost per accepted task x the monthly volume. {DASH}: nothing is routed here."),
    "saving vs baseline": (
        "saving vs baseline",
        f"Monthly cost of the baseline model minus the routed one. {DASH}: no baseline or no route to compare.",
    ),
    "gap": (
        "why nothing clears",
        "The nearest model, how far its interval's lower end is below the bar, and about how many more tasks would "
        "likely settle it (and which way); or a cost over the ceiling, a cost that is unknown and why, or that "
        "every model is excluded and by what.",
    ),
    "latency_ms_p50": ("p50 latency", "Median latency of a trial."),
    "latency_ms_p95": ("p95 latency", "95th-percentile latency of a trial."),
    "latency_ms": ("latency", "Time the call took."),
    "excluded": ("excluded by", f"The constraint that keeps the model off the route. {DASH}: none."),
    "excluded_detail": ("why", f"The constraint's detail. {DASH}: not excluded."),
    "runner_up": ("runner-up", f"The next cheapest model that clears. {DASH}: none."),
    "near_ties": ("near ties", f"Models whose best-case cost reaches the route's worst case. {DASH}: none."),
    "reason": ("reason", "Why the route is what it is."),
    "trial": ("trial", "Which repetition of the task."),
    "attempt": ("attempt", "Which call of the trial (retries count)."),
    "outcome": ("outcome", "accepted, wrong, invalid (unparseable) or error (the call failed)."),
    "valid": ("valid", "The output had the required form."),
    "correct": ("correct", "The grader accepted the answer."),
    "score": ("score", f"The grader's score where it gives one. {DASH}: pass/fail grader."),
    "attempts": ("attempts", "Calls made (retries included)."),
    "expected": ("expected", f"The reference answer. {DASH}: none (a judge or a person grades)."),
    "output": ("output", "What the model answered (shown as text, never run)."),
    "detail": ("grader note", f"What the grader said. {DASH}: nothing to add."),
    "cost_usd": ("model $", f"Token cost. {DASH}: the price is unknown."),
    "input_tokens": ("input tokens", "Tokens sent."),
    "output_tokens": ("output tokens", "Tokens received."),
    "tokens_estimated": ("tokens estimated", "Token counts were estimated (the provider reported none)."),
    "started_at": ("started", "When the call started (UTC)."),
    "imported_at": ("imported", "When this suite version was imported (UTC)."),
    "cached": ("cached", "Answered from the cache: no new call was paid for."),
    "error_kind": ("error kind", f"auth, rate limit, timeout... {DASH}: no error."),
    "error": ("error", f"The provider's message. {DASH}: no error."),
    "calls": ("calls", "Model calls the run would make."),
    "local_minutes": ("local minutes", f"Estimated time on this machine. {DASH}: a hosted model."),
    "status": ("status", "running, completed, cancelled, budget_exhausted or failed (live for runs in progress)."),
    "created_at": ("started", "When the run was launched (UTC)."),
    "finished_at": ("finished", f"When the run ended (UTC). {DASH}: still running or interrupted."),
    "budget_usd": ("budget", f"The run's spending cap. {DASH}: no cap."),
    "total_trials": ("planned trials", "Trials the run planned."),
    "accepted": ("accepted", "Trials accepted."),
    "errors": ("errors", "Trials whose calls failed."),
    "cached_attempts": ("cached calls", "Calls answered from the cache."),
    "model_total_usd": (
        "model $ (run total)",
        f"What the run's model calls cost in all, retries included. {DASH}: a call's cost is unknown (see spend).",
    ),
    "infra_total_usd": ("infra $ (run total)", "What the run's local hardware time cost in all."),
    "judge_total_usd": ("judge $ (run total)", "What the run's LLM-judge calls cost in all."),
    "spend_usd": (
        "spend (run total)",
        "What the run paid in all: model, infra and judge costs. 'unknown (no cost for ...)': those models' calls "
        "have no known cost (no price, or an import without cost or token columns); a sum before it is the known "
        "part only.",
    ),
    "spend_per_trial_usd": ("spend $/trial", f"The run's spend over its trials. {DASH}: the spend is unknown."),
    "error_reasons": ("why models failed", f"Per model with errors, the most common reason. {DASH}: no errors."),
    "why not plotted": ("why not plotted", "Why the chart cannot place this model."),
    "tool_usd": ("tool $/trial", "Tool and LLM-judge calls per trial."),
    "monthly_volume": ("tasks a month", "How many tasks of this category come each month."),
    "input_per_mtok_usd": ("USD / M input tokens", "The price of a million input tokens."),
    "output_per_mtok_usd": ("USD / M output tokens", "The price of a million output tokens."),
    "price_source": ("price from", "Where the price comes from: litellm's price map, yours ('user'), or free."),
    "hardware_usd": ("hardware USD", "What the machine cost."),
    "amortisation_months": ("written off over (months)", "The months over which the hardware is written off."),
    "power_watts": ("power (W)", "What the machine draws while busy."),
    "usd_per_kwh": ("USD per kWh", "The price of electricity."),
    "ops_usd_per_month": ("operations USD / month", "Upkeep: hosting, monitoring, a person's time."),
    "utilisation": ("utilisation", "The share of the time the machine is busy with this work (0 to 1)."),
    "parallel_requests": ("parallel requests", "Requests the machine serves at once."),
}
PERCENT = {"bar", "accuracy", "ci_low", "ci_high", "pass_hat_k", "accuracy_gap", "accepted_share"}
COUNTS = {
    "trials",
    "tasks",
    "tasks_needed",
    "trial",
    "attempt",
    "attempts",
    "input_tokens",
    "output_tokens",
    "calls",
    "total_trials",
    "accepted",
    "errors",
    "cached_attempts",
}
PINNED = ("category", "model_id", "run_id", "routed", "task_id")


def _cell(column: str, value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or DASH
    if unknown(value):
        return DASH
    if isinstance(value, str):  # already as a person reads it
        return value
    if isinstance(value, (pd.Timestamp, dt.datetime)):  # to the second: microseconds are noise to a person
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if column in PERCENT:
        return percent(value)
    if column in COUNTS:
        return count(value)
    if column.endswith("_usd"):
        return money(value)
    if column.startswith("latency_ms"):
        return f"{float(value):,.0f} ms"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# what the words of a 'tasks needed' cell read besides the number (present.tasks_text)
_SETTLE_FIELDS = ("verdict", "tasks_needed", "min_tasks_short", "tasks_to_settle", "settles_as", "tasks_available")


def with_tasks_words(frame: pd.DataFrame) -> pd.DataFrame:
    """``tasks_needed`` in words (present.tasks_text): a number alone cannot tell a settled verdict from one its
    suites cannot settle. Call it on the whole ledger or route frame, before picking the columns to show."""
    fields = [f for f in _SETTLE_FIELDS if f in frame]
    rows = zip(*(frame[f].tolist() for f in fields))
    return frame.assign(tasks_needed=[tasks_text(dict(zip(fields, row))) for row in rows])


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a person reads it (text formatted by column, a dash for an unknown)."""
    return pd.DataFrame(
        {c: [_cell(c, v) for v in frame[c].tolist()] for c in frame.columns}, index=frame.index, dtype=object
    )


def column_config(columns) -> dict:
    """Header and help for each column; the key columns stay pinned while a wide table scrolls."""
    config = {}
    for column in columns:
        label, help_text = COLUMNS.get(column, (column.replace("_", " "), f"{column.replace('_', ' ')}."))
        config[column] = st.column_config.TextColumn(label, help=help_text, pinned=column in PINNED or None)
    return config


def editor_config(columns) -> dict:
    """Header and help for each column of an editable table (the cells keep their type: numbers stay numbers)."""
    config = {}
    for column in columns:
        label, help_text = COLUMNS.get(column, (column.replace("_", " "), f"{column.replace('_', ' ')}."))
        config[column] = st.column_config.Column(label, help=help_text)
    return config


def show(frame: pd.DataFrame, key: str, shown: pd.DataFrame | None = None, **kwargs) -> None:
    """A table as a person reads it: formatted cells, help on every column, key columns pinned (``shown``: the
    frame already formatted by ``display``, e.g. cached)."""
    st.dataframe(
        display(frame) if shown is None else shown,
        hide_index=True,
        column_config=column_config(frame.columns),
        key=key,
        placeholder=DASH,
        **kwargs,
    )


# Markdown's marks and LaTeX's "$" (st.markdown and st.table read text as Markdown): a category or model named with
# them reads as written, never as emphasis, a link or a formula.
_MARKS = re.compile(r"([\\`*_{}\[\]<>|~$#])")


def plain(text) -> str:
    """``text`` for a Markdown element (st.markdown, st.table's cells), every mark in it escaped."""
    return _MARKS.sub(r"\\\1", str(text))
