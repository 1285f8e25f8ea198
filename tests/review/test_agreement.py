"""Agreement between reviewers: Cohen's kappa against hand-worked values, its undefined cases said in words, and
the items two people judged differently listed for a third look."""

from __future__ import annotations

import pytest

from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.review.agreement import agreement, cohen_kappa
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.fakes import FakeProvider, install_fake


def _table(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> list[tuple[str, str]]:
    """A 2x2 table of two raters' yes / no as one pair per item."""
    cells = {("yes", "yes"): yes_yes, ("yes", "no"): yes_no, ("no", "yes"): no_yes, ("no", "no"): no_no}
    return [pair for pair, count in cells.items() for _ in range(count)]


def test_the_textbook_two_by_two_table():
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15. Observed agreement 0.7; chance
    # 0.5 x 0.6 + 0.5 x 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert cohen_kappa(_table(20, 5, 10, 15)).value == pytest.approx(0.4)


def test_a_second_hand_worked_table_and_the_ends_of_the_scale():
    # 100 items: 45 / 15 / 25 / 15. Observed 0.6; A yes 0.6, B yes 0.7: chance 0.42 + 0.12 = 0.54;
    # kappa = 0.06 / 0.46
    assert cohen_kappa(_table(45, 15, 25, 15)).value == pytest.approx(0.06 / 0.46)
    assert cohen_kappa(_table(10, 0, 0, 10)).value == 1.0  # full agreement
    assert cohen_kappa(_table(0, 10, 10, 0)).value == -1.0  # always opposite
    # three labels: agreement on the diagonal 0.6; first rater a/b/c 0.4/0.4/0.2, second 0.5/0.3/0.2:
    # chance 0.20 + 0.12 + 0.04 = 0.36
    three = [("a", "a")] * 3 + [("b", "b")] * 2 + [("c", "c")] + [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")]
    assert cohen_kappa(three).value == pytest.approx((0.6 - 0.36) / 0.64)


def test_one_verdict_everywhere_leaves_kappa_undefined_with_a_reason_not_a_number():
    kappa = cohen_kappa([("accepted", "accepted")] * 12)
    assert kappa.value is None and "all 12 items" in kappa.reason
    empty = cohen_kappa([])
    assert empty.value is None and empty.reason == "no item has two reviews yet"


@pytest.fixture
def reviewed(con):
    """A human-graded suite of 6 outputs of one model, each reviewed by ann then by bob."""
    install_fake(FakeProvider())
    add_model(con, "fake/a", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    tasks = tuple(Task(id=f"t{i}", input=f"say: reply {i}") for i in range(6))
    suite = Suite(
        name="replies", category="replies", grader=GraderSpec("human", {"overlap": 1.0}), bar=0.8, tasks=tasks
    )
    suite_id = save_suite(con, suite).suite_id
    assert start_run(con, RunRequest(suites=("replies",), models=("fake/a",), use_cache=False)).run().status == (
        "completed"
    )
    run_id = con.execute("SELECT any_value(run_id) FROM trials").fetchone()[0]
    verdicts = {  # task -> (ann, bob)
        "t0": ("accepted", "accepted"),
        "t1": ("accepted", "edited"),  # both let it go out: they agree
        "t2": ("rejected", "rejected"),
        "t3": ("accepted", "rejected"),
        "t4": ("rejected", "accepted"),
        "t5": ("accepted", "accepted"),
    }
    for task, pair in verdicts.items():
        for minute, (reviewer, verdict) in enumerate(zip(("ann", "bob"), pair)):
            con.execute(
                "INSERT INTO reviews (review_id, run_id, suite_id, task_id, model_id, trial, reviewer, verdict, "
                "reason, created_at) VALUES (?, ?, ?, ?, 'fake/a', 1, ?, ?, ?, ?)",
                [
                    f"{task}{reviewer}",
                    run_id,
                    suite_id,
                    task,
                    reviewer,
                    verdict,
                    "wrong_fact" if verdict == "rejected" else None,
                    f"2026-01-01 10:0{minute}:00",
                ],
            )
    return suite_id


def test_a_suites_agreement_and_the_items_for_a_third_look(reviewed, con):
    result = agreement(con, reviewed)
    # accept / reject per item: ann A A R A R A, bob A A R R A A. Observed 4/6; both accept 4/6 of the time:
    # chance (4/6)^2 + (2/6)^2 = 5/9; kappa = (2/3 - 5/9) / (4/9) = 0.25
    assert result.n_pairs == 6 and result.kappa == pytest.approx(0.25) and result.reason is None
    differ = result.disagreements
    assert list(differ["task_id"]) == ["t3", "t4"]
    first = differ.iloc[0]
    assert (first["first_reviewer"], first["first_verdict"], first["second_verdict"]) == ("ann", "accepted", "rejected")
    assert first["second_reason"] == "wrong_fact" and first["output"] == "reply 3"


def test_a_suite_nobody_reviewed_twice_says_so(con):
    result = agreement(con, "no-such-suite")
    assert (result.kappa, result.n_pairs, result.reason) == (None, 0, "no item has two reviews yet")
    assert result.disagreements.empty
