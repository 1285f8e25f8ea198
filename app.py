"""routeboard's dashboard: the router only (page config and navigation)."""

import streamlit as st

from ui.state import load_secrets_into_environment

st.set_page_config(page_title="routeboard", page_icon=":material/alt_route:", layout="wide")
load_secrets_into_environment()
st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
]).run()
