"""Facts of reviewed work: trials waiting for a person count nowhere but in ``pending``; people's first reviews
give the trials they decided and the measured review and rework minutes."""

from __future__ import annotations

import math

import pytest

from routeboard.catalog.models import add_model
from routeboard.decide.facts import cascade_facts, ledger_facts
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.fakes import FakeProvider, install_fake

TASKS = 20


def _suite(con, grader: str = "exact") -> str:
    tasks = tuple(Task(id=f"t{i:02d}", input=f"say: {i}", expected=str(i)) for i in range(TASKS))
    return save_suite(
        con, Suite(name="notes", category="notes", grader=GraderSpec(grader), bar=0.9, tasks=tasks)
    ).suite_id


@pytest.fixture
def ran(con):
    """Two models ran 20 tasks each (all correct); the trials of tasks t10..t19 of fake/a then wait for review."""
    install_fake(FakeProvider())
    for model in ("fake/a", "fake/b"):
        add_model(con, model, input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    suite_id = _suite(con)
    progress = start_run(con, RunRequest(suites=("notes",), models=("fake/a", "fake/b"), use_cache=False)).run()
    assert progress.status == "completed"
    # what the human grader stores before anyone has looked (issue 13 contract)
    con.execute(
        "UPDATE trials SET outcome = 'pending', correct = false, score = NULL, detail = 'waiting for review' "
        "WHERE model_id = 'fake/a' AND task_id >= 't10'"
    )
    return suite_id


def _row(facts, model):
    return facts.set_index("model_id").loc[model]


def test_pending_trials_count_in_no_fact_but_pending(ran, con):
    a, b = _row(ledger_facts(con), "fake/a"), _row(ledger_facts(con), "fake/b")
    # the 10 waiting trials are not wrong answers: accuracy rests on the 10 decided ones, all correct
    assert (a["trials"], a["tasks"], a["correct"], a["pending"]) == (10, 10, 10, 10)
    assert (b["trials"], b["correct"], b["pending"]) == (20, 20, 0)
    # nor are their calls paid twice per decided trial: the cost per trial is the same for both models
    assert a["attempts"] == 10 and a["cost_usd_sum"] / a["trials"] == pytest.approx(b["cost_usd_sum"] / b["trials"])


def test_a_cascade_is_simulated_only_on_decided_trials(ran, con):
    [row] = cascade_facts(con, [("notes", "fake/a", "fake/b")]).to_dict("records")
    assert (row["trials"], row["correct"]) == (10, 10)


def _review(con, suite_id, model, task, verdict, review_ms, rework_ms=None, *, at="2026-01-01 10:00:00"):
    run_id = con.execute("SELECT any_value(run_id) FROM trials").fetchone()[0]
    con.execute(
        "INSERT INTO reviews (review_id, run_id, suite_id, task_id, model_id, trial, reviewer, verdict, review_ms, "
        "rework_ms, created_at) VALUES (gen_random_uuid()::VARCHAR, ?, ?, ?, ?, 1, 'ann', ?, ?, ?, ?)",
        [run_id, suite_id, task, model, verdict, review_ms, rework_ms, at],
    )


def test_review_minutes_are_medians_of_first_reviews_with_a_known_time(ran, con):
    _review(con, ran, "fake/b", "t00", "accepted", 60_000)
    _review(con, ran, "fake/b", "t01", "edited", 120_000, 300_000)
    _review(con, ran, "fake/b", "t02", "edited", 240_000, 600_000)
    _review(con, ran, "fake/b", "t03", "rejected", None)  # imported from a spreadsheet: time unknown, not 0
    # an overlap review later: it feeds agreement, never the minutes
    _review(con, ran, "fake/b", "t00", "accepted", 3_600_000, at="2026-01-01 11:00:00")
    _review(con, ran, "fake/a", "t00", "accepted", 600_000)
    b = _row(ledger_facts(con), "fake/b")
    assert (b["reviews_n"], b["review_minutes_median"]) == (3, 2.0)
    assert (b["rework_n"], b["rework_minutes_median"]) == (2, 7.5)
    # the category's figure pools every model's reviews: the ledger's basis
    assert (b["category_reviews_n"], b["category_review_minutes_median"]) == (4, 3.0)
    # an exact-graded suite: reviews are second opinions, not decisions
    assert b["reviewed"] == 0
    # no edit measured: the rework time is unknown, never 0 minutes
    a = _row(ledger_facts(con), "fake/a")
    assert (a["reviews_n"], a["review_minutes_median"], a["rework_n"]) == (1, 10.0, 0)
    assert math.isnan(a["rework_minutes_median"])


def test_a_review_moves_the_data_version_so_cached_pages_refresh(ran, con):
    from routeboard.store.version import data_version

    before = data_version(con)
    # the first review of a waiting trial: a reject turns it wrong without touching correct or valid
    con.execute(
        "UPDATE trials SET outcome = 'wrong', detail = 'reviewed' WHERE model_id = 'fake/a' AND task_id = 't10'"
    )
    assert data_version(con) != before
    before = data_version(con)
    _review(con, ran, "fake/a", "t10", "rejected", 30_000)  # minutes measured: the ledger's review cost moves
    assert data_version(con) != before


def test_a_human_graded_suite_counts_what_people_decided(con):
    from routeboard.decide.ledger import ledger
    from routeboard.decide.scenario import Scenario
    from routeboard.review.queue import ItemKey
    from routeboard.review.record import record_review

    install_fake(FakeProvider())
    add_model(con, "fake/a", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    tasks = tuple(Task(id=f"t{i:02d}", input=f"say: reply {i}") for i in range(TASKS))
    suite = Suite(name="replies", category="replies", grader=GraderSpec("human"), bar=0.8, tasks=tasks)
    suite_id = save_suite(con, suite).suite_id
    progress = start_run(con, RunRequest(suites=("replies",), models=("fake/a",), use_cache=False)).run()
    for i in range(12):
        key = ItemKey(progress.run_id, suite_id, f"t{i:02d}", "fake/a", 1)
        if i < 11:
            record_review(con, key, "ann", "accepted", review_ms=30_000)
        else:
            record_review(con, key, "ann", "rejected", reason="tone", review_ms=90_000)
    [row] = ledger_facts(con).to_dict("records")
    assert (row["trials"], row["correct"], row["reviewed"], row["pending"]) == (12, 11, 12, 8)
    led = ledger(con, Scenario().with_values(review_rate=1.0)).iloc[0]
    assert led["accuracy"] == pytest.approx(11 / 12)
    assert led["review_minutes_used"] == 0.5 and led["review_minutes_source"] == "measured (12 reviews)"
