"""Overview: what is stored, and the routing board at a glance (or a guided start on an empty database)."""

import streamlit as st

from routeboard.imports import sample
from routeboard.present import DASH, cpat_text, interval, money, percent, why_no_route
from routeboard.store.facts import stored_counts
from routeboard.store.suites import list_suites
from ui.auth import act, guard
from ui.overview import EXCLUDED_DRAWN_CLOSED, get_started
from ui.state import connection, decision, facts, show_error, warm_in_background
from ui.tables import show, with_tasks_words
from ui.widgets import current_scenario, evidence, rests_on

who = guard("Overview")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
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
    get_started(con, suites, stored_counts(con)["pending"])
    st.stop()

counts = stored_counts(con)
left, middle, right = st.columns(3)
left.metric("Suites", len(suites))
middle.metric("Runs", counts["runs"])
right.metric("Attempts stored", f"{counts['attempts']:,}")

scenario = current_scenario(con)
made = decision(scenario)
led, table, book = made.ledger, made.routes, made.portfolio
st.subheader("Routing board")
if sample.is_present(con):
    st.info(f"Includes {sample.NOTE}.")
    if st.button("Remove the sample workspace", key="overview_sample_remove"):
        act(sample.remove, con)
        st.rerun()
routed = table["model"].notna()
saving = {r["category"]: r["saving_monthly_usd"] for r in book["rows"]}
board = table.assign(
    accuracy=[interval(a, lo, hi) for a, lo, hi in zip(table["accuracy"], table["ci_low"], table["ci_high"])],
    routed=[
        m if isinstance(m, str) else f"none clears (nearest {n})" for m, n in zip(table["model"], table["nearest"])
    ],
    # a category with no route has no routed cost: the nearest model's figures would read as a decision
    cpat=[money(v) if r else DASH for v, r in zip(table["cpat_usd"], routed)],
    monthly=[money(v) if r else DASH for v, r in zip(table["monthly_usd"], routed)],
    gap=[why_no_route(row) for row in table.to_dict("records")],
)
board["saving vs baseline"] = [money(saving.get(c)) for c in board["category"]]
board["evidence"] = evidence(led, table)
board["rests on"] = [rests_on(scenario, c) for c in board["category"]]
# where nothing clears, the gap is the answer: it stands next to the route, before any cost
gap = ["gap"] if (~routed).any() else []
columns = ["category", "routed", *gap, "bar", "tier", "verdict", "accuracy", "cpat", "monthly", "saving vs baseline"]
show(board[[*columns, "evidence", "rests on"]], key="overview_board")
if book["baseline_model"] and book["categories_compared"] and book["saving_share"] is not None:
    st.caption(
        f"Baseline: everything to {book['baseline_model']}: {money(book['baseline_monthly_usd'])} a month; "
        f"routed: {money(book['routed_monthly_usd'])} ({percent(book['saving_share'], 0)} saved) over "
        f"{book['categories_compared']} categories with results for both."
    )
st.caption(
    "Each cost per accepted task rests on the scenario's failure cost (an error that reaches the business), "
    "review rate and monthly volume, shown per category under 'rests on'."
)
st.page_link("pages/whatif.py", label="Change these assumptions on What-if", icon=":material/tune:")
excluded = led[((led["verdict"] != "clears") | led["excluded"].notna()) & (led["tier"] != "cascade")]
if len(excluded):
    pairs = "pair" if len(excluded) == 1 else "pairs"
    label = f"{len(excluded)} model/category {pairs} cannot be routed (below the bar or a constraint)"
    if len(excluded) <= EXCLUDED_DRAWN_CLOSED:
        listed = st.expander(label)
    else:  # hundreds of hidden rows cost the first page its time: drawn once opened (a toggle reruns the page)
        listed = st.expander(label, key="overview_excluded_open", on_change="rerun")
    if listed.open is not False:  # None: an expander that tracks no state, drawn as it is
        shown = with_tasks_words(excluded).assign(
            cpat=[cpat_text(v, u) for v, u in zip(excluded["cpat_usd"], excluded["cost_unknown"])]
        )
        columns = ["category", "model_id", "verdict", "excluded", "excluded_detail", "accuracy", "ci_low"]
        with listed:
            show(shown[[*columns, "tasks", "tasks_needed", "cpat"]], key="overview_excluded")
for category, status in led[["category", "judge_status"]].dropna().drop_duplicates().itertuples(index=False):
    st.warning(f"{category}: accuracy is graded by an LLM judge; {status}.")
warm_in_background(scenario, counts["attempts"], who)  # Results' and Frontier's first visit find their data read
