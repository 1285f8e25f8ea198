"""Review sheets stay blinded: an item id is salted with the database's own secret, so someone who knows the run,
the task and the models cannot compute which model wrote a row; export then import still stores the verdicts."""

from __future__ import annotations

import hashlib

import routeboard
from routeboard.review.sheets import export_queue, import_reviews
from routeboard.store.reviews import review_salt
from tests.review.test_review import reviewed_run

MODELS = ("fake/cheap", "fake/dear")


def test_an_item_id_cannot_be_matched_to_a_model_from_the_run_task_and_model(con):
    run_id = reviewed_run(con, tasks=4)
    sheet = export_queue(con, "emails", "ann")
    assert len(sheet) == 8 and sheet["item_id"].is_unique
    suite_id = sheet["suite_id"].iat[0]
    for row in sheet.itertuples():
        guesses = {
            hashlib.sha256("\x1f".join([run_id, suite_id, row.task_id, model, str(trial)]).encode()).hexdigest()[:16]
            for model in MODELS
            for trial in (0, 1)
        }
        assert row.item_id not in guesses
    salt = review_salt(con)
    assert salt not in sheet.to_csv()  # the secret stays in the store


def test_each_database_has_its_own_salt(con, tmp_path):
    other = routeboard.connect(tmp_path / "other.duckdb")
    try:
        assert review_salt(con) != review_salt(other)
        assert len(review_salt(con)) == 64
    finally:
        other.close()


def test_an_exported_sheet_filled_in_and_imported_stores_its_verdicts(con, tmp_path):
    reviewed_run(con, tasks=4)
    sheet = export_queue(con, "emails", "ann")
    sheet.loc[0, "verdict"] = "accepted"
    sheet.loc[1, ["verdict", "reason"]] = ["rejected", "Wrong fact"]
    path = tmp_path / "filled.csv"
    sheet.to_csv(path, index=False)
    assert import_reviews(con, path, "ann").stored == 2
    stored = con.execute("SELECT reviewer, verdict, reason, source FROM reviews ORDER BY verdict").fetchall()
    assert stored == [("ann", "accepted", None, "csv"), ("ann", "rejected", "wrong_fact", "csv")]
