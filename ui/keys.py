"""The Models page's API keys: a key an admin gives the running app process (everyone's, until it restarts), the
secrets.toml way to keep one, and what each key unlocks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.providers.keys import GIVEN, SECRETS_EXAMPLE, common_key_names, forget_key, give_key, key_statuses
from ui.auth import actor, may, may_not
from ui.state import connection, show_error

SCOPE = (
    "A key given here serves this whole app process until it restarts: every session of it, so everyone's runs "
    "and judges here use it, not only yours (other app processes and CLI runs do not see it). Only an admin may "
    "give one; the audit trail records who gave which key, never its value. It is never written to the database, "
    "a file or a log."
)


def load_secrets() -> None:
    """Top-level entries of .streamlit/secrets.toml become environment variables (Streamlit does it on load)."""
    try:
        st.secrets.load_if_toml_exists()
    except Exception as exc:  # a malformed secrets.toml must not take the page down
        st.warning(f".streamlit/secrets.toml could not be read: {type(exc).__name__}")


def key_form() -> None:
    """Give the app process a key; run before the catalog is read so its availability shows at once."""
    st.subheader("API keys")
    st.caption(SCOPE)
    who = actor()
    if who is not None and not may(who, "give_key"):  # the form only for those who may use it
        st.caption(f"Keys are given by an admin: {may_not(who, 'give_key')}.")
    else:
        _give_form()
    st.caption("To keep keys across restarts, set them in the environment or in `.streamlit/secrets.toml`:")
    st.code(SECRETS_EXAMPLE, language="toml")


def _give_form() -> None:
    with st.form("models_key_form", clear_on_submit=True):
        cols = st.columns([2, 3, 1])
        name = cols[0].selectbox("Key", common_key_names(), accept_new_options=True, key="models_key_name")
        value = cols[1].text_input("Value", type="password", key="models_key_value")
        if cols[2].form_submit_button("Give to this app process", key="models_key_set"):
            try:
                give_key(connection(), name or "", value, actor=actor())
                st.success(f"{name} given to this app process: everyone's runs here use it until the app restarts.")
            except RouteboardError as exc:
                show_error(exc)


def key_table(models) -> None:
    """Which catalog models each key unlocks, and whether it is set (never its value)."""
    statuses = key_statuses(models)
    if not statuses:
        st.caption("No catalog model is waiting for a key.")
        return
    frame = pd.DataFrame(
        [{"key": k.name, "status": k.status, "unlocks": ", ".join(k.models)} for k in statuses]
    )  # fmt: skip
    st.dataframe(
        frame,
        hide_index=True,
        key="models_keys",
        column_config={
            "key": st.column_config.TextColumn("key", help="the environment variable litellm reads", pinned=True),
            "status": st.column_config.TextColumn(
                "status", help=f"missing, {GIVEN} (everyone's, until it restarts), or set in the environment"
            ),
            "unlocks": st.column_config.TextColumn("unlocks", help="catalog models that need this key"),
        },
    )
    given = [k.name for k in statuses if k.status == GIVEN]
    who = actor()
    may_take_back = who is None or may(who, "give_key")
    if (
        given
        and may_take_back
        and st.button(f"Take back the keys given here ({', '.join(given)})", key="models_key_forget")
    ):
        try:
            for name in given:
                forget_key(connection(), name, actor=actor())
        except RouteboardError as exc:
            show_error(exc)
            return
        st.rerun()
