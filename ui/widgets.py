"""Shared widgets: the scenario in use, decision options, and what a route's cost and accuracy rest on."""

from __future__ import annotations

import streamlit as st

from routeboard.decide.scenario import Scenario, list_scenarios, load_scenario
from routeboard.present import money, percent
from routeboard.report import route_evidence

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


def rests_on(scenario: Scenario, category: str) -> str:
    """The assumptions a category's cost per accepted task rests on, in a few words."""
    a = scenario.for_category(category)
    return f"failure {money(a.failure_usd)}, review {percent(a.review_rate, 0)}, {a.monthly_volume:,.0f} tasks/month"


def evidence(led, table) -> list[str]:
    """Per route row, what its accuracy rests on (the report's text: tasks graded, or outputs people reviewed)."""
    return route_evidence(led, table.to_dict("records"))
