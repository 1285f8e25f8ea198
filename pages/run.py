"""Run: pick suites x models x trials, see the estimate, launch in the background, follow, cancel, resume."""

import pandas as pd
import streamlit as st

from routeboard.catalog import EMBEDDED_ID, list_models
from routeboard.errors import RouteboardError
from routeboard.estimate import calibrate, estimate
from routeboard.providers import GenerationSettings
from routeboard.run import RunRequest, judge_warning, resolve_judges, resolve_models, resolve_suites
from routeboard.store.runs import run_totals
from routeboard.store.suites import list_suites
from ui import runs
from ui.state import connection, empty_state, show_error
from ui.tables import show

STARTED = "run_started"  # session key: the run this session launched

st.title("Run")
con = connection()
suite_names = [s["name"] for s in list_suites(con)]
if not suite_names:
    empty_state("run")
model_ids = [m.id for m in list_models(con, check_keys=False)]

left, right = st.columns(2)
# the suites just run stay chosen (a first run launched from the Overview included)
default = [s for s in runs.last_suites() if s in suite_names] or suite_names[:1]
suites = left.multiselect("Suites", suite_names, default=default, key="run_suites")
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
        show(frame.drop(columns="basis"), key="run_estimate")
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
        under_way = runs.running(request)
        if st.button(
            "Launch run",
            type="primary",
            key="run_launch",
            disabled=bool(under_way),
            help=f"Run {under_way[0]} of this selection is under way." if under_way else None,
        ):
            st.session_state[STARTED] = runs.launch(con, request).run_id
            st.rerun()  # redraw the button disabled while its run goes on
        if STARTED in st.session_state:
            st.success(f"Run {st.session_state[STARTED]} started.")
    except RouteboardError as exc:
        show_error(exc)


st.subheader("Runs")
busy = set(runs.running())
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
runs.live(con)
