"""`review export` / `review import` as a spreadsheet reviewer uses them: a blinded sheet out, verdicts back in,
every bad row named by its CSV line and nothing stored then."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest

import routeboard
from routeboard.review.queue import next_item
from routeboard.review.record import record_review
from routeboard.store.reviews import review_salt
from routeboard.team.access import Actor
from tests.conftest import run_cli
from tests.review.test_review import reviewed_run


@pytest.fixture
def sheet(isolated_db, tmp_path):
    """A 4-task people-graded suite run on two fake models, exported for ann; the path of the sheet."""
    con = routeboard.connect(isolated_db)
    reviewed_run(con, tasks=4)
    con.close()  # the CLI opens the file in its own process
    out = tmp_path / "queue.csv"
    result = run_cli("review", "export", "--suite", "emails", "--out", str(out), "--reviewer", "ann")
    assert result.returncode == 0, result.stderr
    assert "8 outputs to review" in result.stdout
    return out


def read(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def stored(path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT r.reviewer, r.verdict, r.reason, r.source, t.outcome FROM reviews r JOIN trials t "
            "USING (run_id, suite_id, task_id, model_id, trial) ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_the_exported_sheet_is_blinded_with_empty_answer_columns(sheet):
    rows = read(sheet)
    assert list(rows[0]) == [
        "item_id",
        "suite_id",
        "task_id",
        "prompt",
        "output",
        "reference",
        "verdict",
        "reason",
        "note",
        "edited_output",
    ]
    assert len({row["item_id"] for row in rows}) == 8
    assert all(row["verdict"] == row["reason"] == row["edited_output"] == "" for row in rows)
    assert not any("fake/" in value or value.startswith("r20") for row in rows for value in row.values())
    assert rows[0]["prompt"].startswith("write to the team: ")


def test_a_filled_sheet_is_imported_and_decides_the_trials(sheet, isolated_db):
    rows = read(sheet)
    rows[0] |= {"verdict": "accepted"}
    rows[1] |= {"verdict": "rejected", "reason": "Invented fact"}  # the label a person reads works too
    rows[2] |= {"verdict": "edited", "edited_output": "Dear team, thanks."}
    write(sheet, rows)  # the other rows keep an empty verdict: left for later
    result = run_cli("review", "import", str(sheet), "--reviewer", "ann")
    assert result.returncode == 0, result.stderr
    assert "3 reviews by ann stored" in result.stdout
    assert stored(isolated_db) == [
        ("ann", "accepted", None, "csv", "accepted"),
        ("ann", "edited", None, "csv", "accepted"),
        ("ann", "rejected", "invented_fact", "csv", "wrong"),
    ]


def test_every_bad_row_is_named_by_its_line_and_nothing_is_stored(sheet, isolated_db):
    rows = read(sheet)
    rows[0] |= {"verdict": "accepted"}  # fine on its own, but the file has problems: not stored either
    rows[1] |= {"verdict": "rejected"}
    rows[2] |= {"verdict": "perhaps"}
    rows[3] |= {"verdict": "accepted", "item_id": "0000"}
    rows[4] |= {"verdict": "Edited"}  # no edited_output
    write(sheet, rows)
    result = run_cli("review", "import", str(sheet), "--reviewer", "ann")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {sheet}:3 [reason]: a rejection needs a reason: one of wrong_fact, missing_fact, invented_fact, "
        "tone, format, unsafe, other",
        f"error: {sheet}:4 [verdict]: verdict must be accepted, rejected or edited; got 'perhaps'",
        f"error: {sheet}:5 [item_id]: no such item in emails@1; export a fresh sheet",
        f"error: {sheet}:6 [edited_output]: an edit needs the corrected output; to keep the output as it is, accept it",
    ]
    assert stored(isolated_db) == []


def test_importing_the_same_sheet_twice_is_refused_by_line(sheet, isolated_db):
    rows = read(sheet)
    rows[0] |= {"verdict": "accepted"}
    write(sheet, rows)
    assert run_cli("review", "import", str(sheet), "--reviewer", "ann").returncode == 0
    again = run_cli("review", "import", str(sheet), "--reviewer", "ann")
    assert again.returncode == 2
    assert f"{sheet}:2 [item_id]: ann has already reviewed this item" in again.stderr
    assert len(stored(isolated_db)) == 1


def test_exporting_a_suite_graded_by_a_machine_says_why_not(isolated_db, tmp_path):
    assert run_cli("suites", "import", "--shipped").returncode == 0
    result = run_cli("review", "export", "--suite", "financial-analysis", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: financial-analysis@1 is graded by 'numeric', not by people: only human and llm_judge suites are "
        "reviewed"
    ]


def test_accepted_outputs_can_become_the_answer_key_from_the_review_command(sheet):
    rows = read(sheet)
    rows[0] |= {"verdict": "accepted"}
    write(sheet, rows)
    assert run_cli("review", "import", str(sheet), "--reviewer", "ann").returncode == 0
    result = run_cli("review", "promote", "--suite", "emails", "--grader", "contains")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("emails@2: 1 of 4 tasks carry a reviewed answer")


# ---------------------------------------------------------------- a team's sheets: whose they are, what they hold

TEAM = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "cookie-secret-never-shown"
[routeboard.access]
users = { "ann@example.com" = "admin" }
domains = { "example.com" = "reviewer" }
"""
REX, RITA = "rex@example.com", "rita@example.com"


@pytest.fixture
def team(isolated_db, tmp_path):
    """A people-graded suite run locally, then the store used by a team (an [auth] section): the CLI's env."""
    con = routeboard.connect(isolated_db)
    reviewed_run(con, tasks=4)
    con.close()
    path = tmp_path / "team-secrets.toml"
    path.write_text(TEAM)
    return {"ROUTEBOARD_SECRETS": str(path), "ROUTEBOARD_USER": None}


def filled(path, verdict: str = "accepted") -> None:
    """Every row of the sheet at ``path`` given ``verdict``."""
    write(path, [row | {"verdict": verdict} for row in read(path)])


def test_in_a_team_a_sheet_is_filed_under_the_person_importing_it_never_another(team, isolated_db, tmp_path):
    sheet = tmp_path / "rex.csv"
    exported = run_cli("--user", REX, "review", "export", "--suite", "emails", "--out", str(sheet), env=team)
    assert exported.returncode == 0, exported.stderr
    filled(sheet)
    as_rita = run_cli("--user", REX, "review", "import", str(sheet), "--reviewer", RITA, env=team)
    assert as_rita.returncode == 2
    assert as_rita.stderr == (
        f"error: {REX} may review only as themselves ({REX}), not as {RITA}: each reviewer exports, fills in and "
        "imports their own sheet\n"
    )
    assert stored(isolated_db) == []
    own = run_cli("--user", REX, "review", "import", str(sheet), env=team)
    assert own.returncode == 0, own.stderr
    assert f"8 reviews by {REX} stored" in own.stdout
    assert {reviewer for reviewer, *_ in stored(isolated_db)} == {REX}


def test_exported_items_are_held_for_the_exporter_and_no_one_else_is_given_them(team, isolated_db, tmp_path):
    sheet = tmp_path / "rex.csv"
    exported = run_cli("--user", REX, "review", "export", "--suite", "emails", "--out", str(sheet), "--limit", "3",
                       env=team)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "3 outputs to review, held for their reviewer for 30 minutes (nobody else is given them" in exported.stdout
    rita = tmp_path / "rita.csv"
    assert (
        run_cli("--user", RITA, "review", "export", "--suite", "emails", "--out", str(rita), env=team).returncode == 0
    )
    # the queue's other 5 outputs go to Rita's sheet; none of Rex's 3
    assert len(read(rita)) == 5
    assert not {row["item_id"] for row in read(sheet)} & {row["item_id"] for row in read(rita)}
    filled(rita, "accepted")
    assert run_cli("--user", RITA, "review", "import", str(rita), env=team).returncode == 0
    filled(sheet, "rejected")
    write(sheet, [row | {"reason": "tone"} for row in read(sheet)])
    assert run_cli("--user", REX, "review", "import", str(sheet), env=team).returncode == 0
    assert (
        sorted((who, verdict) for who, verdict, *_ in stored(isolated_db))
        == [(REX, "rejected")] * 3 + [(RITA, "accepted")] * 5
    )


def test_a_verdict_on_an_item_another_reviewer_holds_in_the_app_is_refused(team, isolated_db, tmp_path, monkeypatch):
    sheet = tmp_path / "rex.csv"
    assert (
        run_cli("--user", REX, "review", "export", "--suite", "emails", "--out", str(sheet), env=team).returncode == 0
    )
    monkeypatch.setenv("ROUTEBOARD_SECRETS", team["ROUTEBOARD_SECRETS"])  # this process is the team's app
    con = routeboard.connect(isolated_db)
    try:  # Rex's claims ran out before he imported; Rita then opened the Review page, which gave her one of them
        con.execute("UPDATE review_claims SET claimed_at = claimed_at - INTERVAL 31 MINUTE")
        held = next_item(con, "emails", RITA, actor=Actor(RITA, "Rita", "reviewer", "oidc"))
        line = 2 + [row["item_id"] for row in read(sheet)].index(held.key.item_id(review_salt(con)))
    finally:
        con.close()
    filled(sheet)
    result = run_cli("--user", REX, "review", "import", str(sheet), env=team)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {sheet}:{line} [item_id]: another reviewer holds this item (a claim lasts 30 minutes): it is theirs "
        "to judge; clear its verdict"
    ]
    assert stored(isolated_db) == []


def test_the_audit_trail_of_a_review_names_no_model_or_run(sheet, isolated_db):
    rows = read(sheet)
    rows[0] |= {"verdict": "rejected", "reason": "tone", "note": "too curt"}
    write(sheet, rows)
    assert run_cli("review", "import", str(sheet), "--reviewer", "ann").returncode == 0
    trail = json.loads(run_cli("audit", "--json", "--action", "review").stdout)
    con = duckdb.connect(str(isolated_db), read_only=True)
    try:
        run_ids = [r for (r,) in con.execute("SELECT run_id FROM runs").fetchall()]
    finally:
        con.close()
    [row] = trail
    assert row["target"] == f"emails@1 item {rows[0]['item_id']}"  # the sheet's own opaque id
    said = json.dumps(row)
    assert "fake/" not in said and not any(run_id in said for run_id in run_ids)
    assert (row["detail"]["reviewer"], row["detail"]["verdict"], row["detail"]["reason"]) == ("ann", "rejected", "tone")


# ---------------------------------------------------------------- promote: what nobody reviewed stays out


def test_promote_leaves_unreviewed_tasks_out_and_the_board_keeps_the_reviewed_evidence_until_then(isolated_db):
    """30 replies on one model: 3 accepted, 11 rejected (the queue then stops: the verdict fails), 16 never read."""
    con = routeboard.connect(isolated_db)
    reviewed_run(con, tasks=30, bar=0.5, models=("fake/cheap",))
    for n in range(14):
        item = next_item(con, "emails", "ann")
        verdict = "accepted" if n < 3 else "rejected"
        record_review(con, item.key, "ann", verdict, reason=None if n < 3 else "tone")
    con.close()

    def board() -> tuple:
        shown = run_cli("report", "--json")
        assert shown.returncode == 0, shown.stderr
        [row] = json.loads(shown.stdout)
        return row["tasks"], row["correct"], row["verdict"]

    assert board() == (14, 3, "fails")  # what people reviewed
    promoted = run_cli("review", "promote", "--suite", "emails", "--grader", "contains")
    assert promoted.returncode == 0, promoted.stderr
    assert promoted.stdout.startswith(
        "emails@2: 3 of 30 tasks carry a reviewed answer (0 edited); the 27 without one are left out of it until "
        "reviewed: "
    )
    assert board() == (14, 3, "fails")  # the new version has no results yet: the reviewed evidence stays
    ran = run_cli("run", "--suite", "emails", "--model", "fake/cheap")
    assert ran.returncode == 0, ran.stderr
    assert "completed: 3/3 trials, 3 accepted" in ran.stdout  # the tasks without an answer are not run
    # the new version's own evidence: its 3 tasks, all matching what people accepted; never 27 "wrong" for want
    # of an answer (the verdict waits for min_tasks)
    assert board() == (3, 3, "undecided")
