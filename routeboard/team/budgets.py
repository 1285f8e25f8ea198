"""Personal monthly budgets: what a person may still spend on runs, checked before any call (docs/design.md,
"A team's deployment")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

from routeboard.errors import InvalidInput, Refused
from routeboard.present import money
from routeboard.store import access as access_store
from routeboard.team.roles import ROLES, Actor, resolve, role_for, rules, team_mode

if TYPE_CHECKING:  # pandas loads only when a frame is asked for
    import pandas as pd


@dataclass(frozen=True)
class BudgetStatus:
    """A person's month: their budget, what they spent (NaN when a run's spend is unknown) and what is left."""

    user_id: str
    month: str  # YYYY-MM (UTC)
    budget_usd: float | None  # None: no budget applies
    spent_usd: float
    runs: int
    unknown_run: str | None = None  # a run whose spend is unknown, when there is one

    @property
    def remaining_usd(self) -> float | None:
        return None if self.budget_usd is None else self.budget_usd - self.spent_usd


def _month_bounds(month: str | None) -> tuple[str, datetime, datetime]:
    if month is None:
        month = datetime.now(UTC).strftime("%Y-%m")
    try:
        start = datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise InvalidInput(f"{month!r} is not a month: use YYYY-MM") from None
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return month, start, end


def budget_of(con: duckdb.DuckDBPyConnection | None, actor: Actor) -> float | None:
    """A person's monthly budget in USD: an admin's stored value, else budgets, else monthly_budget_usd; None when
    no budget applies (local mode, an admin, or none configured)."""
    if actor.via == "local" or actor.role == "admin" or not team_mode():
        return None
    stored = access_store.latest_override(con, actor.user_id) if con is not None else None
    if stored and stored["monthly_budget_usd"] is not None:
        return float(stored["monthly_budget_usd"])
    config = rules()
    return config["budgets"].get(actor.user_id.lower(), config["monthly_budget_usd"])


def budget_status(con: duckdb.DuckDBPyConnection, actor: Actor, month: str | None = None) -> BudgetStatus:
    """A person's budget and spend in a month (UTC): their launched runs' spend then."""
    month, start, end = _month_bounds(month)
    rows = access_store.spend(con, start, end, actor.user_id)
    row = rows[0] if rows else {"spend_usd": 0.0, "runs": 0, "unknown_runs": 0, "unknown_run": None}
    spent = math.nan if row["unknown_runs"] else float(row["spend_usd"] or 0.0)
    return BudgetStatus(actor.user_id, month, budget_of(con, actor), spent, int(row["runs"]), row["unknown_run"])


def remaining_budget_usd(con: duckdb.DuckDBPyConnection, actor: Actor, month: str | None = None) -> float | None:
    """What is left of the person's budget this month; None when no budget applies, NaN when a run's spend is
    unknown."""
    status = budget_status(con, actor, month)
    return status.remaining_usd


def require_budget(con: duckdb.DuckDBPyConnection, actor: Actor | None, planned_usd: float | None) -> float | None:
    """Refuse, before any call, a run whose planned cost would pass the person's budget this month; returns what
    is left (None when no budget applies), the cap the run must keep to."""
    actor = resolve(actor)
    status = budget_status(con, actor)
    if status.budget_usd is None:
        return None
    who = f"{actor.name} ({actor.role})"
    if math.isnan(status.spent_usd):
        raise Refused(
            f"{who}: the spend of run {status.unknown_run} is unknown (no price), so what is left of the "
            f"{money(status.budget_usd)} monthly budget is unknown; ask an admin to set its price or your budget"
        )
    left = status.remaining_usd
    if planned_usd is None or (isinstance(planned_usd, float) and math.isnan(planned_usd)):
        raise Refused(f"{who}: the run's cost is unknown (a model has no price), so it cannot be held to a budget")
    if left <= 0 or planned_usd > left + 1e-9:
        raise Refused(
            f"{who} has {money(max(left, 0))} of {money(status.budget_usd)} left this month; "
            f"the run may cost up to {money(planned_usd)}"
        )
    return left


def spend_by_person(con: duckdb.DuckDBPyConnection, month: str | None = None) -> pd.DataFrame:
    """Per person who launched runs in the month (UTC) or has an override: user_id, role, spend_usd (NaN when a
    run's spend is unknown), budget_usd (NaN: no budget applies) and runs."""
    import pandas as pd

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
