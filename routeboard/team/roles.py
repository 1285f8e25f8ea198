"""Who may do what: roles from the secrets file (or an admin's override), checked in the core, and personal
monthly budgets (docs/design.md, "A team's deployment").

Without an [auth] section in the secrets file routeboard is in local single-user mode: everyone is ``LOCAL``
(an admin) and budgets do not apply. With it, every action needs a signed-in actor whose role allows it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb

from routeboard.errors import InvalidInput, Refused
from routeboard.settings import secrets_config, secrets_path
from routeboard.store import access as access_store

ROLES = ("viewer", "reviewer", "analyst", "admin")  # each role can do everything the previous can
# Who may do what: THE rule (docs/design.md, "A team's deployment"). Every action the app or the CLI can take is
# one of these, checked by ``require`` in the core function that performs it; the README's roles table is
# generated from it (tests/team/test_action_table.py checks both).
ACTIONS: dict[str, str] = {
    "view": "viewer",
    "play_whatif": "viewer",
    "save_scenario": "analyst",
    "see_content": "reviewer",  # content, by default; the content_roles setting decides (CONTENT)
    "see_model_outputs": "analyst",  # content beside the model and run that wrote it: unblinds a reviewer
    "review": "reviewer",
    "promote_references": "analyst",  # a new suite version from people's accepted outputs
    "upload_suite": "analyst",
    "import_results": "analyst",
    "launch_run": "analyst",
    "cancel_run": "analyst",  # their own runs; an admin any run
    "resume_run": "analyst",  # their own runs, as cancel_run
    "change_suite_settings": "admin",
    "manage_models": "admin",
    "give_key": "admin",  # a key given in the app serves everyone's runs in that app process
    "manage_access": "admin",
    "read_audit": "admin",
    "compact_store": "admin",
    "manage_sample": "analyst",
}
# actions that only read: they leave no audit row (every other action writes one where it happens)
READS = ("view", "play_whatif", "see_content", "see_model_outputs", "read_audit")
WORDS = {
    "view": "view results",
    "play_whatif": "play what-if",
    "save_scenario": "save scenarios",
    "see_content": "see task inputs and outputs",
    "see_model_outputs": "see outputs beside the model and run that wrote them",
    "review": "review outputs",
    "promote_references": "promote reviewed outputs to a suite's answer key",
    "upload_suite": "upload suites",
    "import_results": "import results",
    "launch_run": "launch runs",
    "cancel_run": "cancel runs",
    "resume_run": "resume runs",
    "change_suite_settings": "change a suite's bar, constraints or graders",
    "manage_models": "manage models, prices and keys",
    "give_key": "give the app an API key",
    "manage_access": "manage roles and budgets",
    "read_audit": "read the audit trail, roles and everyone's spend",
    "compact_store": "compact the shared store",
    "manage_sample": "add or remove the sample workspace",
}
# an analyst acts on their own runs only (a resumed run's spend counts against its launcher's budget); an admin any
OWN_RUNS = {"cancel_run": "cancel", "resume_run": "resume"}
DEFAULT_CONTENT_ROLES = ("reviewer", "analyst", "admin")
CONTENT = ("see_content", "see_model_outputs")  # task content: the content_roles setting narrows who may
USER_ENV = "ROUTEBOARD_USER"


@dataclass(frozen=True)
class Actor:
    """The person behind an action: their id (e-mail, or a CLI user name), display name, role and how they came."""

    user_id: str
    name: str
    role: str
    via: str  # local | oidc | cli


LOCAL = Actor("local", "local user", "admin", "local")


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
    """Whether the role may do the action at all (cancel_run: at least their own runs); task content also needs a
    role the content_roles setting names."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor.via == "local":
        return True
    if action in CONTENT:
        return actor.role in _content_roles(action)
    return ROLES.index(actor.role) >= ROLES.index(ACTIONS[action])


def least_role(action: str) -> str:
    """The least role that may do the action, the content_roles setting included (``admin`` when it names none)."""
    if action not in CONTENT:
        return ACTIONS[action]
    return min(_content_roles(action), key=ROLES.index, default="admin")


def _content_roles(action: str) -> tuple[str, ...]:
    """The roles that may see content: those content_roles names (it decides see_content, reviewer by default);
    for a content action with a higher least role, those of them at least that role."""
    named = rules()["content_roles"]
    if action == "see_content":
        return named
    return tuple(r for r in named if ROLES.index(r) >= ROLES.index(ACTIONS[action]))


def require(
    actor: Actor | None, action: str, *, con: duckdb.DuckDBPyConnection | None = None, target: str | None = None
) -> Actor:
    """Raise Refused unless the actor may do the action (on ``target``, for cancel_run a run id); returns the actor."""
    actor = resolve(actor)
    if not allowed(actor, action):
        raise Refused(
            f"{actor.name} ({actor.role}) may not {WORDS[action]}; ask an admin for the {least_role(action)} role"
        )
    if action in OWN_RUNS and actor.role != "admin" and con is not None and target is not None:
        launcher = access_store.run_launcher(con, target)
        if launcher is None or launcher.lower() != actor.user_id.lower():
            verb = OWN_RUNS[action]
            raise Refused(
                f"{actor.name} ({actor.role}) may {verb} only runs they launched; run {target} was launched by "
                f"{launcher or 'someone else'} (an admin may {verb} any run)"
            )
    return actor
