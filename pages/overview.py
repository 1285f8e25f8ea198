"""Overview: what is stored, and the routing board at a glance (or a guided start on an empty database)."""

import streamlit as st

from routeboard import sample
from routeboard.catalog import EMBEDDED_ID
from routeboard.errors import RouteboardError
from routeboard.providers import GenerationSettings
from routeboard.run import RunRequest
from routeboard.store.facts import stored_counts
from routeboard.store.suites import import_shipped, list_suites
from ui import runs
from ui.auth import act, guard
from ui.state import connection, decision, facts, show_error, warm_in_background
from ui.tables import DASH, money, pct_interval, show
from ui.widgets import cpat_text, current_scenario, evidence, rests_on, route_gap

FIRST_SUITE = "customer-request-classification"

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
    st.subheader("Get started")
    st.markdown(
        "1. Import the shipped suites (classification, extraction, financial analysis, arithmetic, email).\n"
        "2. Run 10 classification tasks on the embedded local model (no keys needed).\n"
        "3. Open **Results**, **Frontier** and **What-if**."
    )
    if st.button("Import the shipped suites", key="overview_import_shipped", disabled=bool(suites)):
        act(import_shipped, con)  # as the signed-in person: a viewer is refused in one line
        st.rerun()
    busy = runs.running()
    if suites and st.button(
        "Run 10 classification tasks on the embedded model", key="overview_first_run", disabled=bool(busy)
    ):
        # a label is a few tokens: a short output allowance keeps a first run on a laptop CPU to a minute or two
        request = RunRequest(
            suites=(FIRST_SUITE,),
            models=(EMBEDDED_ID,),
            limit=10,
            concurrency=1,
            settings=GenerationSettings(max_output_tokens=24),
        )
        try:
            runs.launch(con, request)
        except RouteboardError as exc:  # a viewer, or past a budget: refused before any call, in one line
            show_error(exc)
            st.stop()
        st.rerun()
    if busy:
        st.success(f"Run {busy[0]} is under way: follow it on the Run page.")
        st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")
    if st.button(
        "Or explore a sample workspace first",
        key="overview_sample",
        help="RouteLLM's published MMLU results of GPT-4-1106 and Mixtral-8x7B (Apache-2.0), labelled 'sample:'; "
        "no keys needed; removable in one click",
    ):
        with st.spinner("Adding the sample workspace ..."):
            act(sample.build, con)
        st.rerun()
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
    accuracy=[pct_interval(a, lo, hi) for a, lo, hi in zip(table["accuracy"], table["ci_low"], table["ci_high"])],
    routed=[
        m if isinstance(m, str) else f"none clears (nearest {n})" for m, n in zip(table["model"], table["nearest"])
    ],
    # a category with no route has no routed cost: the nearest model's figures would read as a decision
    cpat=[money(v) if r else DASH for v, r in zip(table["cpat_usd"], routed)],
    monthly=[money(v) if r else DASH for v, r in zip(table["monthly_usd"], routed)],
    gap=[DASH if r else route_gap(row) for r, row in zip(routed, table.to_dict("records"))],
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
        f"routed: {money(book['routed_monthly_usd'])} ({book['saving_share']:.0%} saved) over "
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
    with st.expander(f"{len(excluded)} model/category {pairs} cannot be routed (below the bar or a constraint)"):
        shown = excluded.assign(cpat=[cpat_text(v, u) for v, u in zip(excluded["cpat_usd"], excluded["cost_unknown"])])
        columns = ["category", "model_id", "verdict", "excluded", "excluded_detail", "accuracy", "ci_low"]
        show(shown[[*columns, "tasks", "tasks_needed", "cpat"]], key="overview_excluded")
for category, status in led[["category", "judge_status"]].dropna().drop_duplicates().itertuples(index=False):
    st.warning(f"{category}: accuracy is graded by an LLM judge; {status}.")
warm_in_background(scenario, counts["attempts"])  # Results' and Frontier's first visit find their data read
