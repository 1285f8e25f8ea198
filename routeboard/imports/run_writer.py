"""The one writer of an imported run: a results file, a log's replies and the sample workspace all store theirs here.

An imported run holds the rows a routeboard run would (a run row with its price snapshot, one trial and one
attempt per result), written on the caller's transaction cursor so the import that calls it stays all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from routeboard.catalog.pricing import attempt_cost, price_snapshot
from routeboard.domain import Model
from routeboard.io.result_rows import ResultRow, shortened
from routeboard.store.imports import insert_results
from routeboard.store.runs import insert_run, new_run_id


@dataclass(frozen=True)
class ImportedRun:
    """Where an import's results went: the run and its suites and models, in the order the run lists them."""

    run_id: str
    suites: list[str]
    models: list[str]


def write_imported_run(
    cur: duckdb.DuckDBPyConnection,
    rows: list[ResultRow],
    models: dict[str, Model],
    suite_ids: dict[str, str],
    *,
    source_file: str,
    digest: str,
    fmt: str,
    note: str,
    launched_by: str | None,
    extra_settings: dict | None = None,
    tokens_estimated: bool = False,
) -> ImportedRun:
    """Store ``rows`` as one 'imported' run on the caller's cursor; ``suite_ids`` maps each row's suite name to
    the stored suite, ``models`` each row's model to the model as the run prices it. ``tokens_estimated``: the
    token counts are assumed rather than reported (marked as the runner marks its own guesses)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    run_id = new_run_id()
    settings = {
        "suites": list(dict.fromkeys(suite_ids.values())),
        "models": list(models),
        "trials": max(row.trial for row in rows),
        "total_trials": len(rows),
        "source_file": source_file,
        "content_hash": digest,
        "format": fmt,
        **(extra_settings or {}),
    }
    insert_run(
        cur,
        run_id,
        settings,
        price_snapshot(list(models.values())),
        status="imported",
        finished_at=now,
        note=note,
        launched_by=launched_by,
    )
    keys = {
        "run_id": ("VARCHAR", run_id),
        "suite_id": ("VARCHAR", [suite_ids[r.suite] for r in rows]),
        "task_id": ("VARCHAR", [r.task_id for r in rows]),
        "model_id": ("VARCHAR", [r.model for r in rows]),
        "trial": ("INTEGER", [r.trial for r in rows]),
    }
    attempts = {**keys, **_attempt_columns(rows, now, models), "tokens_estimated": ("BOOLEAN", tokens_estimated)}
    insert_results(cur, {**keys, **_trial_columns(rows, now)}, attempts)
    return ImportedRun(run_id, settings["suites"], settings["models"])


def _trial_columns(rows: list[ResultRow], now: datetime) -> dict[str, tuple[str, Any]]:
    return {
        "outcome": ("VARCHAR", [r.outcome() for r in rows]),
        "valid": ("BOOLEAN", [r.valid for r in rows]),
        "correct": ("BOOLEAN", [r.correct for r in rows]),
        "score": ("DOUBLE", [r.score for r in rows]),
        "detail": ("VARCHAR", [r.detail for r in rows]),
        "attempts": ("INTEGER", 1),
        "output": ("VARCHAR", [r.output for r in rows]),
        "finished_at": ("TIMESTAMP", now),
    }


def _attempt_columns(rows: list[ResultRow], now: datetime, models: dict[str, Model]) -> dict[str, tuple[str, Any]]:
    costs = [_costs(r, models[r.model]) for r in rows]
    return {
        "attempt": ("INTEGER", 1),
        "started_at": ("TIMESTAMP", now),
        "latency_ms": ("DOUBLE", [r.latency_ms for r in rows]),
        "input_tokens": ("INTEGER", [r.input_tokens for r in rows]),
        "output_tokens": ("INTEGER", [r.output_tokens for r in rows]),
        "cost_usd": ("DOUBLE", [model_usd for model_usd, _ in costs]),
        "infra_usd": ("DOUBLE", [infra_usd for _, infra_usd in costs]),
        "valid": ("BOOLEAN", [r.valid for r in rows]),
        "output": ("VARCHAR", [r.output for r in rows]),
        "error_kind": ("VARCHAR", ["error" if r.error is not None else None for r in rows]),
        "error": ("VARCHAR", [shortened(r.error) for r in rows]),
        "cached": ("BOOLEAN", [r.cached for r in rows]),
        "request_hash": ("VARCHAR", None),
    }


def _costs(row: ResultRow, model: Model) -> tuple[float | None, float]:
    """(model_usd, infra_usd) of one result: the file's cost when it gives one, else its tokens at the run's
    snapshot price; unknown (None) when either is missing, never $0. A model with no token price (local, or
    marked free) costs 0 whatever its tokens; a local one also its box's time, as in our own runs."""
    input_tokens, output_tokens = row.input_tokens, row.output_tokens
    if row.error is not None and input_tokens is None and output_tokens is None:
        input_tokens = output_tokens = 0  # a failed call that reports no usage was not billed, as the runner counts
    model_usd, infra_usd = attempt_cost(model, input_tokens, output_tokens, row.latency_ms)
    if row.cost_usd is not None:
        return row.cost_usd, infra_usd
    if model.price.known and model.price.input_per_mtok_usd == model.price.output_per_mtok_usd == 0:
        return 0.0, infra_usd
    return model_usd, infra_usd
