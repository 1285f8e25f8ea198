"""Results: filter stored trials, the ledger per (category, model), one task in detail, downloads."""

import io

import streamlit as st

from routeboard.browse import OUTCOMES, refusal_shares, shows_outputs, task_detail
from routeboard.decide.routes import decide
from routeboard.exports import neutralised, to_csv
from routeboard.present import cpat_text, percent
from routeboard.review.reviewers import reads_blinded
from routeboard.store.facts import result_filters
from routeboard.store.runs import run_totals
from ui import address
from ui.auth import act, guard, may_not
from ui.empty import empty_state
from ui.state import connection, facts, trials
from ui.tables import show, with_tasks_words
from ui.widgets import decision_options

LEDGER = [
    "category",
    "model_id",
    "tier",
    "trials",
    "accuracy",
    "ci_low",
    "ci_high",
    "verdict",
    "tasks_needed",
    "pass_hat_k",
    "model_usd",
    "retry_usd",
    "infra_usd",
    "review_usd",
    "rework_usd",
    "failure_usd",
    "cpat_usd",
    "latency_ms_p50",
    "latency_ms_p95",
]

who = guard("Results")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Results")
con = connection()
runs = [r["run_id"] for r in run_totals(con)]
if not runs:
    empty_state("results")

scenario = address.scenario(con)
known = result_filters(con)
# a link's runs and categories fill the filters (a category picked on another page does not: a filter is a choice)
address.pick("run", "results_runs", runs, many=True, follow=False)
address.pick("category", "results_categories", known["categories"], many=True, follow=False)
cols = st.columns(4)
chosen_runs = cols[0].multiselect("Runs", runs, key="results_runs")
categories = cols[1].multiselect("Categories", known["categories"], key="results_categories")
models = cols[2].multiselect("Models", known["models"], key="results_models")
outcomes = cols[3].multiselect("Outcomes", OUTCOMES, key="results_outcomes")

address.keep(scenario, run=chosen_runs, category=categories)
options = decision_options("results")
stored = facts(runs=chosen_runs or None, models=models or None)
if not stored.empty:
    led = decide(stored, scenario, **options).ledger
    if categories:
        led = led[led["category"].isin(categories)]
    st.subheader("Ledger per category and model")
    show(
        with_tasks_words(led)[LEDGER].assign(
            cpat_usd=[cpat_text(v, u) for v, u in zip(led["cpat_usd"], led["cost_unknown"])]
        ),
        key="results_ledger",
    )
refused = refusal_shares(con, actor=who, runs=chosen_runs or None, categories=categories or None, models=models)
if not refused.empty:  # only where a results file marked refusals: invalid, so a cascade can escalate them
    st.subheader("Refusals")
    st.caption("Answers the results file marked as refusals: invalid (production code can see them), not wrong.")
    show(refused.assign(refusal_share=refused["refusal_share"].map(percent)), key="results_refusals")

if reads_blinded(who):  # a reviewer: outputs only blinded, on Review; a trial's row would say whose they judged
    st.caption(
        "You review outputs blind to the models that wrote them, so Results shows you the ledger only (no trials, "
        f"outputs or downloads): {may_not(who, 'see_model_outputs')}."
    )
    st.stop()
# outcomes, costs and latencies for everyone; expected answers, outputs and grader details beside their models only
# for those who may see them (routeboard.browse: a reviewer reads outputs blinded, on the Review page)
found = trials(runs=chosen_runs, categories=categories, models=models, outcomes=outcomes, who=who)
rows, shown = found.rows, found.shown
st.subheader(f"Trials ({found.count:,})")
# st.dataframe renders cells as text: model output never runs as HTML or markdown here.
show(rows, key="results_trials", shown=shown)
if not shows_outputs(who):
    st.caption(
        "Expected answers, outputs and grader details, the downloads and the task detail are not shown to your "
        f"role: {may_not(who, 'see_model_outputs')}."
    )
    st.stop()
if found.count > len(rows):  # more than the page loads: say which ones the downloads and the task picker hold
    st.caption(
        f"The newest {len(shown):,} are shown; the downloads and the task picker hold the newest {len(rows):,} of "
        f"{found.count:,}: filter above to narrow them."
    )
elif len(rows) > len(shown):
    st.caption(f"The newest {len(shown):,} are shown: filter above, or download all {len(rows):,}.")


def parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    neutralised(rows).to_parquet(buffer, index=False)
    return buffer.getvalue()


# the files are written when a button is pressed, not on every visit (~0.5 s for 50,000 trials)
left, right = st.columns(2)
left.download_button("Download CSV", lambda: to_csv(rows), "routeboard-results.csv", "text/csv", key="results_csv")
right.download_button(
    "Download Parquet", parquet_bytes, "routeboard-results.parquet", "application/octet-stream", key="results_parquet"
)

st.subheader("One task in detail")
keys = rows[["suite_id", "task_id"]].drop_duplicates()
if keys.empty:
    st.stop()
picked = st.selectbox("Task", [f"{s} / {t}" for s, t in keys.itertuples(index=False)], key="results_task")
suite_id, task_id = picked.split(" / ", 1)
detail = act(task_detail, con, suite_id, task_id)
st.markdown("**Prompt sent**")
for message in detail["messages"]:
    st.text(f"[{message['role']}]\n{message['content']}")
st.markdown("**Expected**")
st.text((detail["task"].expected if detail["task"] else None) or "(none)")
st.markdown("**Graded outputs**")
show(detail["trials"], key="results_detail_trials")
st.markdown("**Every attempt**")
show(detail["attempts"], key="results_detail_attempts")
