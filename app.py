"""routeboard's dashboard: the router only (page config, who is signed in, the pages their role may use, sidebar)."""

import streamlit as st

from ui.auth import current_actor, navigation, run_page
from ui.state import connection, load_secrets_into_environment, sidebar

st.set_page_config(page_title="routeboard", page_icon=":material/alt_route:", layout="wide")
load_secrets_into_environment()
actor = current_actor(connection())
page = st.navigation(navigation(actor))
sidebar()
run_page(page, actor)
