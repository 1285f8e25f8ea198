"""The CLI in a team: `--user`/ROUTEBOARD_USER names who acts, roles and budgets refuse in one line, `audit` and
`access show` print the trail and the effective rules (never a secret)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

TEAM = """
OPENAI_API_KEY = "sk-team-key-never-shown-0123456789"
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "cookie-secret-never-shown"
[routeboard.access]
users = { "ann@example.com" = "admin", "ben@example.com" = "analyst" }
domains = { "example.com" = "reviewer" }
monthly_budget_usd = 20.0
"""


@pytest.fixture
def team(tmp_path):
    """The environment of a team deployment's CLI (an [auth] section in the secrets file)."""
    path = tmp_path / "secrets.toml"
    path.write_text(TEAM)
    return {"ROUTEBOARD_SECRETS": str(path), "ROUTEBOARD_USER": None}


def _audit(env: dict, *args: str) -> list[dict]:
    shown = run_cli("--user", "ann@example.com", "audit", "--json", *args, env=env)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_local_mode_needs_no_user_and_names_one_given(tmp_path):
    env = {"ROUTEBOARD_SECRETS": str(tmp_path / "none.toml"), "ROUTEBOARD_USER": None}
    assert run_cli("sample", "add", env=env).returncode == 0
    assert run_cli("--user", "dana", "sample", "remove", env=env).returncode == 0
    rows = json.loads(run_cli("audit", "--json", env=env).stdout)
    assert [(r["user_id"], r["via"], r["action"]) for r in rows] == [
        ("dana", "local", "manage_sample"),
        ("local", "local", "manage_sample"),
    ]
    assert rows[0]["detail"]["removed"]["runs"] == 1


def test_team_mode_requires_a_user_and_refuses_a_viewer_in_one_line(team):
    nobody = run_cli("sample", "add", env=team)
    assert nobody.returncode == 2
    assert nobody.stderr.strip().startswith("error: sign-in is configured") and "--user" in nobody.stderr
    viewer = run_cli("sample", "add", env={**team, "ROUTEBOARD_USER": "vic@elsewhere.org"})
    assert viewer.returncode == 2
    assert viewer.stderr == (
        "error: vic@elsewhere.org (viewer) may not add or remove the sample workspace; "
        "ask an admin for the analyst role\n"
    )
    assert _audit(team) == []  # nothing was done, so nothing is audited


def test_an_analyst_over_budget_is_refused_before_any_call(team):
    assert run_cli("--user", "ann@example.com", "suites", "import", "--shipped", env=team).returncode == 0
    assert run_cli("--user", "ann@example.com", "access", "set", "ben@example.com", "--budget-usd", "0.00001",
                   env=team).returncode == 0  # fmt: skip
    # a call would go nowhere (port 9); the refusal must come first
    env = {**team, "OPENAI_API_KEY": "sk-placeholder", "OPENAI_API_BASE": "http://127.0.0.1:9/v1"}
    run = ("run", "--suite", "financial-analysis", "--model", "openai/gpt-4.1-nano", "--limit", "5", "--json")
    shown = run_cli("--user", "ben@example.com", *run, env=env)
    assert shown.returncode == 2, shown.stdout
    left = "ben@example.com (analyst) has $0.00001 of $0.00001 left this month; the run may cost up to $0.000"
    assert left in shown.stderr
    assert json.loads(run_cli("--user", "ben@example.com", "runs", "list", "--json", env=env).stdout) == []
    assert [(r["user_id"], r["action"], r["target"]) for r in _audit(team, "--action", "manage_access")] == [
        ("ann@example.com", "manage_access", "ben@example.com")
    ]


def test_access_show_prints_rules_overrides_and_spend_but_no_secret(team):
    run_cli("--user", "ann@example.com", "access", "set", "cat@example.com", "--role", "analyst", env=team)
    refused = run_cli("--user", "ben@example.com", "access", "show", env=team)  # everyone's spend: an admin's read
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (
        "error: ben@example.com (analyst) may not read the audit trail, roles and everyone's spend; "
        "ask an admin for the admin role\n"
    )
    shown = run_cli("--user", "ann@example.com", "access", "show", "--json", env=team)
    assert shown.returncode == 0, shown.stderr
    rules = json.loads(shown.stdout)
    assert rules["mode"] == "team" and rules["monthly_budget_usd"] == 20.0
    assert rules["users"] == {"ann@example.com": "admin", "ben@example.com": "analyst"}
    assert [(o["user_id"], o["role"], o["updated_by"]) for o in rules["overrides"]] == [
        ("cat@example.com", "analyst", "ann@example.com")
    ]
    assert [(p["user_id"], p["role"], p["budget_usd"]) for p in rules["spend"]] == [
        ("cat@example.com", "analyst", 20.0)
    ]
    table = run_cli("--user", "ann@example.com", "access", "show", env={**team, "COLUMNS": "200"})
    for text in (shown.stdout, table.stdout, table.stderr):
        assert "never-shown" not in text


def test_only_an_admin_sets_access_and_audit_filters(team):
    refused = run_cli("--user", "ben@example.com", "access", "set", "ben@example.com", "--role", "admin", env=team)
    assert refused.returncode == 2 and "may not manage roles and budgets" in refused.stderr
    run_cli("--user", "ann@example.com", "access", "set", "ben@example.com", "--budget-usd", "5", env=team)
    assert len(_audit(team, "--user", "ann@example.com")) == 1
    assert _audit(team, "--user", "ben@example.com") == []
    assert _audit(team, "--since", "2999-01-01") == []
    bad = run_cli("--user", "ann@example.com", "audit", "--since", "yesterday", env=team)
    assert bad.returncode == 2 and "is not a date" in bad.stderr
