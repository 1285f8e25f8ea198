"""Shared widgets: the scenario in use, decision options, and how a cpat, its assumptions and a gap read."""

from __future__ import annotations

import streamlit as st

from routeboard.decide.scenario import Scenario, list_scenarios, load_scenario
from routeboard.report import evidence_text
from ui.tables import DASH, missing, money, pct

SCENARIO_KEY = "scenario"


def current_scenario(con) -> Scenario:
    """The scenario this session works with (the What-if page edits it; other pages read it)."""
    if SCENARIO_KEY not in st.session_state:
        saved = list_scenarios(con)
        st.session_state[SCENARIO_KEY] = load_scenario(con, "default") if "default" in saved else Scenario()
    return st.session_state[SCENARIO_KEY]


def set_scenario(scenario: Scenario) -> None:
    st.session_state[SCENARIO_KEY] = scenario


def decision_options(prefix: str) -> dict:
    """Confidence level and interval method, side by side."""
    left, right = st.columns(2)
    level = left.select_slider("Confidence level", options=[0.8, 0.9, 0.95, 0.99], value=0.95, key=f"{prefix}_level")
    method = right.radio(
        "Interval",
        ["wilson", "clopper-pearson"],
        horizontal=True,
        key=f"{prefix}_method",
        help="Clopper-Pearson never under-covers: the conservative choice for high-risk jobs.",
    )
    return {"level": level, "method": method}


def cpat_text(value, cost_unknown=None) -> str:
    """A cost per accepted task for display: 'no price' when a cost part is unknown, a dash when nothing is
    accepted (the column's help says so), never $0 for either."""
    if isinstance(cost_unknown, str):
        return "no price"
    return money(value)


def rests_on(scenario: Scenario, category: str) -> str:
    """The assumptions a category's cost per accepted task rests on, in a few words."""
    a = scenario.for_category(category)
    return f"failure {money(a.failure_usd)}, review {a.review_rate:.0%}, {a.monthly_volume:,.0f} tasks/month"


def evidence(led, table) -> list[str]:
    """Per route row, what its accuracy rests on (tasks graded, or outputs people reviewed of those produced), read
    from the ledger row of the routed model, else the nearest one."""
    # only the routed (or nearest) rows as records: all of a 1,000-row ledger took ~25 ms of a first page
    wanted = {
        (r["category"], r["model"] if isinstance(r["model"], str) else r.get("nearest"))
        for r in table.to_dict("records")
    }
    keep = [key in wanted for key in zip(led["category"], led["model_id"])]
    rows = {(r["category"], r["model_id"]): r for r in led[keep].to_dict("records")}
    shown = []
    for route in table.to_dict("records"):
        model = route["model"] if isinstance(route["model"], str) else route.get("nearest")
        row = rows.get((route["category"], model))
        shown.append(evidence_text(row) if row else DASH)
    return shown


def route_gap(route: dict) -> str:
    """Why a category has no route: the nearest model, how far below the bar (or over the ceiling), tasks needed."""
    nearest = route.get("nearest")
    if not isinstance(nearest, str):
        return "no model has results here"
    if route.get("affordable") is False:
        return f"{nearest} clears but costs {money(route['cost_gap_usd'])} per accepted task over the ceiling"
    short = route.get("min_tasks_short")
    constraint = (
        "" if missing(short) else f"; the min_tasks constraint excludes it until it has {int(short):,} more tasks"
    )
    if not route.get("accuracy_gap") and constraint:
        return f"{nearest}: lower bound {pct(route.get('ci_low'))} clears the {pct(route.get('bar'))} bar{constraint}"
    if not route.get("accuracy_gap"):
        return f"{nearest} clears but has no price: set one on Models"
    # the gap is the interval's lower end to the bar, not the accuracy: say both ends so it is not read as one
    low, bar = route.get("ci_low"), route.get("bar")
    if missing(low) or missing(bar):
        gap = f"{nearest}: lower bound {pct(route['accuracy_gap'])} below the bar"
    else:
        gap = f"{nearest}: lower bound {pct(low)}, {100 * route['accuracy_gap']:.1f} points below the {pct(bar)} bar"
    needed = route.get("tasks_needed")
    if constraint:
        gap += constraint
    elif not missing(needed) and needed > 0:
        gap += f"; about {int(needed):,} more tasks would settle it"
    return gap
