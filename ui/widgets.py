"""Shared widgets: the scenario in use, decision options, money formatting."""

from __future__ import annotations

import math

import streamlit as st

from routeboard.scenario import Scenario, list_scenarios, load_scenario

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


def cpat_text(value, cost_unknown=None, digits: int = 4) -> str:
    """A cost per accepted task for display: 'no price' when a cost part is unknown, 'undefined' when nothing is
    accepted, never $0 for either."""
    if isinstance(cost_unknown, str):
        return "no price"
    return usd(value, digits) if value is not None and value == value else "undefined (nothing accepted)"


def usd(value, digits: int = 4) -> str:
    """Money for display; an undefined cpat (nothing accepted) says so instead of showing 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    return f"${value:,.{digits}f}"
