"""The Models page's catalog table: prices as text cells, so an unknown price reads as a dash (a number cell in
Streamlit's grid shows a missing value as "None"), parsed back into prices when the edits are saved."""

from __future__ import annotations

import pandas as pd

from routeboard.domain import Model
from routeboard.errors import Problems
from routeboard.present import DASH, for_page

PRICE_COLUMNS = ("input_per_mtok_usd", "output_per_mtok_usd")
PRICE_HELP = "USD per million tokens. A dash: no known price (the model is kept out of routes, never free)."


def price_text(value: float | None) -> str:
    """A price as a person reads it: up to 6 significant digits, or a dash when unknown."""
    return DASH if value is None or value != value else f"{value:.6g}"


def catalog_frame(models: list[Model]) -> pd.DataFrame:
    """One row per catalog model with its tier, prices as text and why it is unavailable (a dash if it is)."""
    return pd.DataFrame(
        [
            {
                "id": m.id,
                "name": m.display_name,
                "tier": m.tier,
                "input_per_mtok_usd": price_text(m.price.input_per_mtok_usd),
                "output_per_mtok_usd": price_text(m.price.output_per_mtok_usd),
                "price_source": m.price.source or DASH,
                "available": m.available,
                "why not": for_page(m.unavailable_reason) or DASH,
            }
            for m in models
        ],
        columns=["id", "name", "tier", *PRICE_COLUMNS, "price_source", "available", "why not"],
    )


def catalog_edits(rows: list[dict]) -> list[dict]:
    """The edited rows with their price cells as numbers (a dash or nothing: no price); every cell that is not
    a price is named in one InvalidInput, so nothing is saved until all are fixed."""
    problems, parsed = Problems("catalog"), []
    for row in rows:
        row = dict(row)
        for column in PRICE_COLUMNS:
            text = str(row.get(column) or "").strip().lstrip("$").replace(",", "")
            if text in ("", DASH, "-"):
                row[column] = None
                continue
            try:
                row[column] = float(text)
            except ValueError:
                row[column] = None
            if row[column] is None or row[column] < 0 or row[column] != row[column]:
                problems.add(None, column, f"{row['id']}: {text!r} is not a price in USD per million tokens")
        parsed.append(row)
    problems.raise_if_any()
    return parsed
