"""routeboard's dashboard: the router only (page config, who is signed in, the pages their role may use, sidebar)."""

import streamlit as st

from routeboard.errors import StoreError
from ui.auth import current_actor, navigation, run_page
from ui.state import connection, holding, load_secrets_into_environment, show_error, sidebar

st.set_page_config(page_title="routeboard", page_icon=":material/alt_route:", layout="wide")
load_secrets_into_environment()
try:
    with holding():  # the database file is held for this page run only: a CLI run beside the app uses it between
        actor = current_actor(connection())
        page = st.navigation(navigation(actor))
        sidebar(actor)
        run_page(page, actor)
except StoreError as exc:  # e.g. another program kept the file open: said in words, the page can be reloaded
    show_error(exc)
