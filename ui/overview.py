"""The Overview's guided start on an empty database (import the shipped suites, a first run on the embedded model,
or a sample workspace to explore before any run), and the routing board a leader reads first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.decide.scenario import Scenario
from routeboard.errors import RouteboardError
from routeboard.imports import sample
from routeboard.library import import_shipped
from routeboard.present import ROUTED, money, percent, route_text, waiting_text
from routeboard.providers.base import GenerationSettings
from routeboard.report import BOARD_COLUMNS, COLUMN_HELP, Report
from routeboard.run.request import RunRequest
from ui import runs
from ui.auth import act, actor, may, may_not
from ui.state import show_error
from ui.tables import plain, show, with_tasks_words
from ui.widgets import rests_on

FIRST_SUITE = "customer-request-classification"
# Up to this many pairs that cannot be routed are drawn inside their closed expander; more only once it is opened.
EXCLUDED_DRAWN_CLOSED = 100


def get_started(con, suites: list, pending: int = 0) -> None:
    """What gets this person from nothing to a routing board, as far as their role may go (each button as the
    signed-in person): outputs waiting for people's review first; the shipped suites only for a team with no suites
    of its own; a first run on the embedded model for a role that may launch one."""
    who = actor()

    def can(action: str) -> bool:
        return who is None or may(who, action)

    if pending:
        st.info(f"{waiting_text(pending)}.")
        if can("review"):
            st.page_link("pages/review.py", label="Review them", icon=":material/rate_review:")
    st.subheader("Get started")
    if not any(can(action) for action in ("upload_suite", "launch_run", "manage_sample")):
        why = may_not(who, "launch_run")
        st.markdown(f"Nothing is routed here yet: the board fills in once suites are run. {why}.")
        return
    busy = runs.running()
    own = [s["name"] for s in suites if s.get("origin") not in ("shipped", "sample")]
    if own:  # the team's own suites: run those, never the shipped ones pushed on it
        st.markdown(
            f"1. Run your suites ({', '.join(own[:5])}{', ...' if len(own) > 5 else ''}) on the Run page.\n"
            "2. Open **Results**, **Frontier** and **What-if**."
        )
        if can("launch_run") and not busy:
            st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")
    else:
        _first_steps(con, suites, can, busy)
    if busy:
        st.success(f"Run {busy[0]} is under way: follow it on the Run page.")
        st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")
    if not can("manage_sample"):
        return
    if st.button(
        "Or explore a sample workspace first",
        key="overview_sample",
        help="RouteLLM's published MMLU results of GPT-4-1106 and Mixtral-8x7B (Apache-2.0), labelled 'sample:'; "
        "no keys needed; removable in one click",
    ):
        with st.spinner("Adding the sample workspace ..."):
            act(sample.build, con)
        st.rerun()


def _first_steps(con, suites: list, can, busy: list) -> None:
    """No suites of the team's own: import the shipped ones, then run 10 classification tasks (where the role may)."""
    st.markdown(
        "1. Import the shipped suites (classification, extraction, financial analysis, arithmetic, email).\n"
        "2. Run 10 classification tasks on the embedded local model (no keys needed).\n"
        "3. Open **Results**, **Frontier** and **What-if**."
    )
    if can("upload_suite") and st.button(
        "Import the shipped suites", key="overview_import_shipped", disabled=bool(suites)
    ):
        act(import_shipped, con)  # as the signed-in person, checked in the core
        st.rerun()
    first_run = can("launch_run") and any(s["name"] == FIRST_SUITE for s in suites)
    if first_run and st.button(
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
            runs.launch(request)
        except RouteboardError as exc:  # past a budget: refused before any call, in one line
            show_error(exc)
            st.stop()
        st.rerun()


# ---------------------------------------------------------------- the routing board


def headline(report: Report) -> None:
    """The portfolio in four figures: routed and baseline cost a month, the saving, and how many categories route."""
    head = report.headline
    known = head["saving_monthly_usd"] is not None
    unknown = None if known else f"Unknown: {head['unknown_reason']}."
    routed = int(report.numbers["model"].notna().sum())
    cards = st.columns(4)
    cards[0].metric("Routed, per month", money(head["routed_monthly_usd"]), help=unknown, border=True)
    cards[1].metric(
        "Baseline, per month",
        money(head["baseline_monthly_usd"]),
        help=f"Everything sent to {plain(head['baseline_model'] or 'no model')}." + (f" {unknown}" if unknown else ""),
        border=True,
    )
    share = head["saving_share"] if known else None
    cards[2].metric(
        "Saving, per month",
        money(head["saving_monthly_usd"]),
        delta=None if share is None else f"{percent(abs(share), 0)} {'under' if share >= 0 else 'over'} the baseline",
        delta_color="green" if share is not None and share > 0 else "gray",
        delta_arrow="off",
        help=unknown,
        border=True,
    )
    cards[3].metric(
        "Categories routed",
        f"{routed} of {head['categories']}",
        help="Categories where a model clears the bar and every constraint; the rest wait for more tasks or have "
        "none that clears.",
        border=True,
    )


def board(frame: pd.DataFrame) -> None:
    """The routing board as a static table: every category in view (no scroll box), the route in bold, the money
    beside it, wrapped to the page's width so nothing hides sideways at 1,280 px."""
    shown = pd.DataFrame({c: [plain(v) for v in frame[c]] for c in BOARD_COLUMNS})  # cells are Markdown
    shown["route"] = [f"**{r}**" if s == ROUTED else r for r, s in zip(shown["route"], frame["standing"])]
    with st.container(key="overview_board"):
        st.table(shown, hide_index=True, border="horizontal")


def evidence(report: Report, order: list[str], scenario: Scenario, routes: pd.DataFrame) -> None:
    """What each route rests on, per category in the board's order: verdict, accuracy and its interval, the bar, the
    tier, the evidence (tasks graded or outputs reviewed), the scenario's assumptions, and why nothing clears; then
    every assumption the costs use."""
    rows = report.categories.set_index("category")
    detail = routes.assign(
        routed=[route_text(r) for r in routes.to_dict("records")],
        accuracy=rows.loc[routes["category"], "accuracy"].tolist(),
        evidence=rows.loc[routes["category"], "rests on"].tolist(),
        gap=rows.loc[routes["category"], "gap"].tolist(),
    )
    detail["rests on"] = [rests_on(scenario, c) for c in detail["category"]]
    detail = with_tasks_words(detail).set_index("category").loc[order].reset_index()
    columns = ["category", "routed", "verdict", "accuracy", "bar", "tier", "evidence", "rests on", "gap"]
    show(detail[[*columns, "tasks_needed"]], key="overview_evidence")
    st.caption("What the costs assume (change them on What-if):")
    st.dataframe(
        report.assumptions,
        hide_index=True,
        key="overview_assumptions",
        column_config={c: st.column_config.TextColumn(c, help=COLUMN_HELP[c]) for c in report.assumptions.columns},
    )
