"""Roles, their actions and personal budgets (routeboard/team/access.py) against a real secrets file and database."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from routeboard.errors import InvalidInput, Refused
from routeboard.store.connection import transaction
from routeboard.store.runs import insert_run
from routeboard.team import access
from routeboard.team.access import LOCAL, Actor, actor_for, cli_actor, require, require_budget

TEAM = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "not-a-real-secret"

[routeboard.access]
default_role = "viewer"
users = { "ann@example.com" = "admin", "ben@example.com" = "analyst" }
domains = { "example.com" = "reviewer" }
groups = { "routeboard-admins" = "admin", "analysts" = "analyst" }
monthly_budget_usd = 50.0
budgets = { "ben@example.com" = 200.0 }
"""


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    """Write the secrets file the core reads (ROUTEBOARD_SECRETS); returns a writer."""
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(path))
    monkeypatch.delenv("ROUTEBOARD_USER", raising=False)

    def write(text: str):
        path.write_text(text)
        return path

    return write


@pytest.fixture
def team(secrets):
    secrets(TEAM)


def test_local_mode_without_auth_section(secrets, con):
    secrets('[routeboard.access]\ndefault_role = "viewer"\n')  # rules alone do not switch sign-in on
    assert not access.team_mode()
    assert access.resolve(None) == LOCAL
    assert require(None, "manage_access") == LOCAL
    assert cli_actor(con, None) == LOCAL
    assert cli_actor(con, "dana").user_id == "dana" and cli_actor(con, "dana").role == "admin"
    assert access.remaining_budget_usd(con, LOCAL) is None


def test_no_secrets_file_is_local_mode(secrets):
    assert not access.team_mode()


def test_rule_precedence_stored_users_groups_domains_default(team, con):
    assert actor_for(con, "ann@example.com").role == "admin"  # users
    assert actor_for(con, "Ben@Example.com").role == "analyst"  # users, whatever the case of the address
    assert actor_for(con, "cat@example.com").role == "reviewer"  # domains
    assert actor_for(con, "cat@example.com", groups=["analysts"]).role == "analyst"  # groups beat domains
    assert actor_for(con, "ben@example.com", groups=["routeboard-admins"]).role == "analyst"  # users beat groups
    assert actor_for(con, "dan@elsewhere.org").role == "viewer"  # default_role
    access.set_access(con, "ben@example.com", role="viewer", actor=actor_for(con, "ann@example.com"))
    assert actor_for(con, "ben@example.com").role == "viewer"  # a stored override beats the file
    access.set_access(con, "ben@example.com", role="reviewer", actor=actor_for(con, "ann@example.com"))
    assert actor_for(con, "ben@example.com").role == "reviewer"  # the latest override wins


def test_unknown_role_in_the_file_is_a_clear_error(secrets):
    secrets('[auth]\n[routeboard.access]\nusers = { "a@x.com" = "superuser" }\n')
    with pytest.raises(InvalidInput, match="'superuser' is not a role"):
        actor_for(None, "a@x.com")


def test_each_role_allowed_and_refused_actions(team):
    allowed = {
        role: {a for a in access.ACTIONS if access.allowed(Actor("x@y.z", "X", role, "oidc"), a)}
        for role in access.ROLES
    }
    assert allowed["viewer"] == {"view", "play_whatif"}
    assert allowed["reviewer"] == {"view", "play_whatif", "review", "see_content"}
    assert allowed["analyst"] - allowed["reviewer"] == {
        "save_scenario",
        "upload_suite",
        "import_results",
        "launch_run",
        "cancel_run",
        "resume_run",
        "manage_sample",
        "promote_references",
        "see_model_outputs",
    }
    assert allowed["admin"] == set(access.ACTIONS)


def test_refusal_message_names_the_person_and_the_role_to_ask_for(team, con):
    viewer = actor_for(con, "dan@elsewhere.org", name="Dan")
    with pytest.raises(Refused, match=r"^Dan \(viewer\) may not launch runs; ask an admin for the analyst role$"):
        require(viewer, "launch_run")


def test_none_actor_in_team_mode_must_sign_in(team):
    with pytest.raises(Refused, match="sign in first"):
        require(None, "view")


def test_content_roles_setting_decides_who_sees_inputs(secrets):
    secrets('[auth]\n[routeboard.access]\ncontent_roles = ["admin"]\n')
    analyst = Actor("b@x.com", "B", "analyst", "oidc")
    with pytest.raises(Refused, match="see task inputs and outputs; ask an admin for the admin role"):
        require(analyst, "see_content")
    require(Actor("a@x.com", "A", "admin", "oidc"), "see_content")


def _run(con, run_id: str, who: str | None, at: datetime, cost_usd: float | None, budget_usd=None):
    """A launched run with one attempt of the given cost, started at ``at`` (UTC)."""
    with transaction(con) as cur:
        insert_run(cur, run_id, {}, {}, status="completed", budget_usd=budget_usd, launched_by=who)
        cur.execute(
            "INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms, "
            "input_tokens, output_tokens, cost_usd, infra_usd, request_hash) "
            "VALUES (?, 's@1', 't1', 'm', 1, 1, ?, 10, 1, 1, ?, 0, 'h')",
            [run_id, at, cost_usd],
        )


def test_budget_counts_this_month_only(team, con):
    ben = actor_for(con, "ben@example.com")
    now = datetime.now(UTC).replace(tzinfo=None)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    _run(con, "r-last-month", "ben@example.com", month_start.replace(microsecond=0) - _second(), 150.0)
    _run(con, "r-this-month", "ben@example.com", month_start, 30.0)
    _run(con, "r-someone-else", "cat@example.com", now, 99.0)
    assert access.remaining_budget_usd(con, ben) == pytest.approx(170.0)  # 200 personal budget - 30 this month
    last = (month_start - _second()).strftime("%Y-%m")
    assert access.remaining_budget_usd(con, ben, last) == pytest.approx(50.0)
    assert require_budget(con, ben, 170.0) == pytest.approx(170.0)
    with pytest.raises(Refused, match=r"has \$170.00 of \$200.00 left this month; the run may cost up to \$170.50"):
        require_budget(con, ben, 170.5)


def _second():
    from datetime import timedelta

    return timedelta(seconds=1)


def test_default_budget_and_admin_has_none(team, con):
    cat = Actor("cat@example.com", "Cat", "analyst", "oidc")
    assert access.remaining_budget_usd(con, cat) == pytest.approx(50.0)
    assert access.remaining_budget_usd(con, actor_for(con, "ann@example.com")) is None
    assert require_budget(con, actor_for(con, "ann@example.com"), 10_000.0) is None


def test_unknown_run_spend_is_unknown_not_zero(team, con):
    ben = actor_for(con, "ben@example.com")
    now = datetime.now(UTC).replace(tzinfo=None)
    _run(con, "r-capped", "ben@example.com", now, None, budget_usd=25.0)  # unknown cost, but it had a cap
    assert access.remaining_budget_usd(con, ben) == pytest.approx(175.0)  # the cap is the most it spent
    _run(con, "r-unknown", "ben@example.com", now, None)  # unknown cost and no cap
    assert math.isnan(access.remaining_budget_usd(con, ben))
    with pytest.raises(Refused, match="the spend of run r-unknown is unknown"):
        require_budget(con, ben, 1.0)


def test_stored_budget_wins_and_is_audited(team, con):
    ann = actor_for(con, "ann@example.com")
    access.set_access(con, "ben@example.com", monthly_budget_usd=5.0, actor=ann)
    assert access.remaining_budget_usd(con, actor_for(con, "ben@example.com")) == pytest.approx(5.0)
    rows = con.execute("SELECT user_id, action, target FROM audit_log").fetchall()
    assert rows == [("ann@example.com", "manage_access", "ben@example.com")]


def test_only_an_admin_manages_access(team, con):
    with pytest.raises(Refused, match="may not manage roles and budgets"):
        access.set_access(con, "ben@example.com", role="admin", actor=actor_for(con, "ben@example.com"))
    assert con.execute("SELECT count(*) FROM access_overrides").fetchone()[0] == 0


def test_analyst_cancels_only_their_own_runs(team, con):
    now = datetime.now(UTC).replace(tzinfo=None)
    _run(con, "r-ben", "ben@example.com", now, 1.0)
    _run(con, "r-cat", "cat@example.com", now, 1.0)
    ben = actor_for(con, "ben@example.com")
    require(ben, "cancel_run", con=con, target="r-ben")
    with pytest.raises(Refused, match="may cancel only runs they launched; run r-cat was launched by cat@example.com"):
        require(ben, "cancel_run", con=con, target="r-cat")
    require(actor_for(con, "ann@example.com"), "cancel_run", con=con, target="r-cat")


def test_cli_actor_in_team_mode(team, con, monkeypatch):
    with pytest.raises(Refused, match="--user"):
        cli_actor(con, None)
    monkeypatch.setenv("ROUTEBOARD_USER", "ben@example.com")
    assert cli_actor(con, None) == Actor("ben@example.com", "ben@example.com", "analyst", "cli")
