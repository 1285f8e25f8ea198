"""Runs launched from the app: a background thread per run, never calling st.* from the worker; the Run page's
estimate-and-launch, resume and live-progress sections."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.present import (
    for_page,
    money,
    per_trial,
    race_text,
    route_spend_text,
    spend_text,
    standing_text,
    time_left,
)
from routeboard.run.estimate import calibrate, estimate
from routeboard.run.judge import judge_warning, resolve_judges
from routeboard.run.progress import Progress, describe_errors, local_seconds
from routeboard.run.request import RunRequest
from routeboard.run.resolve import resolve_models, resolve_suites
from routeboard.run.start import authorize_cancel, cancel_run, resume_run, runner_state, start_run
from routeboard.settings import db_path
from routeboard.store.runs import error_reasons, run_totals
from routeboard.store.version import data_version
from routeboard.team import access
from ui.auth import actor
from ui.state import connection, fragment, show_error, store
from ui.tables import show


@dataclass
class RunHandle:
    """What the page reads while a run goes on in its thread."""

    run_id: str
    progress: Progress
    cancel: threading.Event
    thread: threading.Thread | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    request: RunRequest | None = None  # None for a resumed run


def running(request: RunRequest | None = None) -> list[str]:
    """Ids of the runs still going in this server process (of this request, if given): a launch button stays
    disabled while its launch runs, so a second click cannot start the same run twice."""
    return [
        run_id
        for run_id, handle in registry().items()
        # the progress says "completed" a moment before the thread ends: the button follows what the bar says
        if not handle.done.is_set()
        and handle.progress.status == "running"
        and (request is None or handle.request == request)
    ]


def last_suites() -> tuple[str, ...]:
    """The suites of the latest run launched here (the Run page preselects them), or none."""
    launched = [h.request.suites for h in registry().values() if h.request is not None]
    return launched[-1] if launched else ()


@st.cache_data(show_spinner=False, max_entries=4)
def _totals(_con, path: str, version: tuple) -> list[dict]:
    return run_totals(_con)


def totals(con) -> list[dict]:
    """Every stored run's totals (routeboard.store.runs.run_totals), read once per data version: the history
    redraws each second and the resume box asks too, 0.1-0.2 s each over a million attempts. A run that writes
    a trial, an attempt or its own row moves the version (routeboard.store.version)."""
    return _totals(con, str(db_path()), data_version(con))


HISTORY_COLUMNS = ["run_id", "status", "created_at", "finished_at", "trials", "total_trials", "accepted", "pending"]
HISTORY_COLUMNS += ["errors", "error_reasons", "spend_usd", "spend_per_trial_usd", "model_total_usd", "infra_total_usd"]
HISTORY_COLUMNS += ["judge_total_usd", "budget_usd", "attempts", "cached_attempts"]


def history(con) -> pd.DataFrame:
    """Every stored run, with the live progress of the ones still going in this process (the stored row of a
    running run lags its progress: it is written as trials finish and closed at the end). Money as a person reads
    it: each part a run total, named so, the spend per trial beside it, and a spend that is unknown or partial
    (a model's calls with no cost) said so, naming the models."""
    rows = [dict(row) for row in totals(con)]  # the cached rows stay as stored
    live = registry()
    for row in rows:
        handle = live.get(row["run_id"])
        if handle is not None and not handle.done.is_set():
            p = handle.progress
            row.update(status=p.status, trials=max(row["trials"], p.done))
            row["known_spend_usd"] = max(row["known_spend_usd"], p.spend_usd)
            if row["spend_usd"] is not None:
                row["spend_usd"] = row["known_spend_usd"]
                row["spend_per_trial_usd"] = per_trial(row["spend_usd"], row["trials"])
        row["spend_usd"] = spend_text(row["known_spend_usd"], row["unpriced_models"])
        row["model_total_usd"] = spend_text(row["model_total_usd"], row["unpriced_models"])
        if row["spend_per_trial_usd"] is None and row["unpriced_models"]:
            row["spend_per_trial_usd"] = "unknown"
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


@st.cache_resource(show_spinner=False)
def registry() -> dict[str, RunHandle]:
    """Live runs of this server process (shared by every session)."""
    return {}


def _work(handle: RunHandle, runner) -> None:
    try:
        runner.run()
    except Exception as exc:  # shown on the page, never raised into Streamlit from a thread
        handle.error = str(exc)
        handle.progress.status = "failed"
    finally:
        handle.done.set()


def launch(
    request: RunRequest | None = None, *, resume: str | None = None, estimate_s: float | None = None
) -> RunHandle:
    """Start (or resume) a run in a background thread and return its handle, as the signed-in person (refused in
    the core, before any call, for a role that may not or a run past their monthly budget). The run gets the
    app's store, not this page run's connection: it holds a local file only while it writes."""
    cancel = threading.Event()
    who = actor()
    if resume:
        runner = resume_run(store(), resume, cancel=cancel, actor=who)
    else:
        runner = start_run(store(), request, cancel=cancel, actor=who)
    runner.progress.estimate_s = estimate_s  # the time left starts from the estimate, not from the first calls
    handle = RunHandle(runner.run_id, runner.progress, cancel, request=request)
    runner.on_progress = lambda progress: setattr(handle, "progress", progress)
    handle.thread = threading.Thread(target=_work, args=(handle, runner), name=f"run-{runner.run_id}", daemon=True)
    registry()[runner.run_id] = handle
    handle.thread.start()
    return handle


STARTED = "run_started"  # session key: the run this session launched
BUSY = "run_busy"  # session key: the runs this session last saw going


def estimate_and_launch(con, request: RunRequest) -> None:
    """The estimate of the chosen suites x models (and a speed measurement where it is assumed), then Launch."""
    try:
        chosen = resolve_suites(con, request.suites)
        warning = judge_warning(chosen, request.judge_model)
        if warning:
            st.warning(for_page(warning), icon=":material/warning:")
        resolve_judges(con, chosen, request.judge_model)
        rows = estimate(
            con, chosen, resolve_models(con, request.models), request.trials, request.limit, request.settings
        )
        frame = pd.DataFrame([r.__dict__ for r in rows])
        frame["local_minutes"] = frame.pop("local_seconds") / 60
        # the cost in the parts a run's history names ("model $", "infra $"): a local model's is infra before and after
        frame = frame.rename(columns={"model_usd": "model_total_usd", "infra_usd": "infra_total_usd"})
        st.caption("Estimate before launching:")
        show(frame.drop(columns=["basis", "cost_usd"]), key="run_estimate")
        for r in rows:
            st.caption(f"{r.model_id} × {r.suite}: {r.basis}")
        if request.until_route:
            route_estimate(con, request, chosen, rows)
        assumed = [
            m
            for m in resolve_models(con, request.models)
            if any(r.model_id == m.id and "assumed" in r.basis for r in rows)
        ]
        if assumed and st.button(
            "Measure local speed (a few calls)",
            key="run_calibrate",
            help="One short and one long prompt, and a sample answer per suite; kept for later estimates.",
        ):
            for model in assumed:
                calibrate(con, model, chosen, request.settings, actor=actor())
            st.rerun()
        budget_line(con)
        under_way = running(request)
        # the live section reruns the page when a run it knew of ends; a run that ends between this button and
        # that section would otherwise leave the button disabled, so it learns of the runs this button waits on
        st.session_state[BUSY] = set(st.session_state.get(BUSY, set())) | set(under_way)
        if st.button(
            "Launch run",
            type="primary",
            key="run_launch",
            disabled=bool(under_way),
            help=f"Run {under_way[0]} of this selection is under way." if under_way else None,
        ):
            st.session_state[STARTED] = launch(request, estimate_s=local_seconds(rows)).run_id
            st.rerun()  # redraw the button disabled while its run goes on
        if STARTED in st.session_state:
            st.success(f"Run {st.session_state[STARTED]} started.")
    except RouteboardError as exc:
        show_error(exc)


def route_estimate(con, request: RunRequest, chosen, rows) -> None:
    """A run that stops at the route, before it starts: its expected and worst-case spend beside the full run's."""
    from routeboard.run.route import estimate_route_spend

    spend = estimate_route_spend(con, chosen, resolve_models(con, request.models), request, rows)
    expected, worst, full = st.columns(3)
    expected.metric("Expected spend until the route", money(spend.expected_usd))
    worst.metric("Worst case", money(spend.worst_usd))
    full.metric("The full run", money(spend.full_usd))
    st.caption(route_spend_text(spend.__dict__))


def race(progress: Progress) -> None:
    """A run that stops at the route: per category where its race stands, and why each model is (not) sent."""
    for call in progress.race:
        st.markdown(f"**{call['category']}**: {race_text(call)}")
        st.caption("  \n".join(f"{m['model_id']}: {standing_text(m, call['bar'])}" for m in call["models"]))


def budget_line(con) -> None:
    """What is left of the person's monthly budget, where one applies (an analyst in team mode): a run that would
    pass it is refused at Launch, before any call."""
    who = actor()
    if who is None:
        return
    status = access.budget_status(con, who)
    if status.budget_usd is None:
        return
    left = status.remaining_usd
    shown = "unknown (a run's spend is unknown)" if left != left else money(max(left, 0))
    st.caption(f"Your monthly budget: {shown} of {money(status.budget_usd)} left this month ({status.month}, UTC).")


def resume_box(con) -> None:
    """Stored runs that did not finish and are not going on here: a Resume for those whose process is gone, a
    Cancel for those going on in another process (a CLI run, another app replica), which must not be resumed twice."""
    busy = set(running())
    unfinished = [
        r
        for r in totals(con)
        if r["status"] in ("running", "cancelled", "budget_exhausted") and r["run_id"] not in busy
    ]
    elsewhere = [
        r["run_id"] for r in unfinished if r["status"] == "running" and runner_state(con, r["run_id"]) == "elsewhere"
    ]
    if elsewhere:
        elsewhere_box(con, elsewhere)
    resumable = [r["run_id"] for r in unfinished if r["run_id"] not in elsewhere]
    if resumable:
        chosen = st.selectbox("Resume an unfinished run", resumable, key="run_resume_pick")
        if st.button("Resume", key="run_resume"):
            try:
                launch(resume=chosen)
                st.rerun()
            except RouteboardError as exc:
                show_error(exc)


def elsewhere_box(con, run_ids: list[str]) -> None:
    """Runs another process is running (its heartbeat is recent): asked to stop through the store, where it
    reads the request within about a second and keeps what it finished."""
    chosen = st.selectbox(
        "Going on in another process",
        run_ids,
        key="run_elsewhere_pick",
        help="A CLI run or another app process is running it: it can be cancelled from here, not resumed.",
    )
    if st.button("Cancel it", key="run_elsewhere_cancel"):
        try:  # an analyst cancels their own runs, an admin any: checked and audited in the core
            st.success(cancel_run(con, chosen, actor=actor()))
        except RouteboardError as exc:
            show_error(exc)


@fragment(run_every="1s")
def live() -> None:
    """Progress bars and the run history, redrawn together each second so they never disagree."""
    con = connection()
    handles = list(registry().values())
    for handle in reversed(handles[-5:]):
        p = handle.progress
        reasons = error_reasons(con, handle.run_id) if p.errors else {}
        label = (
            f"{handle.run_id}: {p.status}, {p.done}/{p.total} trials, spend {money(p.spend_usd)}, "
            f"{describe_errors(p.errors, reasons)}"
        )
        if p.eta_s is not None and not handle.done.is_set():
            label += f", {time_left(p.eta_s)}"
        st.progress(p.done / p.total if p.total else 1.0, text=label)
        for model_id, (failed, reason) in reasons.items():
            st.caption(f"{model_id}: {failed} trial(s) ended in error: {reason}")
        race(p)
        if handle.error:
            st.error(f"{handle.run_id} failed: {handle.error}")
        if not handle.done.is_set() and st.button("Cancel", key=f"run_cancel_{handle.run_id}"):
            try:  # an analyst cancels their own runs, an admin any: checked and audited before the signal
                authorize_cancel(con, handle.run_id, actor=actor())
                handle.cancel.set()
            except RouteboardError as exc:
                show_error(exc)
    show(history(con), key="run_history")
    busy = set(running())
    if st.session_state.get(BUSY, set()) - busy:  # a run ended: enable its launch button, offer resumes
        st.session_state[BUSY] = busy
        st.rerun(scope="app")
    st.session_state[BUSY] = busy
