"""Review: people judge outputs one at a time, blinded; what they accept is what counts (docs/design.md)."""

import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.review.queue import left_text, next_item, queue_status, reviewable_suites
from ui import review
from ui.auth import guard
from ui.state import connection, show_error

who = guard("Review")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Review")
st.caption(
    "Accept, reject with a reason, or accept after an edit. The model behind an output is never shown, "
    "and the queue asks only for the reviews that would settle a verdict."
)
review.require_content()
con = connection()
suites = reviewable_suites(con)
if not suites:
    review.no_suites()
    st.stop()
reviewer = review.reviewer_name()
review.whoami(reviewer)

by_id = {s["suite_id"]: s for s in suites}
suite_id = st.selectbox("Suite", list(by_id), format_func=lambda s: review.suite_label(by_id[s]), key="review_suite")
status = queue_status(con, suite_id)
left, middle, right = st.columns(3)
left.metric("Waiting for review", status.pending)
middle.metric("Reviewed", status.reviewed)
right.metric("Reviews that would settle the verdicts", status.needed)
if status.dropped.outputs:  # the count can fall by more than one review: say why where it is shown
    st.caption(f"Reviews still asked: {left_text(status.needed, status.dropped)}.")

try:
    item = next_item(con, suite_id, reviewer, actor=who)
except RouteboardError as exc:  # a role that may not review, called another way: one line
    show_error(exc)
    st.stop()
if item is None:
    review.queue_empty(suite_id)
else:
    review.show_item(item)
    review.verdict_controls(con, item, reviewer)

st.divider()
review.agreement_section(con, suite_id)
