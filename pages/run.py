"""Run: pick suites x models x trials, see the estimate, launch in the background, follow, cancel, resume."""

import pandas as pd
import streamlit as st

from routeboard.catalog import EMBEDDED_ID, list_models
from routeboard.errors import RouteboardError
from routeboard.estimate import calibrate, estimate
from routeboard.providers import GenerationSettings
from routeboard.run import RunRequest, describe_errors, judge_warning, resolve_judges, resolve_models, resolve_suites
from routeboard.store.runs import error_reasons, run_totals
from routeboard.store.suites import list_suites
from ui import runs
from ui.state import connection, show_error

st.title("Run")
con = connection()
suite_names = [s["name"] for s in list_suites(con)]
if not suite_names:
    st.info("Import a suite first (Suites page).")
    st.stop()
model_ids = [m.id for m in list_models(con, check_keys=False)]

left, right = st.columns(2)
suites = left.multiselect("Suites", suite_names, default=suite_names[:1], key="run_suites")
models = right.multiselect("Models", model_ids, default=[EMBEDDED_ID], key="run_models")
cols = st.columns(6)
trials = cols[0].number_input("Trials per task", 1, 20, 1, key="run_trials")
limit = cols[1].number_input("Tasks per suite (0 = all)", 0, 100_000, 10, key="run_limit")
concurrency = cols[2].number_input("Concurrency", 1, 64, 4, key="run_concurrency")
budget = cols[3].number_input("Budget cap USD (0 = none)", 0.0, 1e6, 0.0, key="run_budget")
max_tokens = cols[4].number_input("Max output tokens", 1, 8192, 128, key="run_max_tokens")
certify = cols[5].checkbox(
    "Sequential certification",
    key="run_certify",
    help="Send tasks in rounds; stop a model once its verdict is settled.",
)
SUITE_JUDGE = "each suite's own judge"
judge = st.selectbox(
    "Judge model (llm_judge suites)",
    [SUITE_JUDGE, *model_ids],
    key="run_judge",
    help="Grades free-form answers; overrides each suite's judge_model. Its calls are paid for.",
)

request = RunRequest(
    suites=tuple(suites),
    models=tuple(models),
    trials=int(trials),
    limit=int(limit) or None,
    concurrency=int(concurrency),
    budget_usd=budget or None,
    certify=certify,
    judge_model=None if judge == SUITE_JUDGE else judge,
    settings=GenerationSettings(max_output_tokens=int(max_tokens)),
)
if suites and models:
    try:
        chosen = resolve_suites(con, request.suites)
        warning = judge_warning(chosen, request.judge_model)
        if warning:
            st.warning(warning, icon=":material/warning:")
        resolve_judges(con, chosen, request.judge_model)
        rows = estimate(
            con, chosen, resolve_models(con, request.models), request.trials, request.limit, request.settings
        )
        frame = pd.DataFrame([r.__dict__ for r in rows])
        frame["local_minutes"] = frame.pop("local_seconds") / 60
        st.caption("Estimate before launching:")
        st.dataframe(frame.drop(columns="basis"), hide_index=True, key="run_estimate")
        for r in rows:
            st.caption(f"{r.model_id} × {r.suite}: {r.basis}")
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
                calibrate(con, model, chosen, request.settings)
            st.rerun()
        if st.button("Launch run", type="primary", key="run_launch"):
            handle = runs.launch(con, request)
            st.success(f"Run {handle.run_id} started.")
    except RouteboardError as exc:
        show_error(exc)


@st.fragment(run_every="1s")
def live_runs() -> None:
    handles = list(runs.registry().values())
    for handle in reversed(handles[-5:]):
        p = handle.progress
        reasons = error_reasons(con, handle.run_id) if p.errors else {}
        label = (
            f"{handle.run_id}: {p.status}, {p.done}/{p.total} trials, spend ${p.spend_usd:.4f}, "
            f"{describe_errors(p.errors, reasons)}"
        )
        if p.eta_s is not None and not handle.done.is_set():
            label += f", about {p.eta_s:.0f} s left"
        st.progress(p.done / p.total if p.total else 1.0, text=label)
        if handle.error:
            st.error(f"{handle.run_id} failed: {handle.error}")
        if not handle.done.is_set() and st.button("Cancel", key=f"run_cancel_{handle.run_id}"):
            handle.cancel.set()


st.subheader("Runs")
live_runs()
busy = {run_id for run_id, handle in runs.registry().items() if not handle.done.is_set()}
unfinished = [
    r
    for r in run_totals(con)
    if r["status"] in ("running", "cancelled", "budget_exhausted") and r["run_id"] not in busy
]
if unfinished:
    chosen = st.selectbox("Resume an unfinished run", [r["run_id"] for r in unfinished], key="run_resume_pick")
    if st.button("Resume", key="run_resume"):
        try:
            runs.launch(con, resume=chosen)
            st.rerun()
        except RouteboardError as exc:
            show_error(exc)
st.dataframe(pd.DataFrame(run_totals(con)), hide_index=True, key="run_history")
