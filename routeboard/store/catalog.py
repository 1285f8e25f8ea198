"""The model catalog's rows: user-added, imported and discovered models with their tier, price and infra profile.

A NULL price means "take litellm's price map" (or, for a local model, "costs its box's time"); a model that really
costs nothing carries ``free`` = true on purpose, so a missing price is never read as $0 (docs/design.md).
"""

from __future__ import annotations

import json

import duckdb

from routeboard.store.connection import insert_rows, serialized

MODEL_COLUMNS = (
    "model_id",
    "litellm_model",
    "display_name",
    "tier",
    "input_price_per_mtok_usd",
    "output_price_per_mtok_usd",
    "api_base",
    "infra",
    "origin",
    "free",
)


def save_model(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Add or replace one model row (``row`` holds MODEL_COLUMNS; ``infra`` a dict or None)."""

    def write(cur):
        cur.execute("DELETE FROM models WHERE model_id = ?", [row["model_id"]])
        insert_models(cur, [row])

    serialized(con, write)  # gated: one row per model without a key (the shared store has none)


def insert_models(cur: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Append model rows in the caller's transaction (an import adds the models its results name)."""
    values = [
        [json.dumps(row[c]) if c == "infra" and row[c] is not None else row.get(c) for c in MODEL_COLUMNS]
        for row in rows
    ]
    for value in values:
        value[-1] = bool(value[-1])  # free: never NULL
    if values:
        insert_rows(cur, "models", MODEL_COLUMNS, values)


def model_rows(con: duckdb.DuckDBPyConnection, model_ids: list[str] | None = None) -> list[dict]:
    """Stored model rows in id order (all of them, or those named), ``infra`` decoded."""
    return select_models(con.cursor(), model_ids)


def model_row(con: duckdb.DuckDBPyConnection, model_id: str) -> dict | None:
    """One stored model row, or None."""
    rows = model_rows(con, [model_id])
    return rows[0] if rows else None


def select_models(cur: duckdb.DuckDBPyConnection, model_ids: list[str] | None = None) -> list[dict]:
    """``model_rows`` on the caller's cursor, so a transaction sees its own writes."""
    where, params = "", []
    if model_ids is not None:
        where, params = "WHERE model_id IN (SELECT unnest(?::VARCHAR[]))", [list(model_ids)]
    rows = cur.execute(f"SELECT {', '.join(MODEL_COLUMNS)} FROM models {where} ORDER BY model_id", params).fetchall()
    return [_decoded(dict(zip(MODEL_COLUMNS, row))) for row in rows]


def _decoded(row: dict) -> dict:
    row["infra"] = json.loads(row["infra"]) if row["infra"] else None
    row["free"] = bool(row["free"])
    return row
