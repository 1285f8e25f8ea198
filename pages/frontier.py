"""Frontier: per category, cost against accuracy with intervals, the bar, the frontier, and the routing table."""

import streamlit as st

from routeboard.present import DASH, money, percent
from ui.auth import guard
from ui.charts import frontier_chart, unplotted
from ui.empty import facts_or_stop
from ui.state import connection, decision
from ui.tables import show, with_tasks_words
from ui.widgets import current_scenario, decision_options

who = guard("Frontier")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Frontier")
con = connection()
facts_or_stop("frontier")  # the empty state, when nothing is stored

options = decision_options("frontier")
left, right = st.columns(2)
axis = left.radio(
    "Cost axis",
    ["cpat_usd", "model_usd"],
    horizontal=True,
    key="frontier_axis",
    format_func=lambda c: "per accepted task" if c == "cpat_usd" else "model cost per trial",
)
with_cascades = right.checkbox(
    "Show simulated cascades (cheap first, escalate invalid outputs)", value=True, key="frontier_cascades"
)
made = decision(current_scenario(con), cascades=with_cascades, **options)
led, table = made.ledger, made.routes

category = st.selectbox("Category", sorted(led["category"].unique()), key="frontier_category")
points = led[led["category"] == category]
plotted, spec = frontier_chart(points, float(points["bar"].iat[0]), axis)
missing = unplotted(points, axis)
if len(plotted):
    with st.container(key="frontier_chart"):
        st.vega_lite_chart(plotted, spec, width="stretch")
else:
    st.info("No model here has a known cost to plot: the list below says why for each.")
if len(missing):
    st.caption(f"{len(missing)} model(s) not on the chart:")
    show(missing, key="frontier_unplotted")
st.caption(
    f"Intervals: {options['method']} at {percent(options['level'], 0)} "
    "(cascades and repeated trials use their own). Faded points do not clear the bar or break a constraint."
)
for status in points["judge_status"].dropna().unique() if "judge_status" in points else []:
    st.warning(f"Accuracy here is graded by an LLM judge: {status}.")

st.subheader("Routing table")
view = with_tasks_words(table).assign(
    model=[m or f"none clears (nearest {n})" for m, n in zip(table["model"], table["nearest"])],
    cpat_usd=[money(v) if m else DASH for v, m in zip(table["cpat_usd"], table["model"])],
)
columns = ["category", "bar", "model", "tier", "verdict", "accuracy", "ci_low", "ci_high", "cpat_usd"]
show(view[[*columns, "runner_up", "near_ties", "tasks_needed", "reason"]], key="frontier_routes")
not_routable = with_tasks_words(points[(points["verdict"] != "clears") | points["excluded"].notna()])
if len(not_routable):
    st.markdown("**Not routable in this category**")
    columns = ["model_id", "verdict", "excluded", "excluded_detail", "accuracy", "ci_low", "ci_high"]
    show(not_routable[[*columns, "tasks_needed"]], key="frontier_excluded")
