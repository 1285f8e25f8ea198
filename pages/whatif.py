"""What-if: review, error and volume assumptions; cpat broken down; portfolio vs a baseline; what moves it."""

import hashlib
import json
from dataclasses import asdict, replace

import pandas as pd
import streamlit as st

from routeboard.catalog import DEFAULT_LOCAL_INFRA
from routeboard.decisions import decide
from routeboard.errors import RouteboardError
from routeboard.exports import slug
from routeboard.report import COLUMN_HELP, build_report, money, query_from_scenario, scenario_from_query
from routeboard.scenario import list_scenarios, load_scenario, save_scenario, scenario_from_dict
from routeboard.whatif import local_break_even_volume, review_rate_break_even, sensitivity
from ui.charts import cost_breakdown_figure, tornado_figure
from ui.forms import Filled, advanced_json, constraint_fields
from ui.state import connection, facts_or_stop, show_error
from ui.widgets import cpat_text, current_scenario, set_scenario, usd

st.title("What-if")
con = connection()
stored = facts_or_stop("whatif")
scenario = current_scenario(con)
if st.query_params:  # a shared link: its assumptions fill the fields; a bad value keeps the default and says so
    linked = scenario_from_query(st.query_params.to_dict(), scenario)
    for problem in linked.problems:
        st.warning(problem)
    scenario = linked.scenario
categories = sorted(stored["category"].unique())

saved = list_scenarios(con)
if saved:
    left, right = st.columns([3, 1])
    pick = left.selectbox("Saved scenarios", saved, key="whatif_saved")
    if right.button("Load", key="whatif_load"):
        set_scenario(load_scenario(con, pick))
        st.rerun()

scope = st.selectbox("Apply assumptions to", ["every category"] + categories, key="whatif_scope")
base = scenario.defaults if scope == "every category" else scenario.for_category(scope)
c1, c2, c3 = st.columns(3)
values = {
    "review_rate": c1.slider("Review rate (share checked)", 0.0, 1.0, base.review_rate, 0.05, key=f"whatif_r_{scope}"),
    "catch_rate": c1.slider(
        "Catch rate (errors a review catches)", 0.0, 1.0, base.catch_rate, 0.05, key=f"whatif_q_{scope}"
    ),
    "review_minutes": c2.number_input("Review minutes", 0.0, 600.0, base.review_minutes, key=f"whatif_rm_{scope}"),
    "rework_minutes": c2.number_input(
        "Rework minutes per caught error", 0.0, 600.0, base.rework_minutes, key=f"whatif_wm_{scope}"
    ),
    "reviewer_usd_per_hour": c3.number_input(
        "Reviewer USD / hour", 0.0, 1000.0, base.reviewer_usd_per_hour, key=f"whatif_wage_{scope}"
    ),
    "failure_usd": c3.number_input(
        "Cost of an error that escapes (USD)", 0.0, 1e7, base.failure_usd, key=f"whatif_failure_{scope}"
    ),
}
volumes = st.data_editor(
    pd.DataFrame(
        {"category": categories, "monthly_volume": [scenario.for_category(c).monthly_volume for c in categories]}
    ),
    hide_index=True,
    disabled=["category"],
    key="whatif_volumes",
)
with st.expander("Re-price models and local hardware (no new calls)"):
    priced = stored.drop_duplicates("model_id")
    prices = st.data_editor(
        pd.DataFrame(
            {
                "model_id": priced["model_id"],
                "input_per_mtok_usd": [
                    scenario.prices.get(m, {}).get("input_per_mtok_usd", v)
                    for m, v in zip(priced["model_id"], priced["snapshot_input_per_mtok_usd"])
                ],
                "output_per_mtok_usd": [
                    scenario.prices.get(m, {}).get("output_per_mtok_usd", v)
                    for m, v in zip(priced["model_id"], priced["snapshot_output_per_mtok_usd"])
                ],
            }
        ),
        hide_index=True,
        disabled=["model_id"],
        key="whatif_prices",
    )
    local = priced[priced["snapshot_infra"].notna()]
    hardware = st.data_editor(
        pd.DataFrame(
            [
                {"model_id": m, **(scenario.infra.get(m) or json.loads(raw))}
                for m, raw in zip(local["model_id"], local["snapshot_infra"])
            ]
        ),
        hide_index=True,
        disabled=["model_id"],
        key="whatif_infra",
    )
st.markdown("**Route constraints for this scenario** (override the suites' own, per category)")
rule_category = st.selectbox("Constraints for", categories, key="whatif_constraint_category")
in_category = sorted(stored.loc[stored["category"] == rule_category, "model_id"])
filled = constraint_fields(scenario.constraints.get(rule_category), in_category, f"whatif_c_{slug(rule_category)}")
rules = {k: v for k, v in {**scenario.constraints, rule_category: filled.values}.items() if v}
# keyed on the stored text, so the JSON view follows the fields instead of holding an old copy
stored_json = hashlib.sha1(json.dumps(scenario.constraints, sort_keys=True).encode()).hexdigest()[:10]
filled = advanced_json(
    "Route constraints", Filled(rules, filled.problems), scenario.constraints, f"whatif_cj_{stored_json}"
)
if filled.problems:
    st.error("\n".join(f"- {p}" for p in filled.problems))
    st.stop()
try:
    data = scenario.to_dict()
    data["constraints"] = filled.values
    snapshot = dict(
        zip(priced["model_id"], zip(priced["snapshot_input_per_mtok_usd"], priced["snapshot_output_per_mtok_usd"]))
    )
    data["prices"] = {
        r.model_id: {"input_per_mtok_usd": r.input_per_mtok_usd, "output_per_mtok_usd": r.output_per_mtok_usd}
        for r in prices.itertuples(index=False)
        if (r.input_per_mtok_usd, r.output_per_mtok_usd) != snapshot[r.model_id]
        and pd.notna(r.input_per_mtok_usd)
        and pd.notna(r.output_per_mtok_usd)
    }
    data["infra"] = (
        {
            row.pop("model_id"): {**row, "parallel_requests": int(row["parallel_requests"])}
            for row in hardware.to_dict("records")
        }
        if len(hardware)
        else {}
    )
    if scope == "every category":
        data["defaults"] = {**asdict(scenario.defaults), **values}
    else:
        data["categories"] = {**data["categories"], scope: {**data["categories"].get(scope, {}), **values}}
    for row in volumes.itertuples(index=False):
        data["categories"].setdefault(row.category, {})["monthly_volume"] = row.monthly_volume
    scenario = scenario_from_dict(data)
    set_scenario(scenario)
except RouteboardError as exc:
    show_error(exc)
    st.stop()

decision = decide(stored, scenario)
led, table, book = decision.ledger, decision.routes, decision.portfolio
category = st.selectbox("Category", categories, key="whatif_category")
rows = led[led["category"] == category]
route = table.set_index("category").loc[category]
if isinstance(route["model"], str):
    st.metric(f"Routed cpat for {category}", usd(route["cpat_usd"]), help=route["reason"])
else:  # no route: say so, and still show how the assumptions move the nearest model's cost
    left, right = st.columns(2)
    left.metric(f"Routed cpat for {category}", "none clears", help=route["reason"])
    nearest = rows.set_index("model_id").loc[route["nearest"]]
    right.metric(
        f"cpat of the nearest model, {route['nearest']} (not routable)",
        cpat_text(nearest["cpat_usd"], nearest["cost_unknown"]),
        help=route["reason"],
    )
st.plotly_chart(cost_breakdown_figure(rows), key="whatif_breakdown")
st.dataframe(
    rows.assign(cpat=[cpat_text(v, u) for v, u in zip(rows["cpat_usd"], rows["cost_unknown"])])[
        [
            "model_id",
            "verdict",
            "accuracy",
            "cpat",
            "model_usd",
            "tool_usd",
            "infra_usd",
            "review_usd",
            "rework_usd",
            "failure_usd",
        ]
    ],
    hide_index=True,
    key="whatif_ledger",
)

st.subheader("Portfolio per month")
singles = sorted(led["model_id"].unique())
baseline = st.selectbox(
    "Baseline: send everything to",
    singles,
    index=singles.index(book["baseline_model"]) if book["baseline_model"] in singles else 0,
    key="whatif_baseline",
)
scenario = replace(scenario, baseline_model=baseline)
set_scenario(scenario)
if st.query_params.to_dict() != (link := query_from_scenario(scenario)):
    st.query_params.from_dict(link)  # the address bar always holds this scenario, ready to share
report = build_report(decide(stored, scenario), scenario)
columns = ["category", "route", "routed monthly", "baseline monthly", "saving", "gap"]
st.dataframe(
    report.categories[columns],
    hide_index=True,
    column_config={c: st.column_config.TextColumn(c, help=COLUMN_HELP[c]) for c in columns},
    key="whatif_portfolio",
)
head = report.headline
if head["saving_monthly_usd"] is None:
    st.metric("Saving per month vs the baseline", "unknown", help=report.summary())
else:
    saving = f" ({head['saving_share']:.0%})" if head["saving_share"] is not None else ""
    st.metric("Saving per month vs the baseline", money(head["saving_monthly_usd"]) + saving, help=report.summary())
st.caption("The one-page answer, with downloads, is on the Report page; this page's address shares the scenario.")

focus = route["model"] if isinstance(route["model"], str) else route["nearest"]
st.subheader(f"What moves the cpat of {focus} on {category}")
focus_unknown = rows.set_index("model_id").loc[focus, "cost_unknown"]
if isinstance(focus_unknown, str):
    st.info(f"Cannot show what moves its cost: {focus_unknown}.")
else:
    st.plotly_chart(tornado_figure(sensitivity(stored, scenario, category, focus)), key="whatif_tornado")

others = [m for m in rows["model_id"] if m != focus]
if others:
    st.subheader("Break-evens")
    other = st.selectbox("Compare with", others, key="whatif_other")
    even = review_rate_break_even(stored, scenario, category, focus, other)
    st.write(
        f"Review rate at which {focus} and {other} cost the same per accepted task: "
        + (f"{even.rate:.0%}" if even.rate is not None else even.reason)
    )
    local_rows = rows[rows["tier"] == "local"]
    if len(local_rows) and focus != local_rows["model_id"].iat[0]:
        local = local_rows["model_id"].iat[0]
        snapshot = local_rows["snapshot_infra"].iat[0]
        infra = json.loads(snapshot) if snapshot else asdict(DEFAULT_LOCAL_INFRA)
        even = local_break_even_volume(led, category, local, focus, infra)
        st.write(
            f"Monthly volume above which owning the box for {local} beats {focus}: "
            f"{even['break_even_monthly_volume'] or 'never'} (box capacity {even['capacity_monthly_volume']:,.0f})"
        )

name = st.text_input("Save this scenario as", scenario.name, key="whatif_name")
if st.button("Save scenario", key="whatif_save"):
    save_scenario(con, replace(scenario, name=name))
    st.success(f"Saved {name!r}.")
