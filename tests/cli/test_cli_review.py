"""`review export` / `review import` as a spreadsheet reviewer uses them: a blinded sheet out, verdicts back in,
every bad row named by its CSV line and nothing stored then."""

from __future__ import annotations

import csv

import duckdb
import pytest

import routeboard
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
