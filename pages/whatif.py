"""What-if: review, error and volume assumptions; cpat broken down; portfolio vs a baseline; what moves it."""

from dataclasses import replace

import streamlit as st

from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario, list_scenarios, load_scenario
from routeboard.decide.whatif import rebased, scenario_with_edits
from routeboard.errors import RouteboardError
from ui import address
from ui import whatif as sections
from ui.auth import guard
from ui.empty import facts_or_stop
from ui.state import connection, fragment, show_error
from ui.widgets import current_scenario, set_scenario

who = guard("What-if")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("What-if")
stored = facts_or_stop("whatif")


# Two nested fragments (st.fragment), so a change redraws only what it moves: a change of an assumption field
# reruns `answer` alone (its fields and every figure); a change of a volume, price, hardware or constraint reruns
# `what_if` (those inputs, then `answer`). The title, the facts and the sidebar stay drawn. Their reruns hold the
# database themselves (ui.state.fragment) and read it inside.
@fragment
def what_if() -> None:
    con = connection()
    scenario = address.scenario(con)  # a shared link's assumptions fill the fields (a bad value: said, ignored)
    categories = sorted(stored["category"].unique())

    saved = list_scenarios(con)
    if saved:
        left, right = st.columns([3, 1])
        pick = left.selectbox("Saved scenarios", saved, key="whatif_saved")
        if right.button("Load", key="whatif_load"):
            set_scenario(load_scenario(con, pick))
            st.rerun()

    scope = st.selectbox("Apply assumptions to", ["every category"] + categories, key="whatif_scope")
    # drawn once here, not with the figures: every element in `answer` is redrawn by the browser on each change
    st.caption("The one-page answer, with downloads, is on the Report page; this page's address shares the scenario.")
    figures = st.container()  # the fields and every figure, drawn above the slower inputs they read
    st.subheader("Volumes, prices and route constraints")
    scenario = sections.measured_review(stored, scenario)
    inputs = sections.Inputs(
        volumes=sections.volume_editor(scenario, categories),
        prices_and_hardware=sections.repricing_editors(stored, scenario),
        constraints=sections.constraint_editor(stored, scenario, categories),
    )
    with figures:
        answer(scenario, None if scope == "every category" else scope, categories, inputs)

    sections.save_box(con, current_scenario(con), who)  # the scenario as `answer` left it


@fragment
def answer(scenario: Scenario, scope: str | None, categories: list[str], inputs: sections.Inputs) -> None:
    """The assumption fields for ``scope`` and everything they move: route, parts, portfolio, sensitivity."""
    base = scenario.defaults if scope is None else scenario.for_category(scope)
    values = sections.assumption_fields(base, scope or "every category")
    in_use = st.empty()  # the minutes the costs use, filled once the ledger says which
    try:
        prices, hardware = inputs.prices_and_hardware
        scenario = scenario_with_edits(
            scenario,
            stored,
            scope=scope,
            values=values,
            volumes=inputs.volumes,
            prices=prices,
            hardware=hardware,
            constraints=inputs.constraints,
        )
    except RouteboardError as exc:
        show_error(exc)
        st.stop()

    decision = decide(stored, scenario)
    led, table, book = decision.ledger, decision.routes, decision.portfolio
    in_use.caption(sections.minutes_in_use(led, scope))
    address.pick("category", "whatif_category", categories)
    category = st.selectbox("Category", categories, key="whatif_category")
    rows = led[led["category"] == category]
    route = table.set_index("category").loc[category]
    sections.route_and_parts(category, route, rows)

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
    address.keep(scenario, category=category)  # the address bar always holds this view, ready to share
    sections.portfolio(rebased(decision, baseline), scenario)

    focus = route["model"] if isinstance(route["model"], str) else route["nearest"]
    sections.what_moves(stored, scenario, category, focus, rows)
    sections.break_evens(stored, led, scenario, category, focus, rows)


what_if()
