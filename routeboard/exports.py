"""Exports: the routing table as a LiteLLM Router config, routes and results as CSV/JSON.

Text cells are neutralised against spreadsheet formula injection (a model's output or a task's text may
start with =, +, -, @): they are prefixed with a single quote, which spreadsheets show as plain text."""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import yaml

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.providers.keys import key_variable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A text cell that a spreadsheet would run as a formula becomes inert text; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table safe to open in a spreadsheet."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    return out


def to_csv(frame: pd.DataFrame) -> str:
    # CRLF rows (RFC 4180): with "\n" the writer leaves a bare "\r" inside a cell unquoted, and every reader ends
    # the row there, so an output like "ok\r=HYPERLINK(...)" would start a new row with a live formula.
    return neutralised(frame).to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "category"


def litellm_router_config(route_table: pd.DataFrame, models: dict) -> dict:
    """A LiteLLM Router / proxy config: one model_list entry per routed model, one alias per category.

    Keys are referenced as ``os.environ/NAME`` (LiteLLM's own convention), never written out."""
    model_list, aliases = [], {}
    for route in route_table.itertuples(index=False):
        if not route.model:
            continue
        aliases[f"route-{slug(route.category)}"] = route.model
        if any(entry["model_name"] == route.model for entry in model_list):
            continue
        model = models.get(route.model)
        params: dict = {"model": model.litellm_model if model else route.model}
        if route.model == EMBEDDED_ID:
            # The embedded model is in-process; serve the same GGUF with `python -m llama_cpp.server`.
            params = {"model": "openai/smollm2-135m", "api_base": "http://127.0.0.1:8000/v1", "api_key": "none"}
        elif model is not None and model.api_base:
            params["api_base"] = model.api_base
        elif key := key_variable(params["model"]):
            params["api_key"] = f"os.environ/{key}"
        model_list.append({"model_name": route.model, "litellm_params": params})
    return {"model_list": model_list, "router_settings": {"model_group_alias": aliases}}


def router_yaml(config: dict) -> str:
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def routes_records(route_table: pd.DataFrame) -> list[dict]:
    """Routes as plain JSON-able rows (NaN as null)."""
    return json.loads(route_table.to_json(orient="records"))


def routes_csv(route_table: pd.DataFrame) -> str:
    table = route_table.copy()
    if "near_ties" in table:
        table["near_ties"] = table["near_ties"].map(lambda v: ";".join(v) if isinstance(v, list) else v)
    return to_csv(table)
