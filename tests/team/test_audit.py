"""The audit trail (routeboard/team/audit.py): who, what, when and spend, with secrets never reaching the file."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from routeboard import secrets
from routeboard.store.connection import transaction
from routeboard.store.runs import insert_run
from routeboard.team import access, audit
from routeboard.team.access import LOCAL, Actor

KEY = "sk-proj-Abcdefghijklmnop1234567890"
ENV_KEY = "AIza-not-shaped-like-anything-known-42"  # found only because an env var holds it


@pytest.fixture(autouse=True)
def local_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "no-secrets.toml"))


def _file_rows(path) -> list[tuple]:
    """The audit rows as they sit in the database file (a fresh connection, read-only)."""
    with duckdb.connect(str(path), read_only=True) as reader:
        return reader.execute("SELECT user_id, role, via, action, target, detail, spend_usd FROM audit_log").fetchall()


def test_secrets_are_stored_as_secret(con, isolated_db, monkeypatch):
    monkeypatch.setenv("MYCORP_API_KEY", ENV_KEY)
    ben = Actor("ben@example.com", "Ben", "analyst", "oidc")
    audit.record(
        con,
        ben,
        "manage_models",
        "openai/gpt-4o",
        {"note": f"pasted {KEY} by mistake", "env": f"key={ENV_KEY}", "api_key": "anything", "price": 2.5},
    )
    con.close()
    text = json.dumps(_file_rows(isolated_db), default=str)
    assert KEY not in text and ENV_KEY not in text and "anything" not in text
    ((user_id, role, via, action, target, detail, spend_usd),) = _file_rows(isolated_db)
    assert (user_id, role, via, action, target) == (
        "ben@example.com",
        "analyst",
        "oidc",
        "manage_models",
        "openai/gpt-4o",
    )
    assert json.loads(detail) == {"note": "[secret]", "env": "[secret]", "api_key": "[secret]", "price": 2.5}
    assert spend_usd is None


def test_ordinary_details_are_kept():
    assert secrets.scrub({"suite": "emails@1", "bar": 0.9, "models": ["a", "b"], "cost": math.nan}) == {
        "suite": "emails@1",
        "bar": 0.9,
        "models": ["a", "b"],
        "cost": None,  # an unknown number is null, never 0
    }


def test_record_in_the_actions_transaction_rolls_back_with_it(con):
    with pytest.raises(RuntimeError), transaction(con) as cur:
        audit.record(cur, LOCAL, "save_scenario", "cheap")
        raise RuntimeError("the action failed after its audit row")
    assert audit.trail(con).empty


def test_trail_filters_by_time_person_and_action(con):
    ben = Actor("ben@example.com", "Ben", "analyst", "cli")
    audit.record(con, ben, "launch_run", "r1", {"models": ["m"]}, spend_usd=1.25)
    audit.record(con, LOCAL, "save_scenario", "cheap")
    frame = audit.trail(con)
    assert list(frame["action"]) == ["save_scenario", "launch_run"]  # newest first
    assert frame.iloc[1]["spend_usd"] == 1.25 and frame.iloc[1]["via"] == "cli"
    assert list(audit.trail(con, user_id="BEN@example.com")["target"]) == ["r1"]
    assert list(audit.trail(con, action="save_scenario")["user_id"]) == ["local"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert audit.trail(con, since=tomorrow).empty
    assert len(audit.trail(con, since=str(tomorrow - timedelta(days=2)))) == 2


def test_spend_by_person_in_team_mode(con, tmp_path, monkeypatch):
    secrets = tmp_path / "team.toml"
    secrets.write_text('[auth]\n[routeboard.access]\nmonthly_budget_usd = 50.0\nusers = { "ben@x.com" = "analyst" }\n')
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))
    now = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con) as cur:
        for run_id, cost in (("r1", 2.0), ("r2", 1.5)):
            insert_run(cur, run_id, {}, {}, status="completed", launched_by="ben@x.com")
            cur.execute(
                "INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms, "
                "input_tokens, output_tokens, cost_usd, infra_usd, request_hash) "
                "VALUES (?, 's@1', 't1', 'm', 1, 1, ?, 10, 1, 1, ?, 0.25, 'h')",
                [run_id, now, cost],
            )
        insert_run(cur, "imp", {}, {}, status="imported", launched_by="ben@x.com")  # an import spends nothing
    frame = access.spend_by_person(con)
    row = frame.set_index("user_id").loc["ben@x.com"]
    assert (row["role"], row["spend_usd"], row["budget_usd"], row["runs"]) == ("analyst", 4.0, 50.0, 2)


def test_values_of_the_secrets_file_are_stored_as_secret(con, isolated_db, tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'MYCORP_TOKEN = "tok-file-only-0123456789"\n[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
        'cookie_secret = "cookie-0123456789"\n[auth.google]\nclient_secret = "client-secret-0123456789"\n'
    )
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))
    audit.record(con, LOCAL, "sign_in", detail={"said": "tok-file-only-0123456789", "c": "x client-secret-0123456789",
                                                 "back": "http://localhost:8501/oauth2callback"})  # fmt: skip
    con.close()
    ((*_, detail, _spend),) = _file_rows(isolated_db)
    assert json.loads(detail) == {"said": "[secret]", "c": "[secret]", "back": "http://localhost:8501/oauth2callback"}
