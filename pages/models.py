"""Models: the catalog with tiers and prices (editable), Ollama discovery, the embedded model, infra profiles."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from routeboard.catalog import add_model, discover_ollama, list_models
from routeboard.domain import TIERS, InfraProfile
from routeboard.errors import RouteboardError
from ui.state import connection, show_error

st.title("Models")
con = connection()
with st.spinner("Reading prices and asking Ollama ..."):
    ollama = discover_ollama(timeout_s=1.5)
    models = list_models(con, ollama=ollama)

if ollama.available:
    st.success(f"Ollama at {ollama.host}: {len(ollama.models)} model(s)")
    st.dataframe(pd.DataFrame(ollama.models), hide_index=True, key="models_ollama")
else:
    st.info(ollama.reason)

st.subheader("Catalog")
st.caption("Prices are USD per million tokens from litellm's bundled price map unless you set your own "
           "(marked 'user'). A model with no known price is flagged, never treated as free.")
table = pd.DataFrame([{"id": m.id, "name": m.display_name, "tier": m.tier,
                       "input_per_mtok_usd": m.price.input_per_mtok_usd,
                       "output_per_mtok_usd": m.price.output_per_mtok_usd, "price_source": m.price.source,
                       "available": m.available, "why not": m.unavailable_reason} for m in models])
edited = st.data_editor(table, hide_index=True, key="models_catalog", disabled=["id", "name", "price_source",
                        "available", "why not"],
                        column_config={"tier": st.column_config.SelectboxColumn("tier", options=list(TIERS))})
if st.button("Save price and tier changes", key="models_save"):
    changed = edited[(edited[["tier", "input_per_mtok_usd", "output_per_mtok_usd"]]
                      != table[["tier", "input_per_mtok_usd", "output_per_mtok_usd"]]).any(axis=1)]
    by_id = {m.id: m for m in models}
    try:
        for row in changed.itertuples(index=False):
            model = by_id[row.id]
            add_model(con, row.id, litellm_model=model.litellm_model, display_name=model.display_name, tier=row.tier,
                      input_price_per_mtok_usd=row.input_per_mtok_usd, output_price_per_mtok_usd=row.output_per_mtok_usd,
                      api_base=model.api_base, infra=model.infra)
        st.success(f"Saved {len(changed)} change(s) as user overrides.")
    except RouteboardError as exc:
        show_error(exc)

st.subheader("Infra profiles of local models")
st.caption("Hardware, power and operations turn a local model's busy time into USD (DESIGN.md's infra rate).")
local = [m for m in models if m.tier == "local"]
profiles = pd.DataFrame([{"id": m.id, **asdict(m.infra or InfraProfile())} for m in local])
edited_infra = st.data_editor(profiles, hide_index=True, key="models_infra", disabled=["id"])
if st.button("Save infra profiles", key="models_save_infra"):
    by_id = {m.id: m for m in local}
    try:
        for row in edited_infra.to_dict("records"):
            model = by_id[row.pop("id")]
            row["parallel_requests"] = int(row["parallel_requests"])
            add_model(con, model.id, litellm_model=model.litellm_model, display_name=model.display_name, tier="local",
                      input_price_per_mtok_usd=0.0, output_price_per_mtok_usd=0.0, api_base=model.api_base,
                      infra=InfraProfile(**row))
        st.success("Saved.")
    except RouteboardError as exc:
        show_error(exc)

with st.expander("Add a model"):
    with st.form("models_add"):
        cols = st.columns(3)
        model_id = cols[0].text_input("litellm model id", placeholder="openai/gpt-4.1-mini", key="models_add_id")
        tier = cols[1].selectbox("Tier", TIERS, key="models_add_tier")
        api_base = cols[2].text_input("API base (optional)", key="models_add_base")
        price_in = cols[0].number_input("USD / M input tokens", 0.0, key="models_add_in")
        price_out = cols[1].number_input("USD / M output tokens", 0.0, key="models_add_out")
        if st.form_submit_button("Add"):
            try:
                add_model(con, model_id.strip(), tier=tier, input_price_per_mtok_usd=price_in,
                          output_price_per_mtok_usd=price_out, api_base=api_base or None)
                st.success(f"Added {model_id}.")
            except RouteboardError as exc:
                show_error(exc)


