"""A page with nothing to show says what to do first, with the button that does it."""

from __future__ import annotations

import streamlit as st

from ui.auth import actor
from ui.state import connection, facts, show_error


def facts_or_stop(page: str = "page"):
    """All stored facts, or the page's empty state (what to do first, with its button) when there are none."""
    stored = facts()
    if stored.empty:
        empty_state(page)
    return stored


def empty_state(page: str) -> None:
    """What to do first on a page with nothing to show, with the button that does it; ends the page."""
    from routeboard.library import import_shipped
    from routeboard.store.suites import list_suites

    con = connection()
    if not list_suites(con):
        st.info("No suites yet: import the five shipped suites (or upload your own on Suites), then run one.")
        if st.button("Import the shipped suites", key=f"{page}_empty_import", type="primary"):
            from routeboard.errors import RouteboardError

            try:
                import_shipped(con, actor=actor())
                st.rerun()
            except RouteboardError as exc:  # a viewer: refused in the core, in one line
                show_error(exc)
        st.page_link("pages/suites.py", label="Upload a suite on Suites", icon=":material/list_alt:")
    else:
        st.info(
            "No results yet: run a suite on the Run page (the embedded local model needs no keys), "
            "or import another tool's results with `python -m routeboard results import`."
        )
        st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")
    st.stop()
