"""The store's mode: once a process with sign-in configured opens it, it is a team's, and a process without the
sign-in settings refuses it rather than acting as a local admin (docs/design.md, "A team's deployment").

Checked where a connection is made (store/connection.py, store/lease.py), so every door (the CLI, the app, a
sheet import, a run) passes it. It guards against a missing or forgotten setting, not against someone who holds
the store's credentials: they can write to it with any DuckDB client (README, "Sign-in and roles")."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from routeboard.errors import TeamStore
from routeboard.settings import secrets_config, secrets_path
from routeboard.store.lake import serialized

TEAM_SINCE = "team_since"  # store_settings: when a process with sign-in configured first opened the store (UTC)


def team_since(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the store was first used with sign-in (UTC), or None for a store only ever used locally."""
    row = con.cursor().execute("SELECT value FROM store_settings WHERE name = ?", [TEAM_SINCE]).fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def remember_team(con: duckdb.DuckDBPyConnection) -> None:
    """Record that the store is a team's (once: of two processes at once the second finds it recorded)."""
    now = datetime.now(UTC).replace(tzinfo=None)

    def write(cur):
        cur.execute(
            "INSERT INTO store_settings (name, value, set_at) SELECT ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM store_settings WHERE name = ?)",
            [TEAM_SINCE, now.isoformat(timespec="seconds"), now, TEAM_SINCE],
        )

    serialized(con, write)


def check_mode(con: duckdb.DuckDBPyConnection) -> None:
    """Remember a team store the first time sign-in is configured; refuse a team store to a process without it."""
    signed_in = secrets_config().auth
    since = team_since(con)
    if signed_in:
        if since is None:
            remember_team(con)
        return
    if since is not None:
        path = secrets_path()
        found = f"{path} has no [auth] section" if path.exists() else f"there is no secrets file at {path}"
        raise TeamStore(
            f"this store is a team's (sign-in since {since:%Y-%m-%d}): set ROUTEBOARD_SECRETS to the team's secrets "
            f"file to use it ({found})"
        )
