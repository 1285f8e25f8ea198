"""A page with nothing to show says what waits and what to do first, with the button that does it for a person whose
role may (the action table, routeboard/team/roles.py), and what their role leaves to others otherwise."""

from __future__ import annotations

import streamlit as st

from routeboard.present import waiting_text
from ui.auth import actor, may, may_not
from ui.state import connection, facts, show_error


def facts_or_stop(page: str = "page"):
    """All stored facts, or the page's empty state (what waits, what to do first) when there are none."""
    stored = facts()
    if stored.empty:
        empty_state(page)
    return stored


def _may(action: str) -> bool:
    who = actor()
    return who is None or may(who, action)  # None: served without app.py, the core decides (local: the local user)


def empty_state(page: str) -> None:
    """What waits and what to do first on a page with nothing to show, with the button that does it; ends the page."""
    from routeboard.store.facts import stored_counts
    from routeboard.store.suites import list_suites

    con = connection()
    if not list_suites(con):
        _no_suites(con, page)
    elif pending := stored_counts(con)["pending"]:  # people's review comes first: it is what the board waits on
        st.info(f"{waiting_text(pending)}.")
        if _may("review"):
            st.page_link("pages/review.py", label="Review them", icon=":material/rate_review:")
    elif _may("launch_run"):
        st.info("No results yet: run a suite on the Run page (the embedded local model needs no keys).")
        st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")
        if _may("import_results"):
            st.page_link("pages/imports.py", label="Or import another tool's results", icon=":material/upload_file:")
    else:
        st.info(f"No results yet: nothing has been run here. {_why('launch_run')}.")
    st.stop()


def _no_suites(con, page: str) -> None:
    from routeboard.errors import RouteboardError
    from routeboard.library import import_shipped

    if not _may("upload_suite"):
        st.info(f"No suites yet. {_why('upload_suite')}.")
        return
    st.info("No suites yet: import the five shipped suites (or upload your own on Suites), then run one.")
    if st.button("Import the shipped suites", key=f"{page}_empty_import", type="primary"):
        try:
            import_shipped(con, actor=actor())
            st.rerun()
        except RouteboardError as exc:  # refused in the core, in one line (a role changed meanwhile)
            show_error(exc)
    st.page_link("pages/suites.py", label="Upload a suite on Suites", icon=":material/list_alt:")


def _why(action: str) -> str:
    """Why this session's person may not (the core's words), for a sentence that says who may."""
    who = actor()
    return may_not(who, action) if who is not None else ""
