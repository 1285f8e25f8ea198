"""Overview: what is in the database."""

import streamlit as st

from routeboard.store.suites import list_suites
from ui.state import connection, show_error

st.title("routeboard")
st.caption("Which model should do each job, and what an accepted output really costs.")
try:
    con = connection()
    suites = list_suites(con)
except Exception as exc:  # a locked or unreadable database file
    show_error(exc)
    st.stop()

st.subheader("Suites")
if suites:
    st.dataframe(suites, key="overview_suites", hide_index=True)
else:
    st.info("No suites yet. Import the shipped ones with `python -m routeboard suites import --shipped`.")
