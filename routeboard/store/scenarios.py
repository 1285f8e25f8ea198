"""Saved what-if scenarios, stored by name as the JSON of ``Scenario.to_dict`` (validated by the caller)."""

from __future__ import annotations

import json

import duckdb

from routeboard.store.connection import serialized


def save_scenario_body(con: duckdb.DuckDBPyConnection, name: str, body: dict) -> None:
    """Store (or replace) a scenario's body under its name: one row per name without a key (the shared store has
    none), the gated transaction keeping two saves of one name from both inserting."""

    def write(cur):
        cur.execute("DELETE FROM scenarios WHERE name = ?", [name])
        cur.execute("INSERT INTO scenarios (name, body, updated_at) VALUES (?, ?, now())", [name, json.dumps(body)])

    serialized(con, write)


def scenario_body(con: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    """A saved scenario's body, or None when no scenario has that name."""
    row = con.cursor().execute("SELECT body FROM scenarios WHERE name = ?", [name]).fetchone()
    return json.loads(row[0]) if row else None


def scenario_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the saved scenarios, sorted."""
    return [r[0] for r in con.cursor().execute("SELECT name FROM scenarios ORDER BY name").fetchall()]
