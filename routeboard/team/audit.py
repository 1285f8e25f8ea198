"""The audit trail: who did what, when, and what it spent (docs/design.md, "A team's deployment").

Rows are written in the same transaction as the action where there is one; secrets never reach them."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import duckdb

from routeboard.secrets import _env_secrets, scrub
from routeboard.store import access as access_store
from routeboard.store.connection import transaction
from routeboard.team.roles import Actor, require, resolve

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (a run's process never needs it)
    import pandas as pd


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as UTC, as runs and attempts are


def record(
    con_or_cur: duckdb.DuckDBPyConnection,
    actor: Actor | None,
    action: str,
    target: str | None = None,
    detail: dict | None = None,
    spend_usd: float | None = None,
) -> None:
    """Append one audit row on the caller's cursor (inside its transaction, where it has one)."""
    actor = resolve(actor)
    if spend_usd is not None and not math.isfinite(spend_usd):
        spend_usd = None
    row = {
        "at": _now(),
        "user_id": actor.user_id,
        "role": actor.role,
        "via": actor.via,
        "action": action,
        "target": None if target is None else scrub(str(target)),
        "detail": None if detail is None else scrub(detail),
        "spend_usd": spend_usd,
    }
    access_store.add_audit(con_or_cur, row)


def record_many(
    con: duckdb.DuckDBPyConnection, actor: Actor | None, action: str, items: list[tuple[str | None, dict | None]]
) -> None:
    """One audit row per (target, detail), all in one transaction (e.g. a review sheet: one row per review)."""
    actor = resolve(actor)
    at, secrets = _now(), _env_secrets()
    rows = [
        {
            "at": at,
            "user_id": actor.user_id,
            "role": actor.role,
            "via": actor.via,
            "action": action,
            "target": None if target is None else scrub(str(target), secrets),
            "detail": None if detail is None else scrub(detail, secrets),
            "spend_usd": None,
        }
        for target, detail in items
    ]
    if rows:
        with transaction(con) as cur:
            access_store.add_audit_rows(cur, rows)


def record_now(con: duckdb.DuckDBPyConnection, actor: Actor | None, action: str, **fields) -> None:
    """An audit row in a transaction of its own, for an action whose writes are already committed."""
    with transaction(con) as cur:
        record(cur, actor, action, **fields)


def read_trail(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: Actor | None,
    since: datetime | date | str | None = None,
    user_id: str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The audit trail as a person reads it (the CLI's ``audit``, the Admin page): an admin's action (read_audit),
    since its rows name who did what to which run, model and review."""
    require(actor, "read_audit")
    return trail(con, since=since, user_id=user_id, action=action, limit=limit)


def trail(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | date | str | None = None,
    user_id: str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Audit rows newest first: at, user_id, role, via, action, target, detail (JSON text), spend_usd. For code
    that checks its own rows (a sign-in already audited); a person reads them through ``read_trail``."""
    if isinstance(since, str):
        since = datetime.fromisoformat(since)
    elif isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day)
    return access_store.audit_rows(con, since=since, user_id=user_id, action=action, limit=limit)
