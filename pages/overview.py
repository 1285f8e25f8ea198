"""Overview: what is stored, and the routing board at a glance (or a guided start on an empty database)."""

import streamlit as st

from routeboard.catalog import EMBEDDED_ID
from routeboard.decisions import decide
from routeboard.providers import GenerationSettings
from routeboard.runner import RunRequest
from routeboard.store.suites import import_shipped, list_suites
from ui import runs
from ui.state import connection, facts, show_error
from ui.widgets import current_scenario, usd

st.title("routeboard")
st.caption("Which model should do each job, and what an accepted output really costs.")
try:
    con = connection()
    suites = list_suites(con)
    stored = facts()
except Exception as exc:  # a locked or unreadable database file
    show_error(exc)
    st.stop()

if not suites or stored.empty:
    st.subheader("Get started")
    st.markdown("1. Import the shipped suites (classification, extraction, financial analysis, arithmetic, email).\n"
                "2. Run 10 classification tasks on the embedded local model (no keys needed).\n"
                "3. Open **Results**, **Frontier** and **What-if**.")
    if st.button("Import the shipped suites", key="overview_import_shipped", disabled=bool(suites)):
        import_shipped(con)
        st.rerun()
    if suites and st.button("Run 10 classification tasks on the embedded model", key="overview_first_run"):
        # a label is a few tokens: a short output allowance keeps a first run on a laptop CPU to a minute or two
        handle = runs.launch(con, RunRequest(suites=("customer-request-classification",), models=(EMBEDDED_ID,),
                                             limit=10, concurrency=1, settings=GenerationSettings(max_output_tokens=24)))
        st.success(f"Run {handle.run_id} started: follow it on the Run page.")
    st.stop()

counts = con.cursor().execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM attempts)").fetchone()
left, middle, right = st.columns(3)
left.metric("Suites", len(suites))
middle.metric("Runs", counts[0])
right.metric("Attempts stored", f"{counts[1]:,}")

scenario = current_scenario(con)
led, table, book = decide(stored, scenario)
st.subheader("Routing board")
board = table.assign(
    accuracy=[f"{a:.1%} [{lo:.1%}, {hi:.1%}]" for a, lo, hi in zip(table["accuracy"], table["ci_low"], table["ci_high"])],
    routed=[m or f"none clears (nearest {n})" for m, n in zip(table["model"], table["nearest"])],
    cpat=[usd(v) for v in table["cpat_usd"]], monthly=[usd(v, 2) for v in table["monthly_usd"]])
saving = {r["category"]: r["saving_monthly_usd"] for r in book["rows"]}
board["saving vs baseline"] = [usd(saving.get(c), 2) for c in board["category"]]
st.dataframe(board[["category", "bar", "routed", "tier", "verdict", "accuracy", "cpat", "monthly",
                    "saving vs baseline"]], hide_index=True, key="overview_board")
if book["baseline_model"] and book["categories_compared"]:
    st.caption(f"Baseline: everything to {book['baseline_model']}: {usd(book['baseline_monthly_usd'], 2)} a month; "
               f"routed: {usd(book['routed_monthly_usd'], 2)} ({book['saving_share']:.0%} saved) over "
               f"{book['categories_compared']} categories with results for both.")
excluded = led[((led["verdict"] != "clears") | led["excluded"].notna()) & (led["tier"] != "cascade")]
if len(excluded):
    pairs = "pair" if len(excluded) == 1 else "pairs"
    with st.expander(f"{len(excluded)} model/category {pairs} cannot be routed (below the bar or a constraint)"):
        st.dataframe(excluded[["category", "model_id", "verdict", "excluded", "excluded_detail", "accuracy", "ci_low",
                               "tasks_needed"]], hide_index=True, key="overview_excluded")
for category, status in led[["category", "judge_status"]].dropna().drop_duplicates().itertuples(index=False):
    st.warning(f"{category}: accuracy is graded by an LLM judge; {status}.")
