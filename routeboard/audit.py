"""The audit trail: who did what, when, and what it spent (docs/design.md, "A team's deployment").

Rows are written in the same transaction as the action where there is one; secrets never reach them."""

from __future__ import annotations

import math
import os
import re
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

import duckdb

from routeboard.access import ROLES, Actor, budget_status, resolve
from routeboard.keys import KEY_NAME
from routeboard.settings import secrets_config
from routeboard.store import access as access_store
from routeboard.store import transaction

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (a run's process never needs it)
    import pandas as pd

SECRET = "[secret]"
# what provider keys look like: OpenAI/Anthropic/most (sk-...), Google (AIza...), Groq (gsk_...), bearer tokens
_KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{8,}|gsk_[A-Za-z0-9]{8,}|AIza[A-Za-z0-9_\-]{20,})")
_SECRET_FIELDS = re.compile(r"(api_?key|secret|password|token|authorization)", re.IGNORECASE)
MIN_SECRET_CHARS = 8  # an env var value shorter than this is not a key worth hunting for (and would match noise)


def _env_secrets() -> list[str]:
    """Values of environment variables that hold keys (named like *_API_KEY) and the secrets file's values
    (keys, client and cookie secrets), longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if KEY_NAME.fullmatch(name) and "API_BASE" not in name and "API_VERSION" not in name
        if len(value) >= MIN_SECRET_CHARS
    }
    values.update(secrets_config().secret_values)
    return sorted(values, key=len, reverse=True)


def scrub(value: Any, _secrets: list[str] | None = None) -> Any:
    """The value with every string that looks like an API key, or contains one set in the environment, replaced
    by "[secret]" (and every field named like a key or password)."""
    secrets = _env_secrets() if _secrets is None else _secrets
    if isinstance(value, str):
        if any(s in value for s in secrets) or _KEY_SHAPES.search(value):
            return SECRET
        return value
    if isinstance(value, dict):
        return {
            str(k): SECRET if _SECRET_FIELDS.search(str(k)) and v not in (None, "") else scrub(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: an unknown number is stored as null
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value), secrets)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # stored as UTC, as runs and attempts are


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


def trail(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | date | str | None = None,
    user_id: str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Audit rows newest first: at, user_id, role, via, action, target, detail (JSON text), spend_usd."""
    if isinstance(since, str):
        since = datetime.fromisoformat(since)
    elif isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day)
    return access_store.audit_rows(con, since=since, user_id=user_id, action=action, limit=limit)


def spend_by_person(con: duckdb.DuckDBPyConnection, month: str | None = None) -> pd.DataFrame:
    """Per person who launched runs in the month (UTC) or has an override: user_id, role, spend_usd (NaN when a
    run's spend is unknown), budget_usd (NaN: no budget applies) and runs."""
    import pandas as pd

    from routeboard.access import _month_bounds, role_for

    month, start, end = _month_bounds(month)
    people = {row["user_id"].lower(): row["user_id"] for row in access_store.spend(con, start, end)}
    for user_id in access_store.overrides(con)["user_id"]:
        people.setdefault(user_id.lower(), user_id)
    rows = []
    for user_id in sorted(people.values(), key=str.lower):
        role = role_for(con, user_id)[0] if user_id != "local" else "admin"
        status = budget_status(con, Actor(user_id, user_id, role, "oidc"), month)
        budget = math.nan if status.budget_usd is None else status.budget_usd
        rows.append(
            {"user_id": user_id, "role": role, "spend_usd": status.spent_usd, "budget_usd": budget, "runs": status.runs}
        )
    frame = pd.DataFrame(rows, columns=["user_id", "role", "spend_usd", "budget_usd", "runs"])
    frame["role"] = pd.Categorical(frame["role"], categories=ROLES)
    return frame
