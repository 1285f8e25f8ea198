"""Starting, resuming and marking runs: each returns a Runner ready to ``run()`` or says why it cannot."""

from __future__ import annotations

import threading

import duckdb

from routeboard.catalog import get_model
from routeboard.errors import InvalidInput
from routeboard.pricing import model_from_snapshot
from routeboard.run.judge import judge_ids, resolve_judges
from routeboard.run.plan import plan_jobs
from routeboard.run.request import RunRequest
from routeboard.run.resolve import refuse_unavailable, refuse_ungradable, resolve_models, resolve_suites
from routeboard.run.runner import Runner
from routeboard.store import runs as run_store
from routeboard.store.suites import load_stored_suite


def start_run(
    con: duckdb.DuckDBPyConnection,
    request: RunRequest,
    *,
    run_id: str | None = None,
    on_progress=None,
    cancel: threading.Event | None = None,
) -> Runner:
    """Plan a run, snapshot prices, write the run row and return a Runner ready to ``run()``."""
    problems = request.problems()
    if problems:
        raise InvalidInput("; ".join(problems))
    suites = resolve_suites(con, request.suites)
    for suite_id, suite in suites:  # an estimate may look at such a suite; a run would grade it all wrong
        refuse_ungradable(suite_id, suite)
    models = resolve_models(con, request.models)
    judges = resolve_judges(con, suites, request.judge_model)
    jobs = plan_jobs(suites, models, request.trials, request.limit)
    run_id = run_id or run_store.new_run_id()
    settings = request.to_settings(
        [suite_id for suite_id, _ in suites],
        [m.id for m in models],
        {suite_id: judge.id for suite_id, judge in judges.items()},
        len(jobs),
    )
    # prices are snapshotted per run so old results keep their cost; judges' entries sit beside the models'
    run_store.create_run(con, run_id, settings, [*judges.values(), *models], request.budget_usd)
    return Runner(con, run_id, request, jobs, on_progress=on_progress, cancel=cancel, judges=judges)


def resume_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    on_progress=None,
    cancel: threading.Event | None = None,
    budget_usd: float | None = None,
) -> Runner:
    """Continue a run: only trials without a final outcome are sent; paid-for attempts are reused."""
    run = run_store.get_run(con, run_id)
    if run["status"] == "imported":
        raise InvalidInput(f"run {run_id} holds imported results; there is nothing to resume")
    if run["status"] == "completed":
        raise InvalidInput(f"run {run_id} is already completed; nothing to resume")
    stored = run["settings"]
    request = RunRequest.from_settings(stored, budget_usd if budget_usd is not None else run["budget_usd"])
    models = [model_from_snapshot(model_id, run["prices"][model_id]) for model_id in request.models]
    suites = [load_stored_suite(con, suite_id) for suite_id in request.suites]
    judge_by_suite = stored.get("judges") or judge_ids(suites, request.judge_model)  # runs from before judges
    judges = {
        suite_id: model_from_snapshot(model_id, run["prices"][model_id])
        if model_id in run["prices"]
        else get_model(con, model_id)
        for suite_id, model_id in judge_by_suite.items()
    }
    # refused before any call, as at the start (e.g. a key unset since)
    refuse_unavailable([("", m) for m in models] + [("judge ", m) for m in judges.values()])
    run_store.set_status(con, run_id, "running")
    settled = {(c["suite_id"], c["model_id"]) for c in stored.get("certified", [])}
    jobs = [
        job for job in plan_jobs(suites, models, request.trials, request.limit) if job.pair not in settled
    ]  # certified pairs need nothing more
    return Runner(con, run_id, request, jobs, on_progress=on_progress, cancel=cancel, judges=judges)


def cancel_stale_run(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """Mark a run whose process is gone as cancelled (this process could open the file, so none holds it)."""
    run = run_store.get_run(con, run_id)
    if run["status"] != "running":
        return f"run {run_id} is already {run['status']}"
    run_store.set_status(con, run_id, "cancelled", note="cancelled after its process had stopped")
    return f"run {run_id} marked cancelled; `runs resume {run_id}` would finish it"
