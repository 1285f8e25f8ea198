"""Who may do what: roles from the secrets file (or an admin's override), checked in the core, and personal
monthly budgets (docs/design.md, "A team's deployment").

Without an [auth] section in the secrets file routeboard is in local single-user mode: everyone is ``LOCAL``
(an admin) and budgets do not apply. With it, every action needs a signed-in actor whose role allows it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from routeboard.errors import InvalidInput, Refused
from routeboard.settings import secrets_config, secrets_path
from routeboard.store import access as access_store

ROLES = ("viewer", "reviewer", "analyst", "admin")  # each role can do everything the previous can
ACTIONS: dict[str, str] = {
    "view": "viewer",
    "play_whatif": "viewer",
    "save_scenario": "analyst",
    "see_content": "reviewer",  # the least role by default; the content_roles setting decides
    "review": "reviewer",
    "upload_suite": "analyst",
    "import_results": "analyst",
    "launch_run": "analyst",
    "cancel_run": "analyst",  # their own runs; an admin any run
    "resume_run": "analyst",  # their own runs, as cancel_run
    "change_suite_settings": "admin",
    "manage_models": "admin",
    "manage_access": "admin",
    "manage_sample": "analyst",
}
WORDS = {
    "view": "view results",
    "play_whatif": "play what-if",
    "save_scenario": "save scenarios",
    "see_content": "see task inputs and outputs",
    "review": "review outputs",
    "upload_suite": "upload suites",
    "import_results": "import results",
    "launch_run": "launch runs",
    "cancel_run": "cancel runs",
    "resume_run": "resume runs",
    "change_suite_settings": "change a suite's bar, constraints or graders",
    "manage_models": "manage models, prices and keys",
    "manage_access": "manage roles and budgets",
    "manage_sample": "add or remove the sample workspace",
}
# an analyst acts on their own runs only (a resumed run's spend counts against its launcher's budget); an admin any
OWN_RUNS = {"cancel_run": "cancel", "resume_run": "resume"}
DEFAULT_CONTENT_ROLES = ("reviewer", "analyst", "admin")
USER_ENV = "ROUTEBOARD_USER"


@dataclass(frozen=True)
class Actor:
    """The person behind an action: their id (e-mail, or a CLI user name), display name, role and how they came."""

    user_id: str
    name: str
    role: str
    via: str  # local | oidc | cli


LOCAL = Actor("local", "local user", "admin", "local")


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


def team_mode() -> bool:
    """Sign-in is configured: the secrets file has an [auth] section."""
    return secrets_config().auth


def rules() -> dict:
    """The [routeboard.access] table, checked: every role named is one of ROLES and every budget an amount."""
    raw = secrets_config().access
    where = f"{secrets_path()} [routeboard.access]"

    def role(value, key: str) -> str:
        if value not in ROLES:
            raise InvalidInput(f"{where} {key}: {value!r} is not a role; use one of {', '.join(ROLES)}")
        return value

    def table(key: str) -> dict[str, str]:
        found = raw.get(key) or {}
        if not isinstance(found, dict):
            raise InvalidInput(f"{where} {key}: expected a table of name = role")
        return {str(name).lower(): role(value, f"{key}.{name}") for name, value in found.items()}

    def amount(value, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise InvalidInput(f"{where} {key}: {value!r} is not an amount in USD")
        return float(value)

    content = raw.get("content_roles", DEFAULT_CONTENT_ROLES)
    budgets = raw.get("budgets") or {}
    return {
        "default_role": role(raw.get("default_role", "viewer"), "default_role"),
        "users": table("users"),
        "domains": table("domains"),
        "groups": table("groups"),
        "content_roles": tuple(role(r, "content_roles") for r in content),
        "monthly_budget_usd": amount(raw.get("monthly_budget_usd"), "monthly_budget_usd"),
        "budgets": {str(k).lower(): amount(v, f"budgets.{k}") for k, v in budgets.items()},
    }


def role_for(con: duckdb.DuckDBPyConnection | None, user_id: str, groups=()) -> tuple[str, str]:
    """A person's role and the rule that gave it; the most specific wins: stored > users > groups > domains >
    default_role."""
    config = rules()
    stored = access_store.latest_override(con, user_id) if con is not None else None
    if stored and stored["role"]:
        return stored["role"], f"set by {stored['updated_by']}"
    key = user_id.lower()
    if key in config["users"]:
        return config["users"][key], "users"
    matched = [config["groups"][g.lower()] for g in groups or () if g.lower() in config["groups"]]
    if matched:
        return max(matched, key=ROLES.index), "groups"
    domain = key.rsplit("@", 1)[1] if "@" in key else None
    if domain in config["domains"]:
        return config["domains"][domain], "domains"
    return config["default_role"], "default_role"


def actor_for(
    con: duckdb.DuckDBPyConnection | None, user_id: str, name: str | None = None, groups=(), via: str = "oidc"
) -> Actor:
    """The actor for a signed-in identity, its role from the rules (an admin's stored override first)."""
    user_id = user_id.strip()
    if not user_id:
        raise Refused("sign in first: no user given")
    return Actor(user_id, name or user_id, role_for(con, user_id, groups)[0], via)


def cli_actor(con: duckdb.DuckDBPyConnection | None, user: str | None) -> Actor:
    """The CLI's actor: LOCAL in local mode (named ``user`` if given); in team mode ``--user``/ROUTEBOARD_USER is
    required and mapped like a sign-in."""
    user = user or os.environ.get(USER_ENV) or None
    if not team_mode():
        return Actor(user, user, "admin", "local") if user else LOCAL
    if not user:
        raise Refused(f"sign-in is configured ({secrets_path()}): name yourself with --user EMAIL or {USER_ENV}")
    return actor_for(con, user, via="cli")


def resolve(actor: Actor | None) -> Actor:
    """The actor an action runs as: None is LOCAL in local mode and refused in team mode."""
    if actor is not None:
        return actor
    if team_mode():
        raise Refused("sign in first: this routeboard is shared by a team and every action needs a person")
    return LOCAL


def allowed(actor: Actor, action: str) -> bool:
    """Whether the role may do the action at all (cancel_run: at least their own runs)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action == "see_content":
        return actor.via == "local" or actor.role in rules()["content_roles"]
    return ROLES.index(actor.role) >= ROLES.index(ACTIONS[action])


def require(
    actor: Actor | None, action: str, *, con: duckdb.DuckDBPyConnection | None = None, target: str | None = None
) -> Actor:
    """Raise Refused unless the actor may do the action (on ``target``, for cancel_run a run id); returns the actor."""
    actor = resolve(actor)
    if not allowed(actor, action):
        least = ACTIONS[action] if action != "see_content" else _least(rules()["content_roles"])
        raise Refused(f"{actor.name} ({actor.role}) may not {WORDS[action]}; ask an admin for the {least} role")
    if action in OWN_RUNS and actor.role != "admin" and con is not None and target is not None:
        launcher = access_store.run_launcher(con, target)
        if launcher is None or launcher.lower() != actor.user_id.lower():
            verb = OWN_RUNS[action]
            raise Refused(
                f"{actor.name} ({actor.role}) may {verb} only runs they launched; run {target} was launched by "
                f"{launcher or 'someone else'} (an admin may {verb} any run)"
            )
    return actor


def _least(roles) -> str:
    return min(roles, key=ROLES.index) if roles else "admin"


def _month_bounds(month: str | None) -> tuple[str, datetime, datetime]:
    if month is None:
        month = datetime.now(timezone.utc).strftime("%Y-%m")
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
            f"${status.budget_usd:,.2f} monthly budget is unknown; ask an admin to set its price or your budget"
        )
    left = status.remaining_usd
    if planned_usd is None or (isinstance(planned_usd, float) and math.isnan(planned_usd)):
        raise Refused(f"{who}: the run's cost is unknown (a model has no price), so it cannot be held to a budget")
    if left <= 0 or planned_usd > left + 1e-9:
        raise Refused(
            f"{who} has ${max(left, 0):,.2f} of ${status.budget_usd:,.2f} left this month; "
            f"the run may cost up to ${planned_usd:,.2f}"
        )
    return left


def set_access(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    *,
    role: str | None = None,
    monthly_budget_usd: float | None = None,
    actor: Actor | None = None,
) -> None:
    """An admin's override of a person's role and/or monthly budget (stored; wins over the secrets file), audited."""
    from routeboard import audit
    from routeboard.store import transaction

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
        access_store.add_override(
            cur, user_id, role, budget, actor.user_id, datetime.now(timezone.utc).replace(tzinfo=None)
        )
        audit.record(cur, actor, "manage_access", user_id, {"role": role, "monthly_budget_usd": budget})


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
