"""The Overview's guided start on an empty database: import the shipped suites, a first run on the embedded
model, or a sample workspace to explore before any run."""

from __future__ import annotations

import streamlit as st

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.errors import RouteboardError
from routeboard.imports import sample
from routeboard.library import import_shipped
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from ui import runs
from ui.auth import act
from ui.state import show_error

FIRST_SUITE = "customer-request-classification"
# Up to this many pairs that cannot be routed are drawn inside their closed expander; more only once it is opened.
EXCLUDED_DRAWN_CLOSED = 100


def get_started(con, suites: list, pending: int = 0) -> None:
    """The three buttons that get a new user from nothing to a routing board (each as the signed-in person); when
    outputs already wait for people's review, that comes first: nothing is on the board until they are reviewed."""
    if pending:
        st.info(
            f"{pending:,} outputs wait for review: a suite graded by people counts on the routing board once "
            "its outputs are reviewed."
        )
        st.page_link("pages/review.py", label="Review them", icon=":material/rate_review:")
    st.subheader("Get started")
    st.markdown(
        "1. Import the shipped suites (classification, extraction, financial analysis, arithmetic, email).\n"
        "2. Run 10 classification tasks on the embedded local model (no keys needed).\n"
        "3. Open **Results**, **Frontier** and **What-if**."
    )
    if st.button("Import the shipped suites", key="overview_import_shipped", disabled=bool(suites)):
        act(import_shipped, con)  # as the signed-in person: a viewer is refused in one line
        st.rerun()
    busy = runs.running()
    if suites and st.button(
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
        except RouteboardError as exc:  # a viewer, or past a budget: refused before any call, in one line
            show_error(exc)
            st.stop()
        st.rerun()
    if busy:
        st.success(f"Run {busy[0]} is under way: follow it on the Run page.")
        st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")
    if st.button(
        "Or explore a sample workspace first",
        key="overview_sample",
        help="RouteLLM's published MMLU results of GPT-4-1106 and Mixtral-8x7B (Apache-2.0), labelled 'sample:'; "
        "no keys needed; removable in one click",
    ):
        with st.spinner("Adding the sample workspace ..."):
            act(sample.build, con)
        st.rerun()
