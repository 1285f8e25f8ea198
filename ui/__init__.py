"""Streamlit-only helpers shared by the pages (the core under routeboard/ never imports streamlit)."""
