"""Overview: what is stored, and the routing board at a glance (or a guided start on an empty database)."""

import streamlit as st

from routeboard.catalog import EMBEDDED_ID
from routeboard.decisions import decide
from routeboard.providers import GenerationSettings
from routeboard.run import RunRequest
from routeboard.store.facts import stored_counts
from routeboard.store.suites import import_shipped, list_suites
from ui import runs
from ui.state import connection, facts, show_error
from ui.widgets import cpat_text, current_scenario, usd

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
    st.markdown(
        "1. Import the shipped suites (classification, extraction, financial analysis, arithmetic, email).\n"
        "2. Run 10 classification tasks on the embedded local model (no keys needed).\n"
        "3. Open **Results**, **Frontier** and **What-if**."
    )
    if st.button("Import the shipped suites", key="overview_import_shipped", disabled=bool(suites)):
        import_shipped(con)
        st.rerun()
    if suites and st.button("Run 10 classification tasks on the embedded model", key="overview_first_run"):
        # a label is a few tokens: a short output allowance keeps a first run on a laptop CPU to a minute or two
        handle = runs.launch(
            con,
            RunRequest(
                suites=("customer-request-classification",),
                models=(EMBEDDED_ID,),
                limit=10,
                concurrency=1,
                settings=GenerationSettings(max_output_tokens=24),
            ),
        )
        st.success(f"Run {handle.run_id} started: follow it on the Run page.")
    st.stop()

counts = stored_counts(con)
left, middle, right = st.columns(3)
left.metric("Suites", len(suites))
middle.metric("Runs", counts["runs"])
right.metric("Attempts stored", f"{counts['attempts']:,}")

scenario = current_scenario(con)
decision = decide(stored, scenario)
led, table, book = decision.ledger, decision.routes, decision.portfolio
st.subheader("Routing board")
routed = table["model"].notna()
board = table.assign(
    accuracy=[
        f"{a:.1%} [{lo:.1%}, {hi:.1%}]" for a, lo, hi in zip(table["accuracy"], table["ci_low"], table["ci_high"])
    ],
    routed=[
        m if isinstance(m, str) else f"none clears (nearest {n})" for m, n in zip(table["model"], table["nearest"])
    ],
    # a category with no route has no routed cost: the nearest model's figures would read as a decision
    cpat=[usd(v) if r else "—" for v, r in zip(table["cpat_usd"], routed)],
    monthly=[usd(v, 2) if r else "—" for v, r in zip(table["monthly_usd"], routed)],
)
saving = {r["category"]: r["saving_monthly_usd"] for r in book["rows"]}
board["saving vs baseline"] = [usd(saving.get(c), 2) for c in board["category"]]
st.dataframe(
    board[["category", "bar", "routed", "tier", "verdict", "accuracy", "cpat", "monthly", "saving vs baseline"]],
    hide_index=True,
    key="overview_board",
)
if book["baseline_model"] and book["categories_compared"] and book["saving_share"] is not None:
    st.caption(
        f"Baseline: everything to {book['baseline_model']}: {usd(book['baseline_monthly_usd'], 2)} a month; "
        f"routed: {usd(book['routed_monthly_usd'], 2)} ({book['saving_share']:.0%} saved) over "
        f"{book['categories_compared']} categories with results for both."
    )
excluded = led[((led["verdict"] != "clears") | led["excluded"].notna()) & (led["tier"] != "cascade")]
if len(excluded):
    pairs = "pair" if len(excluded) == 1 else "pairs"
    with st.expander(f"{len(excluded)} model/category {pairs} cannot be routed (below the bar or a constraint)"):
        st.dataframe(
            excluded.assign(cpat=[cpat_text(v, u) for v, u in zip(excluded["cpat_usd"], excluded["cost_unknown"])])[
                [
                    "category",
                    "model_id",
                    "verdict",
                    "excluded",
                    "excluded_detail",
                    "accuracy",
                    "ci_low",
                    "tasks",
                    "tasks_needed",
                    "cpat",
                ]
            ],
            hide_index=True,
            key="overview_excluded",
        )
for category, status in led[["category", "judge_status"]].dropna().drop_duplicates().itertuples(index=False):
    st.warning(f"{category}: accuracy is graded by an LLM judge; {status}.")
