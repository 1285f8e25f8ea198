"""An admin's changes to who may do what and spend how much, audited; the team's rules as they apply.

The names of ``roles`` and ``budgets`` are re-exported so callers ask one module about access."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from routeboard.errors import InvalidInput
from routeboard.settings import secrets_path
from routeboard.store import access as access_store
from routeboard.store.connection import transaction
from routeboard.team import audit
from routeboard.team.budgets import (  # noqa: F401  (re-exported)
    BudgetStatus,
    budget_of,
    budget_status,
    remaining_budget_usd,
    require_budget,
    spend_by_person,
)
from routeboard.team.roles import (  # noqa: F401  (re-exported)
    ACTIONS,
    DEFAULT_CONTENT_ROLES,
    LOCAL,
    OWN_RUNS,
    ROLES,
    USER_ENV,
    WORDS,
    Actor,
    actor_for,
    allowed,
    cli_actor,
    require,
    resolve,
    role_for,
    rules,
    team_mode,
)


def set_access(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    *,
    role: str | None = None,
    monthly_budget_usd: float | None = None,
    actor: Actor | None = None,
) -> None:
    """An admin's override of a person's role and/or monthly budget (stored; wins over the secrets file), audited."""
    actor = require(actor, "manage_access")
    user_id = user_id.strip()
    if not user_id:
        raise InvalidInput("name the person (their e-mail, or their CLI user name)")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"{role!r} is not a role; use one of {', '.join(ROLES)}")
    if monthly_budget_usd is not None and not monthly_budget_usd >= 0:
        raise InvalidInput(f"{monthly_budget_usd!r} is not a monthly budget: give an amount in USD, 0 or more")
    previous = access_store.latest_override(con, user_id) or {}
    role = role if role is not None else previous.get("role")
    budget = monthly_budget_usd if monthly_budget_usd is not None else previous.get("monthly_budget_usd")
    with transaction(con) as cur:
        access_store.add_override(cur, user_id, role, budget, actor.user_id, datetime.now(UTC).replace(tzinfo=None))
        audit.record(cur, actor, "manage_access", user_id, {"role": role, "monthly_budget_usd": budget})


def access_report(con: duckdb.DuckDBPyConnection, month: str | None = None, *, actor: Actor | None) -> dict:
    """The effective rules and each person's spend in a month, as a person reads them (``access show``): an admin's
    action (read_audit), since it names everyone's role, budget and spend."""
    require(actor, "read_audit")
    return {"rules": effective_rules(con), "spend": spend_by_person(con, month)}


def effective_rules(con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """The mode, the rules from the secrets file and the admins' stored overrides (never a secret)."""
    config = rules()
    stored = [] if con is None else access_store.overrides(con).to_dict("records")
    return {
        "mode": "team" if team_mode() else "local",
        "secrets_file": str(secrets_path()),
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()},
        "overrides": stored,
    }
