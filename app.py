"""routeboard's dashboard: the router only (page config, navigation, sidebar)."""

import streamlit as st

from ui.state import load_secrets_into_environment, sidebar

st.set_page_config(page_title="routeboard", page_icon=":material/alt_route:", layout="wide")
load_secrets_into_environment()
page = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/suites.py", title="Suites", icon=":material/list_alt:"),
        st.Page("pages/imports.py", title="Results import", icon=":material/upload_file:"),
        st.Page("pages/models.py", title="Models", icon=":material/memory:"),
        st.Page("pages/run.py", title="Run", icon=":material/play_circle:"),
        st.Page("pages/review.py", title="Review", icon=":material/rate_review:"),
        st.Page("pages/results.py", title="Results", icon=":material/table_view:"),
        st.Page("pages/frontier.py", title="Frontier", icon=":material/scatter_plot:"),
        st.Page("pages/whatif.py", title="What-if", icon=":material/tune:"),
        st.Page("pages/report.py", title="Report", icon=":material/summarize:"),
    ]
)
sidebar()
page.run()
