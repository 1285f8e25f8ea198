"""Report: a leader's one-screen answer (routed vs baseline, the saving, each category's route or gap, the
assumptions), downloadable as one self-contained HTML page and CSV."""

import streamlit as st

from routeboard.decide.routes import decide
from routeboard.present import money, percent
from routeboard.report import COLUMN_HELP, assumptions_csv, build_report, report_csv, report_html
from ui import address
from ui.auth import guard
from ui.charts import monthly_comparison_chart
from ui.empty import facts_or_stop
from ui.state import connection

who = guard("Report")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Report")
con = connection()
stored = facts_or_stop("report")
scenario = address.scenario(con)  # a shared link's, else this session's (What-if's)
address.keep(scenario)  # the address carries it: a colleague who opens it sees these figures

report = build_report(decide(stored, scenario), scenario)
head = report.headline
left, middle, right = st.columns(3)
known = head["saving_monthly_usd"] is not None
why_unknown = f"Unknown: {head['unknown_reason']}." if not known else ""
left.metric("Routed, per month", money(head["routed_monthly_usd"]), help=None if known else why_unknown)
middle.metric(
    "Baseline, per month",
    money(head["baseline_monthly_usd"]),
    help=f"Everything sent to {head['baseline_model'] or 'no model'}." + ("" if known else " " + why_unknown),
)
share = f" ({percent(head['saving_share'], 0)})" if head["saving_share"] is not None else ""
right.metric("Saving, per month", money(head["saving_monthly_usd"]) + share, help=None if known else why_unknown)
st.markdown(report.summary())
if known:
    monthly, spec = monthly_comparison_chart(report.numbers)
    with st.container(key="report_monthly"):
        st.vega_lite_chart(monthly, spec, width="stretch")


def _columns(frame) -> dict:
    """Every column with its help text (what it means and why a cell may be a dash)."""
    return {c: st.column_config.TextColumn(c, help=COLUMN_HELP[c]) for c in frame.columns}


st.subheader("Per category")
st.dataframe(
    report.categories,
    hide_index=True,
    column_config=_columns(report.categories),
    key="report_categories",
)
st.subheader("What these figures rest on")
st.caption(
    "Every cost here rests on these assumptions; review minutes measured from people's reviews say so. "
    "Change them on What-if."
)
st.dataframe(
    report.assumptions,
    hide_index=True,
    column_config=_columns(report.assumptions),
    key="report_assumptions",
)

left, middle, right = st.columns(3)
left.download_button(
    "Download the report (HTML)",
    report_html(report),
    file_name="routeboard-report.html",
    mime="text/html",
    key="report_download_html",
    help="One page with the chart, the tables and the assumptions; opens offline.",
)
middle.download_button(
    "Categories (CSV)", report_csv(report), file_name="routeboard-categories.csv", mime="text/csv", key="report_csv"
)
right.download_button(
    "Assumptions (CSV)",
    assumptions_csv(report),
    file_name="routeboard-assumptions.csv",
    mime="text/csv",
    key="report_assumptions_csv",
)
