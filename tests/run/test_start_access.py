"""Runs in a team: who may launch, resume and cancel, budgets checked before any call, and the audit rows."""

from __future__ import annotations

import pytest

from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import Refused
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from routeboard.run.start import authorize_cancel, cancel_stale_run, resume_run, start_run
from routeboard.settings import secrets_config
from routeboard.store.runs import get_run
from routeboard.team import access, audit
from routeboard.team.access import Actor
from tests.conftest import echo_suite
from tests.fakes import FakeProvider, install_fake

BEN = Actor("ben@example.com", "Ben", "analyst", "oidc")
CAT = Actor("cat@example.com", "Cat", "analyst", "oidc")
ANN = Actor("ann@example.com", "Ann", "admin", "oidc")
VIC = Actor("vic@example.com", "Vic", "viewer", "oidc")


@pytest.fixture
def team(con, tmp_path, monkeypatch):
    """A priced fake model and a 20-task suite (set up in local mode), then a team with Ben's budget set."""
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "none.toml"))
    save_suite(
        con,
        echo_suite(20),
    )
    add_model(con, "fake/model", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))

    def budget(usd: float):
        secrets.write_text(f"[auth]\n[routeboard.access]\nmonthly_budget_usd = {usd}\n")
        secrets_config()  # (cached per file version)

    budget(1.0)
    return con, budget


def request(**kw) -> RunRequest:
    base = dict(suites=("echo",), models=("fake/model",), settings=GenerationSettings(max_output_tokens=10))
    return RunRequest(**{**base, **kw})


def _audit_actions(con) -> list[tuple]:
    return con.execute(
        "SELECT user_id, action, target FROM audit_log WHERE user_id <> 'local' ORDER BY \"at\""
    ).fetchall()


def test_an_analyst_over_budget_is_refused_before_any_call(team):
    con, budget = team
    budget(0.000001)  # less than the run's estimate
    fake = install_fake(FakeProvider())
    runs_before = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    # what is left and what the run may cost at their own precision: never "$0.00 of $0.00" for a budget of $0.000001
    left = r"Ben \(analyst\) has \$0.000001 of \$0.000001 left this month; the run may cost up to \$0.000"
    with pytest.raises(Refused, match=left):
        start_run(con, request(), actor=BEN)
    assert fake.calls == []
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == runs_before
    assert _audit_actions(con) == []


def test_a_cap_above_what_is_left_is_refused(team):
    con, _ = team
    fake = install_fake(FakeProvider())
    with pytest.raises(Refused, match=r"has \$1.00 of \$1.00 left this month; the run may cost up to \$5.00"):
        start_run(con, request(budget_usd=5.0), actor=BEN)
    assert fake.calls == []


def test_a_viewer_may_not_launch_and_nothing_is_written(team):
    con, _ = team
    fake = install_fake(FakeProvider())
    with pytest.raises(Refused, match=r"^Vic \(viewer\) may not launch runs; ask an admin for the analyst role$"):
        start_run(con, request(), actor=VIC)
    assert fake.calls == [] and con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_an_analysts_run_is_attributed_capped_audited_and_counted(team):
    con, _ = team
    fake = install_fake(FakeProvider())
    runner = start_run(con, request(), actor=BEN)
    progress = runner.run()
    assert progress.done == 20 and len(fake.calls) == 20
    run = get_run(con, runner.run_id)
    assert run["launched_by"] == "ben@example.com"
    assert run["budget_usd"] == pytest.approx(1.0)  # no cap given: capped at what was left this month
    assert _audit_actions(con) == [("ben@example.com", "launch_run", runner.run_id)]
    [launch] = audit.trail(con, action="launch_run").to_dict("records")
    assert launch["spend_usd"] == pytest.approx(progress.spend_usd)  # what the launch has spent, read now
    spent = progress.spend_usd
    assert spent > 0
    assert access.remaining_budget_usd(con, BEN) == pytest.approx(1.0 - spent)
    row = access.spend_by_person(con).set_index("user_id").loc["ben@example.com"]
    assert (row["spend_usd"], row["budget_usd"], row["runs"]) == (pytest.approx(spent), 1.0, 1)


def test_cancel_and_resume_are_for_the_runs_owner_or_an_admin(team):
    con, _ = team
    install_fake(FakeProvider())
    runner = start_run(con, request(limit=2), actor=BEN)  # never run: its process "went away"
    with pytest.raises(Refused, match="may cancel only runs they launched"):
        cancel_stale_run(con, runner.run_id, actor=CAT)
    with pytest.raises(Refused, match="may resume only runs they launched"):
        resume_run(con, runner.run_id, actor=CAT)
    assert get_run(con, runner.run_id)["status"] == "running"
    assert "marked cancelled" in cancel_stale_run(con, runner.run_id, actor=ANN)
    resumed = resume_run(con, runner.run_id, actor=BEN)
    assert resumed.run().done == 2
    assert [a for _, a, _ in _audit_actions(con)] == ["launch_run", "cancel_run", "resume_run"]


def test_local_mode_runs_need_no_actor(con, tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "none.toml"))
    save_suite(con, Suite(name="echo", category="echo", grader=GraderSpec("exact"), bar=0.9,
                          tasks=(Task(id="t1", input="say: 1", expected="1"),)))  # fmt: skip
    add_model(con, "fake/model", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    install_fake(FakeProvider())
    runner = start_run(con, request())
    assert runner.run().done == 1
    assert get_run(con, runner.run_id)["launched_by"] == "local"
    assert get_run(con, runner.run_id)["budget_usd"] is None  # budgets do not apply locally


def test_a_live_cancel_is_checked_and_audited_before_it_is_signalled(team):
    con, _ = team
    install_fake(FakeProvider())
    runner = start_run(con, request(limit=2), actor=BEN)
    with pytest.raises(Refused, match="Vic \\(viewer\\) may not cancel runs"):
        authorize_cancel(con, runner.run_id, actor=VIC)
    with pytest.raises(Refused, match="may cancel only runs they launched"):
        authorize_cancel(con, runner.run_id, actor=CAT)
    assert authorize_cancel(con, runner.run_id, actor=BEN) == BEN
    assert [a for _, a, _ in _audit_actions(con)] == ["launch_run", "cancel_run"]
