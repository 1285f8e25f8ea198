"""Models: API keys, the catalog with tiers and prices (editable), Ollama discovery, infra profiles."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from routeboard.catalog.models import add_model, list_models, price_note, save_catalog_edits
from routeboard.domain import TIERS, InfraProfile
from routeboard.errors import RouteboardError
from routeboard.present import FIELDS
from routeboard.providers.ollama import discover_ollama
from ui.auth import guard, may, may_not
from ui.keys import key_form, key_table, load_secrets
from ui.models import PRICE_COLUMNS, PRICE_HELP, catalog_edits, catalog_frame
from ui.state import connection, show_error
from ui.tables import COLUMNS, editor_config

who = guard("Models")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Models")
con = connection()
manages = may(who, "manage_models")  # prices, tiers, infra and new models: an admin's; others read them
load_secrets()
key_form()  # before the catalog is read, so a key entered now shows as available at once
with st.spinner("Reading prices and asking Ollama ..."):
    ollama = discover_ollama(timeout_s=1.5)
    models = list_models(con, ollama=ollama)
key_table(models)

if ollama.available:
    st.success(f"Ollama at {ollama.host}: {len(ollama.models)} model(s)")
    st.dataframe(pd.DataFrame(ollama.models), hide_index=True, key="models_ollama")
else:
    st.info(ollama.reason)

st.subheader("Catalog")
st.caption(
    "Prices are USD per million tokens from litellm's bundled price map unless you set your own "
    "(marked 'user'). A model with no known price is flagged and kept out of routes, never treated as free; "
    "a model marked 'free' costs nothing on purpose."
    + ("" if manages else f" Prices, tiers and infra profiles are set by an admin: {may_not(who, 'manage_models')}.")
)
table = catalog_frame(models)
edited = st.data_editor(
    table,
    hide_index=True,
    key="models_catalog",
    disabled=["id", "name", "price_source", "available", "why not"] if manages else True,
    column_config={
        **editor_config(table.columns),
        "tier": st.column_config.SelectboxColumn("tier", options=list(TIERS)),
        **{c: st.column_config.TextColumn(COLUMNS[c][0], help=PRICE_HELP) for c in PRICE_COLUMNS},
    },
)
if manages and st.button("Save price and tier changes", key="models_save"):
    try:
        changed = save_catalog_edits(con, models, catalog_edits(edited.to_dict("records")), actor=who)
        st.success(f"Saved {len(changed)} change(s).")
    except RouteboardError as exc:
        show_error(exc)

st.subheader("Infra profiles of local models")
st.caption(
    "Hardware, power and operations turn a local model's busy time into USD: (hardware / amortisation + "
    "power + ops) / utilisation per busy hour."
)
local = [m for m in models if m.tier == "local"]
profiles = pd.DataFrame([{"id": m.id, **asdict(m.infra or InfraProfile())} for m in local])
edited_infra = st.data_editor(
    profiles,
    hide_index=True,
    key="models_infra",
    disabled=["id"] if manages else True,
    column_config=editor_config(profiles.columns),
)
if manages and st.button("Save infra profiles", key="models_save_infra"):
    by_id = {m.id: m for m in local}
    try:
        for row in edited_infra.to_dict("records"):
            model = by_id[row.pop("id")]
            row["parallel_requests"] = int(row["parallel_requests"])
            add_model(
                con,
                model.id,
                litellm_model=model.litellm_model,
                display_name=model.display_name,
                tier="local",
                api_base=model.api_base,
                infra=InfraProfile(**row),
                actor=who,
            )
        st.success("Saved.")
    except RouteboardError as exc:
        show_error(exc)

if not manages:
    st.stop()
with st.expander("Add a model"):
    with st.form("models_add"):
        cols = st.columns(3)
        model_id = cols[0].text_input("litellm model id", placeholder="openai/gpt-4.1-mini", key="models_add_id")
        tier = cols[1].selectbox(
            "Tier", TIERS, index=None, placeholder="guess from the id and price", key="models_add_tier"
        )
        api_base = cols[2].text_input("API base (optional)", key="models_add_base")
        # empty prices mean "take litellm's price"; a model it does not know needs prices or the free mark
        price_in = cols[0].number_input(
            FIELDS["input_price"], min_value=0.0, value=None, placeholder="litellm's price", key="models_add_in"
        )
        price_out = cols[1].number_input(
            FIELDS["output_price"], min_value=0.0, value=None, placeholder="litellm's price", key="models_add_out"
        )
        free = cols[2].checkbox(FIELDS["free"], key="models_add_free")
        if st.form_submit_button("Add", key="models_add_submit"):
            try:
                added = add_model(
                    con,
                    model_id.strip(),
                    tier=tier,
                    input_price_per_mtok_usd=price_in,
                    output_price_per_mtok_usd=price_out,
                    api_base=api_base or None,
                    free=free,
                    actor=who,
                )
                st.success(f"Added {added.id} ({added.tier}): {price_note(added)}.")
            except RouteboardError as exc:
                show_error(exc)
