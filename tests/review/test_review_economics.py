"""Measured review economics: where people reviewed enough outputs of a category, the ledger prices review and
rework with the minutes they took, and says so; elsewhere (or when the scenario says not to) it uses the assumed
minutes."""

from __future__ import annotations

import pytest

from routeboard.decide.facts import facts_frame, ledger_facts
from routeboard.decide.ledger import MEASURED_MIN_REVIEWS, apply_scenario, ledger, review_minutes_basis
from routeboard.decide.scenario import Scenario, scenario_from_dict
from routeboard.errors import InvalidInput
from routeboard.present import minutes_basis
from routeboard.review.queue import ItemKey, next_item
from routeboard.review.record import record_review
from tests.decide.test_judge_reliability import judged_run  # noqa: F401 (a fixture: an llm_judge run of 400 tasks)
from tests.review.test_review import reviewed_run


def _facts(reviews_n: int, review_minutes: float = 0.5, edits_n: int = 0, rework_minutes: float = float("nan")):
    base = {
        "category": "replies",
        "trials": 40,
        "tasks": 40,
        "correct": 30,
        "valid": 40,
        "bar": 0.7,
        "attempts": 40,
        "cost_usd_sum": 0.4,
        "snapshot_input_per_mtok_usd": 1.0,
        "snapshot_output_per_mtok_usd": 1.0,
        "category_reviews_n": reviews_n,
        "category_review_minutes_median": review_minutes,
        "category_rework_n": edits_n,
        "category_rework_minutes_median": rework_minutes,
    }
    # a cascade row carries no review figures: it must be priced with its category's, like the models it joins
    cascade = {**base, "model_id": "fake/a → fake/b", "tier": "cascade"}
    for name in ("category_reviews_n", "category_rework_n"):
        cascade[name] = 0
    for name in ("category_review_minutes_median", "category_rework_minutes_median"):
        cascade[name] = float("nan")
    return facts_frame([{**base, "model_id": "fake/a"}, cascade])


REVIEW_ALL = Scenario().with_values(review_rate=1.0, review_minutes=2.0, rework_minutes=5.0, reviewer_usd_per_hour=60)


def test_enough_measured_reviews_replace_the_assumed_minutes_and_say_so():
    led = apply_scenario(_facts(reviews_n=12, review_minutes=0.5), REVIEW_ALL)
    # every output reviewed at $60 an hour: half a minute measured costs $0.50, not the assumed 2 minutes' $2
    assert list(led["review_usd"]) == pytest.approx([0.5, 0.5])
    assert list(led["review_minutes_source"]) == ["measured (12 reviews)"] * 2
    # no edits measured yet: rework stays assumed
    assert list(led["rework_minutes_source"]) == ["assumed", "assumed"]
    assert list(led["rework_usd"]) == pytest.approx([0.25 * 0.9 * 5.0] * 2)


def test_too_few_reviews_keep_the_assumption():
    led = apply_scenario(_facts(reviews_n=MEASURED_MIN_REVIEWS - 1), REVIEW_ALL)
    assert list(led["review_usd"]) == pytest.approx([2.0, 2.0])
    assert set(led["review_minutes_source"]) == {"assumed"}


def test_the_scenario_may_keep_its_own_minutes():
    scenario = scenario_from_dict({**REVIEW_ALL.to_dict(), "use_measured_review": False})
    led = apply_scenario(_facts(reviews_n=50, review_minutes=0.5), scenario)
    assert list(led["review_usd"]) == pytest.approx([2.0, 2.0])
    assert set(led["review_minutes_source"]) == {"assumed"}


def test_a_bad_flag_is_named():
    with pytest.raises(InvalidInput, match="use_measured_review"):
        scenario_from_dict({"use_measured_review": "yes"})


def test_what_if_gets_assumed_beside_measured_per_category():
    basis = review_minutes_basis(_facts(reviews_n=12, review_minutes=0.5, edits_n=11, rework_minutes=4.0), REVIEW_ALL)
    [row] = basis.to_dict("records")
    assert row["category"] == "replies"
    assert (row["review_minutes_assumed"], row["review_minutes_measured"], row["review_minutes_n"]) == (2.0, 0.5, 12)
    assert row["review_minutes_source"] == "measured (12 reviews)"
    assert (row["rework_minutes_assumed"], row["rework_minutes_used"]) == (5.0, 4.0)
    assert row["rework_minutes_source"] == "measured (11 edits)"


def test_reviews_of_judged_outputs_calibrate_the_judge(judged_run):  # noqa: F811 (the imported fixture)
    con = judged_run
    before = ledger(con).iloc[0]
    assert before["judge_status"].startswith("unvalidated judge")
    run_id = con.execute("SELECT any_value(run_id) FROM trials").fetchone()[0]
    for i in range(60):  # people see the truth: every fifth answer is wrong
        key = ItemKey(run_id, "emails@1", f"t{i}", "fake/candidate", 1)
        if i % 5:
            record_review(con, key, "ann", "accepted", review_ms=15_000)
        else:
            record_review(con, key, "ann", "rejected", reason="wrong_fact", review_ms=15_000)
    after = ledger(con).iloc[0]
    # the lenient judge passes half the wrong answers: corrected by people's 60 labels, accuracy comes down
    assert after["judge_status"].startswith("judge validated on 60 labels")
    assert after["accuracy_judged"] == before["accuracy_judged"]  # the judge's own verdicts are untouched
    assert after["accuracy"] < before["accuracy"] - 0.05
    assert abs(after["accuracy"] - 0.8) < abs(before["accuracy"] - 0.8)
    # a judged suite's trials are not decided by people, and their outputs do not wait for them
    assert (after["reviewed"], after["pending"], after["reviews_n"]) == (0, 0, 60)


def test_times_no_person_could_read_in_are_left_out_of_the_measured_median(con):
    """Ten reviews of half a minute, ten timed at 0.4 ms (clicks replayed after a restart) and one with no time
    (an item first shown before a refresh): the median is the people's half minute, over their ten reviews."""
    reviewed_run(con, tasks=40, models=("fake/cheap",))
    times = [30_000.0] * 10 + [0.4] * 10 + [None]
    for review_ms in times:
        item = next_item(con, "emails", "ann")
        record_review(con, item.key, "ann", "accepted", review_ms=review_ms)
    assert con.execute("SELECT count(*) FROM reviews WHERE review_ms < 1").fetchone() == (10,)  # stored as given
    [row] = review_minutes_basis(ledger_facts(con), REVIEW_ALL).to_dict("records")
    assert minutes_basis(row["review_minutes_used"], row["review_minutes_source"]) == (
        "0.5 min, measured from 10 reviews"  # with the 0.4 ms ones: 0.25 min from 20
    )
