"""Roles, budgets and the audit trail on the shared store (DuckLake on a real PostgreSQL): no keys needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import routeboard
from routeboard.store.connection import transaction
from routeboard.store.runs import insert_run
from routeboard.team import access, audit
from routeboard.team.access import Actor
from tests.servers.postgres import postgres  # noqa: F401  (session fixture)
from tests.store.test_ducklake import lake_env  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(180)


def test_overrides_spend_and_trail_on_the_shared_store(lake_env, tmp_path, monkeypatch):  # noqa: F811
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[auth]\n[routeboard.access]\nmonthly_budget_usd = 10.0\n")
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))
    con = routeboard.connect()
    ann = Actor("ann@example.com", "Ann", "admin", "oidc")
    access.set_access(con, "ben@example.com", role="analyst", actor=ann)
    access.set_access(con, "ben@example.com", monthly_budget_usd=4.0, actor=ann)  # the latest row wins, role kept
    ben = access.actor_for(con, "ben@example.com")
    assert ben.role == "analyst"
    now = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con) as cur:
        insert_run(cur, "r1", {}, {}, status="completed", launched_by="ben@example.com")
        cur.execute(
            "INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms, "
            "input_tokens, output_tokens, cost_usd, infra_usd, request_hash, cached, tokens_estimated) "
            "VALUES ('r1', 's@1', 't1', 'm', 1, 1, ?, 10, 1, 1, 1.5, 0, 'h', false, false)",
            [now],
        )
        audit.record(cur, ben, "launch_run", "r1", {"models": ["m"]})
    assert access.remaining_budget_usd(con, ben) == pytest.approx(2.5)
    trail = audit.trail(con)
    assert list(trail["action"]) == ["launch_run", "manage_access", "manage_access"]
    assert trail.iloc[0]["spend_usd"] == pytest.approx(1.5)
    row = access.spend_by_person(con).set_index("user_id").loc["ben@example.com"]
    assert (row["spend_usd"], row["budget_usd"], row["runs"]) == (pytest.approx(1.5), 4.0, 1)
    con.close()
