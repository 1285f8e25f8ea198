"""Every core action checks the actor's role itself: a viewer calling one directly is refused and nothing is
written; in local mode no actor is needed; in team mode an action without one asks to sign in."""

from __future__ import annotations

import pytest

from routeboard.catalog import models as catalog
from routeboard.decide.scenario import Scenario, save_scenario
from routeboard.domain import GraderSpec
from routeboard.errors import Refused, ReviewError
from routeboard.imports import sample
from routeboard.imports.logs import import_log
from routeboard.imports.results import import_results
from routeboard.library import import_shipped, save_suite, update_suite_settings
from routeboard.review import labels, references
from routeboard.review import queue as review
from routeboard.review import sheets as review_sheet
from routeboard.review.queue import ItemKey
from routeboard.review.record import record_review
from routeboard.run import estimate
from routeboard.team import access
from routeboard.team.access import Actor
from tests.conftest import echo_suite

VIEWER = Actor("vic@example.com", "Vic", "viewer", "oidc")
REVIEWER = Actor("rae@example.com", "Rae", "reviewer", "oidc")
ANALYST = Actor("ben@example.com", "Ben", "analyst", "oidc")
SUITE = echo_suite(3)
CSV = b"task_id,model,output,correct\nt1,acme/x,1,true\n"


@pytest.fixture
def team(tmp_path, monkeypatch, con):
    """A team deployment (an [auth] section) with one suite already stored by the local admin."""
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "none.toml"))
    save_suite(con, SUITE)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))
    assert access.team_mode()
    return con


def _counts(con) -> dict[str, int]:
    """Rows per table: what a refused action must leave as it was."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t != "_store_gate"}


KEY = ItemKey("r1", "echo@1", "t1", "acme/x", 1)
ACTIONS = {
    "upload_suite": lambda con, a, tmp: save_suite(con, SUITE.__class__(**{**SUITE.__dict__, "bar": 0.8}), actor=a),
    "import_shipped": lambda con, a, tmp: import_shipped(con, actor=a),
    "change_suite_settings": lambda con, a, tmp: update_suite_settings(con, "echo@1", bar=0.5, actor=a),
    "import_results": lambda con, a, tmp: import_results(con, "results.csv", CSV, actor=a),
    "import_log": lambda con, a, tmp: import_log(con, "log.jsonl", b"{}\n", actor=a),
    "save_scenario": lambda con, a, tmp: save_scenario(con, Scenario(name="cheap"), actor=a),
    "record_review": lambda con, a, tmp: record_review(con, KEY, "Vic", "accepted", actor=a),
    "next_item": lambda con, a, tmp: review.next_item(con, "echo@1", "Vic", actor=a),
    "import_reviews": lambda con, a, tmp: review_sheet.import_reviews(con, _file(tmp, "r.csv", "x"), "Vic", actor=a),
    "export_queue": lambda con, a, tmp: review_sheet.export_queue(con, "echo@1", "Vic", actor=a),
    "sample_add": lambda con, a, tmp: sample.build(con, actor=a),
    "sample_remove": lambda con, a, tmp: sample.remove(con, actor=a),
    "import_labels": lambda con, a, tmp: labels.import_labels(con, "echo", _file(tmp, "l.csv", "x"), actor=a),
    "promote": lambda con, a, tmp: references.promote_references(con, "echo@1", GraderSpec("exact"), actor=a),
    "manage_access": lambda con, a, tmp: access.set_access(con, "vic@example.com", role="admin", actor=a),
    # measuring a local model calls it, as a run does
    "calibrate": lambda con, a, tmp: estimate.calibrate(con, catalog.get_model(con, catalog.EMBEDDED_ID), actor=a),
}


def _file(tmp, name: str, text: str):
    path = tmp / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_viewer_is_refused_every_action_and_nothing_is_written(team, tmp_path, action):
    before = _counts(team)
    with pytest.raises(Refused, match=r"^Vic \(viewer\) may not "):
        ACTIONS[action](team, VIEWER, tmp_path)
    assert _counts(team) == before


@pytest.mark.parametrize("action", ["upload_suite", "save_scenario", "record_review", "sample_add"])
def test_in_team_mode_an_action_without_a_person_asks_to_sign_in(team, tmp_path, action):
    before = _counts(team)
    with pytest.raises(Refused, match="sign in first"):
        ACTIONS[action](team, None, tmp_path)
    assert _counts(team) == before


def test_a_reviewer_reviews_but_may_not_upload_or_change_bars(team, tmp_path):
    with pytest.raises(Refused, match="Rae \\(reviewer\\) may not upload suites; ask an admin for the analyst role"):
        ACTIONS["upload_suite"](team, REVIEWER, tmp_path)
    with pytest.raises(ReviewError, match="not by people"):  # past the role check: the suite is not reviewed
        review.next_item(team, "echo@1", "Rae", actor=REVIEWER)


def test_an_analyst_may_not_change_a_bar_which_stays_as_it_was(team, tmp_path):
    with pytest.raises(Refused, match="change a suite's bar, constraints or graders; ask an admin for the admin role"):
        update_suite_settings(team, "echo@1", bar=0.5, actor=ANALYST)
    assert team.execute("SELECT bar FROM suites WHERE suite_id = 'echo@1'").fetchone()[0] == 0.9


def test_allowed_actions_are_audited_with_who_and_what(team, tmp_path):
    admin = Actor("ann@example.com", "Ann", "admin", "oidc")
    save_scenario(team, Scenario(name="cheap"), actor=ANALYST)
    update_suite_settings(team, "echo@1", bar=0.95, actor=admin)
    result = save_suite(team, SUITE.__class__(**{**SUITE.__dict__, "bar": 0.8}), actor=ANALYST)
    rows = team.execute(
        "SELECT user_id, role, action, target, detail FROM audit_log WHERE user_id <> 'local' ORDER BY \"at\""
    ).fetchall()
    assert [r[:4] for r in rows] == [
        ("ben@example.com", "analyst", "save_scenario", "cheap"),
        ("ann@example.com", "admin", "change_suite_settings", "echo@1"),
        ("ben@example.com", "analyst", "upload_suite", result.suite_id),
    ]
    assert '"bar": 0.95' in rows[1][4]


def test_local_mode_needs_no_actor_and_audits_the_local_user(con, tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "none.toml"))
    save_suite(con, SUITE)
    save_scenario(con, Scenario(name="cheap"))
    assert con.execute("SELECT user_id, via, action FROM audit_log ORDER BY action").fetchall() == [
        ("local", "local", "save_scenario"),
        ("local", "local", "upload_suite"),
    ]
