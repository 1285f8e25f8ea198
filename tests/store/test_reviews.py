"""The review tables: claims hold an item for one reviewer, reviews land all or nothing with their effect."""

from __future__ import annotations

import pytest

from routeboard.errors import ReviewError
from routeboard.store import reviews as store
from tests.review.test_review import reviewed_run


def keys(con, run_id) -> list[tuple]:
    return con.execute(
        "SELECT run_id, suite_id, task_id, model_id, trial FROM trials WHERE run_id = ? ORDER BY ALL", [run_id]
    ).fetchall()


def review(key: tuple, reviewer: str, verdict: str = "accepted", review_id: str = "r1") -> dict:
    return {
        "review_id": review_id,
        **dict(zip(store.KEY, key, strict=True)),
        "reviewer": reviewer,
        "verdict": verdict,
        "reason": "tone" if verdict == "rejected" else None,
        "source": "csv",
        "grader": "human",
    }


def test_the_migration_creates_the_review_tables(con):
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"reviews", "review_claims"} <= tables
    assert con.execute("SELECT name FROM _migrations WHERE name = 'm010_human_review'").fetchone()


def test_an_item_held_by_one_reviewer_cannot_be_claimed_by_another_until_it_expires(con):
    run_id = reviewed_run(con, tasks=2, models=("fake/cheap",))
    key = keys(con, run_id)[0]
    assert store.claim(con, key, 1, "ann", expire_minutes=30)
    assert store.claim(con, key, 1, "ann", expire_minutes=30)  # holding it again is fine (a refresh)
    assert not store.claim(con.cursor(), key, 1, "bob", expire_minutes=30)
    assert store.claim(con.cursor(), key, 1, "bob", expire_minutes=0)  # an expired claim is free


def test_a_batch_of_reviews_is_all_or_nothing(con):
    run_id = reviewed_run(con, tasks=2, models=("fake/cheap",))
    first, second = keys(con, run_id)
    store.add_reviews(con, [review(first, "ann", review_id="a")], claim_minutes=30)
    with pytest.raises(ReviewError, match="ann has already reviewed this item"):
        store.add_reviews(
            con,
            [review(second, "ann", "rejected", review_id="b"), review(first, "ann", review_id="c")],
            claim_minutes=30,
        )
    assert con.execute("SELECT review_id FROM reviews").fetchall() == [("a",)]
    assert con.execute("SELECT outcome FROM trials WHERE task_id = ?", [second[2]]).fetchone() == ("pending",)
    assert store.pending_trial_keys(con, run_id) == {second[1:]}


def test_a_reviewed_slot_is_never_claimed_again(con):
    run_id = reviewed_run(con, tasks=1, models=("fake/cheap",))
    [key] = keys(con, run_id)
    store.add_reviews(con, [review(key, "ann")], claim_minutes=30)
    assert not store.claim(con, key, 1, "bob", expire_minutes=30)
    assert not store.claim(con, key, 2, "ann", expire_minutes=30)  # one person never takes both slots
    assert store.claim(con, key, 2, "bob", expire_minutes=30)


def test_cost_per_trial_per_model_is_unknown_when_any_attempt_cost_is(con):
    run_id = reviewed_run(con, tasks=2)
    costs = store.model_costs(con, "emails@1")
    assert costs["fake/cheap"] < costs["fake/dear"]
    con.execute("UPDATE attempts SET cost_usd = NULL WHERE model_id = 'fake/dear' AND run_id = ?", [run_id])
    assert store.model_costs(con, "emails@1")["fake/dear"] is None
