"""Frontier: per category, cost against accuracy to explore (Plotly: zoom, hover, select two models and compare
them on the same tasks), the bar, the frontier, and the routing table."""

import streamlit as st

from routeboard.decide.explore import most_priced_category
from routeboard.present import DASH, money, percent, route_text
from ui import address
from ui.auth import guard
from ui.charts import frontier_figure, unplotted
from ui.empty import facts_or_stop
from ui.frontier import compare, picked_models
from ui.state import connection, decision
from ui.tables import show, with_tasks_words
from ui.widgets import decision_options

who = guard("Frontier")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Frontier")
con = connection()
facts_or_stop("frontier")  # the empty state, when nothing is stored

scenario = address.scenario(con)
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
made = decision(scenario, cascades=with_cascades, **options)
led, table = made.ledger, made.routes

categories = sorted(led["category"].unique())
address.pick("category", "frontier_category", categories, first=most_priced_category(led))
category = st.selectbox("Category", categories, key="frontier_category")
address.keep(scenario, category=category)
points = led[led["category"] == category]
figure, plotted = frontier_figure(points, float(points["bar"].iat[0]), axis)
missing = unplotted(points, axis)
selected = []
if len(plotted):
    st.caption("Click a point, then another (or drag a box around two) to compare those models on the same tasks.")
    chosen = st.plotly_chart(figure, key="frontier_chart", on_select="rerun", selection_mode=("points", "box"))
    selected = [p["customdata"][0] for p in chosen.selection.points if p.get("customdata")]
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

st.subheader("Two models on the same tasks")
singles = sorted(points.loc[points["tier"] != "cascade", "model_id"].unique())
picked_models(selected, singles)
pair = st.multiselect("Compare", singles, max_selections=2, key="frontier_pair", placeholder="Pick two models")
compare(con, category, pair)

st.subheader("Routing table")
view = with_tasks_words(table).assign(
    model=[route_text(r) for r in table.to_dict("records")],
    cpat_usd=[money(v) if isinstance(m, str) else DASH for v, m in zip(table["cpat_usd"], table["model"])],
)
columns = ["category", "bar", "model", "tier", "verdict", "accuracy", "ci_low", "ci_high", "cpat_usd"]
show(view[[*columns, "runner_up", "near_ties", "tasks_needed", "reason"]], key="frontier_routes")
not_routable = with_tasks_words(points[(points["verdict"] != "clears") | points["excluded"].notna()])
if len(not_routable):
    st.markdown("**Not routable in this category**")
    columns = ["model_id", "verdict", "excluded", "excluded_detail", "accuracy", "ci_low", "ci_high"]
    show(not_routable[[*columns, "tasks_needed"]], key="frontier_excluded")
