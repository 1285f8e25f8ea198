"""Starting, resuming and marking runs: each returns a Runner ready to ``run()`` or says why it cannot."""

from __future__ import annotations

import math
import os
import secrets
import socket
import threading
from dataclasses import replace
from pathlib import Path

import duckdb

from routeboard.catalog.models import get_model
from routeboard.catalog.pricing import model_from_snapshot, price_snapshot
from routeboard.decide.verdicts import DEFAULT_LEVEL
from routeboard.errors import InvalidInput
from routeboard.run.judge import judge_ids, resolve_judges
from routeboard.run.plan import plan_jobs
from routeboard.run.request import RunRequest
from routeboard.run.resolve import refuse_unavailable, refuse_ungradable, resolve_models, resolve_suites, unstored
from routeboard.run.route import RouteSetup
from routeboard.run.runner import Runner
from routeboard.store import runs as run_store
from routeboard.store.connection import Source, held, serialized
from routeboard.store.suites import load_stored_suite, write_suite
from routeboard.team import audit
from routeboard.team.access import Actor, budget_of, require, require_budget


def start_run(
    store: Source,
    request: RunRequest,
    *,
    run_id: str | None = None,
    on_progress=None,
    cancel: threading.Event | None = None,
    actor: Actor | None = None,
) -> Runner:
    """Plan a run, snapshot prices, write the run row and return a Runner ready to ``run()``.

    An analyst's run is refused before any call when its cost (its cap, else its estimate) would pass what is
    left of their monthly budget, and is capped at what is left (docs/design.md, "A team's deployment"). ``store``
    is a connection, or a lease on a local file that the run holds only while it reads or writes."""
    with held(store) as con:
        run_id, request, jobs, judges, route = _plan_run(con, request, run_id, actor)
    return Runner(store, run_id, request, jobs, on_progress=on_progress, cancel=cancel, judges=judges, route=route)


def _plan_run(con, request: RunRequest, run_id: str | None, actor: Actor | None) -> tuple:
    """start_run's checks, plan and run row: the run's id, its request (capped by a budget), jobs and judges."""
    actor = require(actor, "launch_run")
    problems = request.problems()
    if problems:
        raise InvalidInput("; ".join(problems))
    suites = resolve_suites(con, request.suites)
    for suite_id, suite in suites:  # an estimate may look at such a suite; a run would grade it all wrong
        refuse_ungradable(suite_id, suite)
    models = resolve_models(con, request.models)
    judges = resolve_judges(con, suites, request.judge_model)
    route = None
    if request.until_route:  # one seeded task order per suite, kept so a resume sends the same rounds
        request = replace(
            request, order_seed=secrets.randbelow(2**31) if request.order_seed is None else request.order_seed
        )
        route = _route_setup(con, suites, models, request)
    jobs = plan_jobs(suites, models, request.trials, request.limit, request.order_seed if route else None)
    planned_usd = None
    if budget_of(con, actor) is not None:
        planned_usd = (
            request.budget_usd if request.budget_usd is not None else _estimate_usd(con, suites, models, request)
        )
        left = require_budget(con, actor, planned_usd)
        request = replace(request, budget_usd=min(planned_usd, left) if request.budget_usd is not None else left)
    new_suites = unstored(con, request.suites, suites)
    if new_suites:  # a suite named by its file is the person's upload too
        require(actor, "upload_suite")
    run_id = run_id or run_store.new_run_id()
    settings = request.to_settings(
        [suite_id for suite_id, _ in suites],
        [m.id for m in models],
        {suite_id: judge.id for suite_id, judge in judges.items()},
        len(jobs),
    )
    if route is not None:
        settings["route"] = route.to_settings()
    # prices are snapshotted per run so old results keep their cost; judges' entries sit beside the models'
    prices = price_snapshot([*judges.values(), *models])
    detail = {**_what(settings), "budget_usd": request.budget_usd, "planned_usd": planned_usd}

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        # gated: on the shared store a new run row can lose its commit to another process updating a run's status
        # (DuckLake rewrites an updated row), and is then written again from the start
        _store_new_suites(cur, new_suites, actor)
        run_store.create_run(cur, run_id, settings, prices, request.budget_usd, launched_by=actor.user_id)
        audit.record(cur, actor, "launch_run", run_id, detail)

    serialized(con, write)
    return run_id, request, jobs, judges, route


def _route_setup(con, suites, models, request: RunRequest) -> RouteSetup:
    """What a run that stops at the route is judged by: its scenario, and the estimate's cost of a trial."""
    from routeboard.decide.scenario import load_scenario
    from routeboard.run.estimate import estimate
    from routeboard.run.route import route_setup

    scenario = load_scenario(con, request.scenario)
    rows = estimate(con, suites, models, request.trials, request.limit, request.settings)
    return route_setup(suites, models, rows, scenario, level=DEFAULT_LEVEL)


def _store_new_suites(cur, new_suites: list, actor: Actor) -> None:
    """Store the suites a run read from files, in the run's own transaction (all or nothing)."""
    for planned_id, suite in new_suites:
        result = write_suite(cur, suite, "file")
        if result.suite_id != planned_id:  # another upload of that name took the version meanwhile
            raise InvalidInput(f"suite {suite.name} was uploaded by someone else meanwhile: launch the run again")
        detail = {"origin": "file", "created": result.created, "tasks": result.task_count}
        audit.record(cur, actor, "upload_suite", result.suite_id, detail)


def resume_run(
    store: Source,
    run_id: str,
    *,
    on_progress=None,
    cancel: threading.Event | None = None,
    budget_usd: float | None = None,
    actor: Actor | None = None,
) -> Runner:
    """Continue a run: only trials without a final outcome are sent; paid-for attempts are reused. An analyst
    resumes their own runs, within what is left of their monthly budget."""
    with held(store) as con:
        request, jobs, judges, route = _plan_resume(con, run_id, budget_usd, actor)
    return Runner(store, run_id, request, jobs, on_progress=on_progress, cancel=cancel, judges=judges, route=route)


def _plan_resume(con, run_id: str, budget_usd: float | None, actor: Actor | None) -> tuple:
    """resume_run's checks and plan: the stored request (its cap renewed), the jobs left and the judges."""
    actor = require(actor, "resume_run", con=con, target=run_id)
    run = run_store.get_run(con, run_id)
    if run["status"] == "imported":
        raise InvalidInput(f"run {run_id} holds imported results; there is nothing to resume")
    if run["status"] == "completed":
        raise InvalidInput(f"run {run_id} is already completed; nothing to resume")
    if runner_state(con, run_id) == "elsewhere":  # resumed here too, every call left would be sent and paid twice
        raise InvalidInput(
            f"run {run_id} is going on in another process ({_where(run)}); let it finish, or stop it first with "
            f"`python -m routeboard runs cancel {run_id}`"
        )
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
    if budget_of(con, actor) is not None:
        spent_usd = run_store.run_totals(con, run_id)[0]["known_spend_usd"]
        planned_usd = None if request.budget_usd is None else max(request.budget_usd - spent_usd, 0.0)
        left = require_budget(con, actor, planned_usd if planned_usd is not None else 0.0)
        # the run's cap counts what it spent before: only what is left this month may be added to it
        request = replace(request, budget_usd=spent_usd + min(planned_usd if planned_usd is not None else left, left))

    def write(cur: duckdb.DuckDBPyConnection) -> None:  # updates runs, as other processes' heartbeats do: gated
        run_store.update_status(cur, run_id, "running")
        run_store.claim_run(cur, run_id)
        audit.record(cur, actor, "resume_run", run_id, {"budget_usd": request.budget_usd})

    serialized(con, write)
    if request.until_route:  # the same rounds again: the races are replayed from the finished trials
        route = RouteSetup.from_settings(stored["route"])
        return request, plan_jobs(suites, models, request.trials, request.limit, request.order_seed), judges, route
    settled = {(c["suite_id"], c["model_id"]) for c in stored.get("certified", [])}
    jobs = [
        job for job in plan_jobs(suites, models, request.trials, request.limit) if job.pair not in settled
    ]  # certified pairs need nothing more
    return request, jobs, judges, None


def authorize_cancel(con: duckdb.DuckDBPyConnection, run_id: str, *, actor: Actor | None = None) -> Actor:
    """Check and audit a cancel of a live run (an analyst their own runs, an admin any) before it is signalled."""
    actor = require(actor, "cancel_run", con=con, target=run_id)
    audit.record_now(con, actor, "cancel_run", target=run_id, spend_usd=_spend(con, run_id))
    return actor


def cancel_stale_run(con: duckdb.DuckDBPyConnection, run_id: str, *, actor: Actor | None = None) -> str:
    """Mark a run whose process is gone as cancelled (this process could open the file, so none holds it)."""
    actor = require(actor, "cancel_run", con=con, target=run_id)
    run = run_store.get_run(con, run_id)
    if run["status"] != "running":
        return f"run {run_id} is already {run['status']}"
    spend_usd = _spend(con, run_id)

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        run_store.update_status(cur, run_id, "cancelled", note="cancelled after its process had stopped")
        audit.record(cur, actor, "cancel_run", run_id, {"stale": True}, spend_usd=spend_usd)

    serialized(con, write)
    return f"run {run_id} marked cancelled; `runs resume {run_id}` would finish it"


def cancel_run(con: duckdb.DuckDBPyConnection, run_id: str, *, actor: Actor | None = None) -> str:
    """Stop a run from any process: a live one (its heartbeat is recent) is asked through the store and stops
    within about a second, keeping its finished attempts; one whose process died is marked cancelled."""
    actor = require(actor, "cancel_run", con=con, target=run_id)
    run = run_store.get_run(con, run_id)
    if run["status"] != "running":
        return f"run {run_id} is already {run['status']}"
    if runner_state(con, run_id) == "gone":
        return cancel_stale_run(con, run_id, actor=actor)
    spend_usd = _spend(con, run_id)

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        run_store.request_cancel(cur, run_id, actor.user_id)
        audit.record(cur, actor, "cancel_run", run_id, {"requested": True}, spend_usd=spend_usd)

    serialized(con, write)
    return f"asked the live run {run_id} to stop; finished attempts are kept"


def runner_state(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """Who is running a run now: "ended" (its status is final or stopped), "gone" (its process died: on its
    machine the process is asked, elsewhere its heartbeat is older than STALE_S), "here" (this process) or
    "elsewhere" (another live process, or one that has not reported yet)."""
    from routeboard.run.runner import STALE_S

    run = run_store.get_run(con, run_id)
    if run["status"] != "running":
        return "ended"
    if run_store.silent_s(con, run_id) >= STALE_S:
        return "gone"
    pid = run.get("runner_pid")
    if pid and run.get("runner_host") == socket.gethostname():
        if pid == os.getpid():
            return "here"
        return "elsewhere" if _process_alive(pid) else "gone"
    return "elsewhere"  # another machine's run: its heartbeat is all there is


def _process_alive(pid: int) -> bool:
    """Whether a process of this machine is running (a killed one its parent has not reaped yet is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc (not Linux): kill said it exists
        return True
    return state not in ("Z", "X")


def _where(run: dict) -> str:
    if run.get("runner_pid"):
        return f"process {run['runner_pid']} on {run.get('runner_host')}"
    return "its process has not reported yet"


def _what(settings: dict) -> dict:
    return {key: settings.get(key) for key in ("suites", "models", "trials", "limit") if key in settings}


def _spend(con: duckdb.DuckDBPyConnection, run_id: str) -> float | None:
    totals = run_store.run_totals(con, run_id)
    return totals[0]["spend_usd"] if totals else None


def _estimate_usd(con, suites, models, request) -> float | None:
    """The estimated cost of a run with no cap of its own (None when a price is unknown)."""
    from routeboard.run.estimate import estimate  # counts tokens with litellm: only when a budget applies

    rows = estimate(con, suites, models, request.trials, request.limit, request.settings)
    costs = [row.cost_usd for row in rows]
    if any(cost is None or math.isnan(cost) for cost in costs):
        return None
    return float(sum(costs))
