"""The What-if page's sections: assumption fields, re-pricing editors, constraints, the route and its parts,
the portfolio, what moves the cost and the break-evens. Streamlit only; every figure comes from the core."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from routeboard.decide.ledger import MEASURED_MIN_REVIEWS, review_minutes_basis
from routeboard.decide.scenario import Assumptions, Scenario, save_scenario
from routeboard.decide.whatif import box_break_even, hardware_table, price_table, review_rate_break_even, sensitivity
from routeboard.errors import RouteboardError
from routeboard.exports import slug
from routeboard.present import count, cpat_text, minutes, minutes_basis, money, percent
from routeboard.report import COLUMN_HELP, build_report
from ui.auth import may, may_not
from ui.charts import BREAKDOWN_SPEC, TORNADO_SPEC, cost_breakdown_data, tornado_data
from ui.forms import Filled, advanced_json, constraint_fields
from ui.state import show_error
from ui.tables import editor_config, show

LEDGER_COLUMNS = ["model_id", "verdict", "accuracy", "cpat", "model_usd", "tool_usd", "infra_usd", "review_usd"]
LEDGER_COLUMNS += ["rework_usd", "failure_usd"]  # headed and formatted as every table (ui.tables): no field names
PORTFOLIO_COLUMNS = ["category", "route", "routed monthly", "baseline monthly", "saving", "gap"]
ROUTED = "Routed: cost per accepted task for {category}"
MINUTES_HELP = (
    f"The assumed minutes. Where people's reviews measured them ({MEASURED_MIN_REVIEWS}+ reviews, and the box "
    "'Use review and rework minutes measured' ticked), the measured minutes are used instead: the caption under "
    "these fields says which minutes the costs use."
)


@dataclass(frozen=True)
class Inputs:
    """The slower What-if inputs as edited: monthly volumes, (prices, hardware) tables and route constraints."""

    volumes: pd.DataFrame
    prices_and_hardware: tuple[pd.DataFrame, pd.DataFrame]
    constraints: dict


def assumption_fields(base: Assumptions, scope: str) -> dict:
    """Review, catch, minutes, wage and failure cost, keyed per scope so each category keeps its own values."""
    c1, c2, c3 = st.columns(3)
    return {
        "review_rate": c1.slider(
            "Review rate (share checked)", 0.0, 1.0, base.review_rate, 0.05, key=f"whatif_r_{scope}"
        ),
        "catch_rate": c1.slider(
            "Catch rate (errors a review catches)", 0.0, 1.0, base.catch_rate, 0.05, key=f"whatif_q_{scope}"
        ),
        # assumed: where people's reviews measured the minutes, those are used instead (the caption below says)
        "review_minutes": c2.number_input(
            "Review minutes (assumed)", 0.0, 600.0, base.review_minutes, key=f"whatif_rm_{scope}", help=MINUTES_HELP
        ),
        "rework_minutes": c2.number_input(
            "Rework minutes per caught error (assumed)",
            0.0,
            600.0,
            base.rework_minutes,
            key=f"whatif_wm_{scope}",
            help=MINUTES_HELP,
        ),
        "reviewer_usd_per_hour": c3.number_input(
            "Reviewer USD / hour", 0.0, 1000.0, base.reviewer_usd_per_hour, key=f"whatif_wage_{scope}"
        ),
        "failure_usd": c3.number_input(
            "Cost of an error that escapes (USD)", 0.0, 1e7, base.failure_usd, key=f"whatif_failure_{scope}"
        ),
    }


def measured_review(stored: pd.DataFrame, scenario: Scenario) -> Scenario:
    """Review and rework minutes measured on the Review page beside the assumed ones, and the choice to use them
    where enough reviews exist (the ledger prices with the "used" column)."""
    use = st.checkbox(
        f"Use review and rework minutes measured from people's reviews (categories with {MEASURED_MIN_REVIEWS}+)",
        value=scenario.use_measured_review,
        key="whatif_measured_review",
    )
    scenario = replace(scenario, use_measured_review=use)
    basis = review_minutes_basis(stored, scenario)
    if not basis["review_minutes_n"].any():
        st.caption("No reviews yet: review and rework minutes are the assumed ones (the Review page measures them).")
        return scenario
    rows = [
        {
            "category": row["category"],
            "review minutes": _minutes(row, "review", "reviews"),
            "rework minutes": _minutes(row, "rework", "edits"),
        }
        for row in basis.to_dict("records")
    ]
    help_text = (
        f"Assumed: the scenario's value. Measured: the median of people's first reviews (rework: of their edits); "
        f"it replaces the assumed value once {MEASURED_MIN_REVIEWS} exist and the box above is ticked."
    )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="whatif_review_basis",
        column_config={c: st.column_config.TextColumn(c, help=help_text) for c in ("review minutes", "rework minutes")},
    )
    return scenario


def _minutes(row: dict, name: str, unit: str) -> str:
    """'2.0 assumed · 1.4 measured (12 reviews), used' as a person reads which value prices the category."""
    assumed, measured, n = row[f"{name}_minutes_assumed"], row[f"{name}_minutes_measured"], row[f"{name}_minutes_n"]
    used = row[f"{name}_minutes_source"] != "assumed"
    if n == 0 or measured != measured:
        seen = "— measured (none yet)"
    else:  # reviews take seconds: two significant digits, not one decimal that rounds them to 0.0
        seen = f"{minutes(measured)} measured ({n} {unit})"
        if n < MEASURED_MIN_REVIEWS:
            seen += f": fewer than {MEASURED_MIN_REVIEWS}, the assumed value is kept"
    return f"{minutes(assumed)} assumed{'' if used else ', used'} · {seen}{', used' if used else ''}"


def minutes_in_use(led: pd.DataFrame, scope: str | None) -> str:
    """The review and rework minutes the costs below use, for the fields' scope: the assumed ones in the fields,
    or where people's reviews measured them, those (the ledger's own ``*_minutes_used``)."""
    rows = led.drop_duplicates("category")
    rows = rows[rows["category"] == scope] if scope else rows
    lines = []
    for name, label in (("review", "Review"), ("rework", "Rework")):
        used, source = rows[f"{name}_minutes_used"].tolist(), rows[f"{name}_minutes_source"].tolist()
        measured = [(c, u, s) for c, u, s in zip(rows["category"], used, source) if s != "assumed"]
        if not measured:
            if name == "review":  # the field is what is used: said once, for review
                lines.append(f"{label} minutes in use: {minutes_basis(used[0], 'assumed')}, as in the field.")
            continue
        each = "; ".join(minutes_basis(u, s) if scope else f"{c}: {minutes_basis(u, s)}" for c, u, s in measured)
        rest = "" if len(measured) == len(rows) else "; the field's assumed minutes elsewhere"
        lines.append(f"{label} minutes in use{f' for {scope}' if scope else ''}: {each}{rest} (not the field's).")
    return " ".join(lines)


def _lazy(label: str, key: str):
    """A closed expander whose content is drawn only while it is open (a rerun on toggle): an editor hidden in a
    closed expander still costs the browser its drawing on every visit and change."""
    return st.expander(label, key=key, on_change="rerun")


def volume_editor(scenario: Scenario, categories: list[str]) -> pd.DataFrame:
    """Monthly volumes per category, under a label that already says them (edited when opened)."""
    volumes = [scenario.for_category(c).monthly_volume for c in categories]
    frame = pd.DataFrame({"category": categories, "monthly_volume": volumes})
    low, high = min(volumes, default=0), max(volumes, default=0)
    each = f"{low:,.0f}" if low == high else f"{low:,.0f} to {high:,.0f}"
    counted = f"{len(categories)} {'category' if len(categories) == 1 else 'categories'}"
    expander = _lazy(f"Monthly volumes ({counted}): {each} tasks a month each", "whatif_volumes_open")
    if not expander.open:
        return frame
    with expander:
        return st.data_editor(
            frame, hide_index=True, disabled=["category"], key="whatif_volumes", column_config=editor_config(frame)
        )


def repricing_editors(stored: pd.DataFrame, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model prices and local hardware as edited tables (no new calls: stored tokens and latency are re-priced)."""
    # closed, the scenario's own overrides stand as they are
    reprice = _lazy("Re-price models and local hardware (no new calls)", "whatif_reprice")
    if not reprice.open:
        return price_table(stored, scenario), hardware_table(stored, scenario)
    with reprice:
        prices, hardware = price_table(stored, scenario), hardware_table(stored, scenario)
        prices = st.data_editor(
            prices, hide_index=True, disabled=["model_id"], key="whatif_prices", column_config=editor_config(prices)
        )
        hardware = st.data_editor(
            hardware, hide_index=True, disabled=["model_id"], key="whatif_infra", column_config=editor_config(hardware)
        )
    return prices, hardware


def constraint_editor(stored: pd.DataFrame, scenario: Scenario, categories: list[str]) -> dict:
    """The scenario's route constraints per category, as fields with a JSON view; stops the page on a bad value."""
    named = ", ".join(sorted(scenario.constraints)) or "none set"
    expander = _lazy(f"Route constraints for this scenario (override the suites' own): {named}", "whatif_constraints")
    if not expander.open:
        return scenario.constraints
    with expander:
        return _constraint_fields(stored, scenario, categories)


def _constraint_fields(stored: pd.DataFrame, scenario: Scenario, categories: list[str]) -> dict:
    category = st.selectbox("Constraints for", categories, key="whatif_constraint_category")
    in_category = sorted(stored.loc[stored["category"] == category, "model_id"])
    filled = constraint_fields(scenario.constraints.get(category), in_category, f"whatif_c_{slug(category)}")
    rules = {k: v for k, v in {**scenario.constraints, category: filled.values}.items() if v}
    # keyed on the stored text, so the JSON view follows the fields instead of holding an old copy
    stored_json = hashlib.sha1(json.dumps(scenario.constraints, sort_keys=True).encode()).hexdigest()[:10]
    filled = advanced_json(
        "Route constraints", Filled(rules, filled.problems), scenario.constraints, f"whatif_cj_{stored_json}"
    )
    if filled.problems:
        st.error("\n".join(f"- {p}" for p in filled.problems))
        st.stop()
    return filled.values


def route_and_parts(category: str, route: pd.Series, rows: pd.DataFrame) -> None:
    """The routed cpat (or 'none clears' beside the nearest model's), its parts and the ledger rows."""
    if isinstance(route["model"], str):
        st.metric(ROUTED.format(category=category), cpat_text(route["cpat_usd"]), help=route["reason"])
    else:  # no route: say so, and still show how the assumptions move the nearest model's cost
        left, right = st.columns(2)
        left.metric(ROUTED.format(category=category), "none clears", help=route["reason"])
        nearest = rows.set_index("model_id").loc[route["nearest"]]
        right.metric(
            f"Cost per accepted task of the nearest model, {route['nearest']} (not routable)",
            cpat_text(nearest["cpat_usd"], nearest["cost_unknown"]),
            help=route["reason"],
        )
    parts, zero = cost_breakdown_data(rows)
    st.vega_lite_chart(parts, BREAKDOWN_SPEC, key="whatif_breakdown", width="stretch")
    if zero:  # a part that is $0 for every model is named, not drawn (review and rework at a 0% review rate, ...)
        st.caption(f"$0 for every model: {', '.join(zero)}.")
    shown = rows.assign(cpat=[cpat_text(v, u) for v, u in zip(rows["cpat_usd"], rows["cost_unknown"])])
    show(shown[LEDGER_COLUMNS], key="whatif_ledger")


def portfolio(decision, scenario: Scenario) -> None:
    """Each category's route against the baseline per month, and the saving."""
    # build_report reads the ledger only for each route's (or nearest) model: handing it those rows, not all of
    # them (1,000 at 50 models x 20 categories), keeps a what-if change fast
    routes = decision.routes
    shown = set(zip(routes["category"], routes["model"].where(routes["model"].notna(), routes["nearest"])))
    led = decision.ledger
    used = led[[key in shown for key in zip(led["category"], led["model_id"])]]
    report = build_report(replace(decision, ledger=used), scenario)
    st.dataframe(
        report.categories[PORTFOLIO_COLUMNS],
        hide_index=True,
        column_config={c: st.column_config.TextColumn(c, help=COLUMN_HELP[c]) for c in PORTFOLIO_COLUMNS},
        key="whatif_portfolio",
    )
    head = report.headline
    if head["saving_monthly_usd"] is None:
        st.metric("Saving per month vs the baseline", "unknown", help=report.summary())
    else:
        saving = f" ({percent(head['saving_share'], 0)})" if head["saving_share"] is not None else ""
        st.metric("Saving per month vs the baseline", money(head["saving_monthly_usd"]) + saving, help=report.summary())


def what_moves(stored: pd.DataFrame, scenario: Scenario, category: str, focus: str, rows: pd.DataFrame) -> None:
    st.subheader(f"What moves the cost per accepted task of {focus} on {category}")
    unknown = rows.set_index("model_id").loc[focus, "cost_unknown"]
    if isinstance(unknown, str):
        st.info(f"Cannot show what moves its cost: {unknown}.")
    else:
        moves = sensitivity(stored, scenario, category, focus, ledger=rows)  # priced rows: no second ledger pass
        st.vega_lite_chart(tornado_data(moves), TORNADO_SPEC, key="whatif_tornado", width="stretch")


def break_evens(stored, led, scenario: Scenario, category: str, focus: str, rows: pd.DataFrame) -> None:
    others = [m for m in rows["model_id"] if m != focus]
    if not others:
        return
    st.subheader("Break-evens")
    other = st.selectbox("Compare with", others, key="whatif_other")
    even = review_rate_break_even(stored, scenario, category, focus, other, ledger=led)
    # one text element, not two: each element a what-if change redraws costs the browser ~10 ms
    # the minutes a review takes in that sum (measured or assumed), unless a cost is unknown and nothing was summed
    summed = even.rate is not None or not even.reason.startswith("unknown")
    at = f" (each review {minutes_basis(even.review_minutes, even.minutes_source)})" if summed else ""
    lines = [
        f"Review rate at which {focus} and {other} cost the same per accepted task: "
        + (percent(even.rate, 0) if even.rate is not None else even.reason)
        + at
    ]
    box = box_break_even(led, category, focus)
    if box is not None:
        lines.append(
            f"Monthly volume above which owning the box for {box['local_model']} beats {focus}: "
            f"{_tasks_a_month(box['break_even_monthly_volume'])} (box capacity "
            f"{_tasks_a_month(box['capacity_monthly_volume'])})"
        )
    st.markdown("\n\n".join(lines))


def _tasks_a_month(volume) -> str:
    """'12,000 tasks a month', or 'never' where no volume makes the box pay."""
    return "never" if not volume else f"{count(volume)} tasks a month"


def save_box(con, scenario: Scenario, who) -> None:
    """Save the scenario under a name, for a role that may (an analyst's); others read why, and that the page's
    address shares the scenario as it is."""
    if who is not None and not may(who, "save_scenario"):
        st.caption(
            f"This page's address shares the scenario; saving it is not for your role: {may_not(who, 'save_scenario')}."
        )
        return
    name = st.text_input("Save this scenario as", scenario.name, key="whatif_name")
    if st.button("Save scenario", key="whatif_save"):
        try:
            save_scenario(con, replace(scenario, name=name), actor=who)
        except RouteboardError as exc:  # refused in the core, in one line, nothing written
            show_error(exc)
        else:
            st.success(f"Saved {name!r}.")
