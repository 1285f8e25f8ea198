"""The Models page's API keys: a key for this session only, the secrets.toml way, and what each key unlocks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.providers.keys import (
    SECRETS_EXAMPLE,
    common_key_names,
    forget_session_key,
    key_statuses,
    set_session_key,
)
from ui.auth import actor
from ui.state import show_error


def load_secrets() -> None:
    """Top-level entries of .streamlit/secrets.toml become environment variables (Streamlit does it on load)."""
    try:
        st.secrets.load_if_toml_exists()
    except Exception as exc:  # a malformed secrets.toml must not take the page down
        st.warning(f".streamlit/secrets.toml could not be read: {type(exc).__name__}")


def key_form() -> None:
    """Enter a key for this session; run before the catalog is read so its availability shows at once."""
    st.subheader("API keys")
    with st.form("models_key_form", clear_on_submit=True):
        cols = st.columns([2, 3, 1])
        name = cols[0].selectbox("Key", common_key_names(), accept_new_options=True, key="models_key_name")
        value = cols[1].text_input("Value", type="password", key="models_key_value")
        if cols[2].form_submit_button("Use for this session", key="models_key_set"):
            try:
                set_session_key(name or "", value, actor=actor())
                st.success(f"{name} set for this session.")
            except RouteboardError as exc:
                show_error(exc)
    st.caption(
        "A key entered here stays in this app process's memory until the app stops: it is never written to the "
        "database, a file or a log. To keep keys across restarts, set them in the environment or in "
        "`.streamlit/secrets.toml`:"
    )
    st.code(SECRETS_EXAMPLE, language="toml")


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
            "status": st.column_config.TextColumn("status", help="missing, set for this session, or set before"),
            "unlocks": st.column_config.TextColumn("unlocks", help="catalog models that need this key"),
        },
    )
    given = [k.name for k in statuses if k.status == "set for this session"]
    if given and st.button(f"Forget session keys ({', '.join(given)})", key="models_key_forget"):
        for name in given:
            forget_session_key(name)
        st.rerun()
