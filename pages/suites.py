"""Suites: upload task files (checked before anything is written), browse suites and tasks, edit bars."""

import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.library import import_shipped
from routeboard.store.suites import list_suites, load_stored_suite
from ui import address
from ui import suites as sections
from ui.auth import guard
from ui.state import connection, show_error

who = guard("Suites")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Suites")
con = connection()

with st.expander("Upload a task file", expanded=not list_suites(con)):
    sections.upload_box(con)

if st.button("Import the shipped suites", key="suites_import_shipped"):
    try:
        created = [r.suite_id for r in import_shipped(con, actor=who) if r.created]
        st.success(f"Imported {', '.join(created)}" if created else "The shipped suites are already imported.")
    except RouteboardError as exc:
        show_error(exc)

suites = list_suites(con)
if not suites:
    st.info("No suites yet: upload a file or import the shipped suites.")
    st.stop()
sections.suites_table(suites)

address.pick("suite", "suites_browse", [s["suite_id"] for s in suites])  # a shared link's suite
chosen = st.selectbox("Browse a suite", [s["suite_id"] for s in suites], key="suites_browse")
address.keep(suite=chosen)
suite_id, suite = load_stored_suite(con, chosen)
st.markdown(f"**{suite.category}**" + (f": {suite.description}" if suite.description else ""))
if suite.risk:
    st.caption(f"Risk: {suite.risk}")
st.dataframe(sections.task_frame(suite, vars_chars=300), hide_index=True, key="suites_tasks")
sections.settings_form(con, suite_id, suite)
