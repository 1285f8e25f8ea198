"""The cached database connection and other per-session plumbing for the pages."""

from __future__ import annotations

import os

import streamlit as st

import routeboard
from routeboard.settings import db_path


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return routeboard.connect(path)


def connection():
    """One DuckDB connection per process, keyed on the database path; pages take a cursor from it."""
    return _connection(str(db_path()))


def load_secrets_into_environment() -> None:
    """Copy API keys from Streamlit secrets into the environment, where litellm reads them (never stored)."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets.toml: keys come from the environment only
        return
    for key, value in secrets.items():
        if isinstance(value, str) and key.isupper():
            os.environ.setdefault(key, value)


def show_error(exc: Exception) -> None:
    """Show a core error in words a user can act on."""
    problems = getattr(exc, "problems", None)
    if problems:
        st.error("\n".join(f"- {p}" for p in problems))
    else:
        st.error(str(exc))
