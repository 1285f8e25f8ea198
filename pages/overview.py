"""Overview: the routing board a leader reads first (the month's routed cost and saving, each category's route and
what it costs), the evidence and assumptions one click away; or a guided start on an empty database."""

import streamlit as st

from routeboard.imports import sample
from routeboard.present import cpat_text, money
from routeboard.report import build_report, routing_board
from routeboard.store.facts import stored_counts
from routeboard.store.suites import list_suites
from ui import address
from ui.auth import act, guard, may
from ui.charts import warm_plotly
from ui.overview import EXCLUDED_DRAWN_CLOSED, board, evidence, get_started, headline
from ui.state import connection, decision, facts, show_error, warm_in_background
from ui.tables import plain, show, with_tasks_words

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

scenario = address.scenario(con)
made = decision(scenario)
led, routes = made.ledger, made.routes
report = build_report(made, scenario)
address.keep(scenario)
st.subheader("Routing board")
headline(report)
ranked = routing_board(made, report)
board(ranked)
head = report.headline
if head["baseline_model"] and head["categories_compared"]:
    st.caption(
        f"Saving: against sending everything to {plain(head['baseline_model'])} "
        f"({plain(money(head['baseline_monthly_usd']))} a month), over the {head['categories_compared']} routed "
        "categories with results for both. Routed categories first, then undecided ones, then those none clears."
    )
if sample.is_present(con):
    st.info(f"Includes {plain(sample.NOTE)}.")
    if may(who, "manage_sample") and st.button("Remove the sample workspace", key="overview_sample_remove"):
        act(sample.remove, con)
        st.rerun()
left, right = st.columns(2)
linked = address.link(scenario)  # each link opens its page on this scenario, in this tab or a new one
left.page_link(
    "pages/whatif.py", label="Change these assumptions on What-if", icon=":material/tune:", query_params=linked
)
right.page_link("pages/report.py", label="The one-page Report", icon=":material/summarize:", query_params=linked)
# one click away, drawn once opened (a toggle reruns the page): two tables hidden on every visit cost the first page
opened = st.expander("Evidence and assumptions behind each route", key="overview_evidence_open", on_change="rerun")
if opened.open:
    with opened:
        evidence(report, ranked["category"].tolist(), scenario, routes)

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

counts = stored_counts(con)
left, middle, right = st.columns(3)
left.metric("Suites", len(suites))
middle.metric("Runs", counts["runs"])
right.metric("Attempts stored", f"{counts['attempts']:,}")
warm_in_background(scenario, counts["attempts"], who)  # Results' and Frontier's first visit find their data read
warm_plotly()  # the Frontier's chart library, loaded by the browser once this page is drawn and idle
