"""The one verdict-and-settle rule: clears, fails or undecided, and what would settle an undecided verdict, which
way, and whether the suites can still give the tasks (docs/design.md, "Deciding")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routeboard.decide.intervals import anytime_interval, interval, wilson_interval
from routeboard.decide.verdicts import sequential_verdict, settle, tasks_to_clear, verdict


def one(successes, tasks, bar, min_tasks=30, available=None, **options):
    """``settle`` for one row, as plain values: (verdict, tasks_to_settle, settles_as, tasks_needed)."""
    result = settle([successes], [tasks], [bar], min_tasks=min_tasks, available=available, **options)
    return tuple(None if isinstance(x[0], float) and math.isnan(x[0]) else x[0] for x in result)


def test_verdicts_on_hand_cases():
    assert verdict(*wilson_interval(1000, 1000), 0.94, 1000, 30) == "clears"
    assert verdict(*wilson_interval(850, 1000), 0.94, 1000, 30) == "fails"
    assert verdict(*wilson_interval(95, 100), 0.94, 100, 30) == "undecided"
    assert verdict(0.94, 0.97, 0.94, 30, 30) == "clears" and verdict(0.90, 0.94, 0.94, 30, 30) == "undecided"


def test_clearing_needs_min_tasks_but_failing_needs_none():
    assert verdict(*wilson_interval(20, 20), 0.5, 20, 30) == "undecided"  # its bound clears; 20 tasks are too few
    assert verdict(*wilson_interval(20, 20), 0.5, 20, 20) == "clears"  # the suite's own min_tasks
    assert verdict(*wilson_interval(5, 10), 0.9, 10, 30) == "fails"  # upper bound 0.76: fails whatever it gets


def test_tasks_needed_settles_an_undecided_result_and_says_which_way():
    state, more, way, needed = one(95, 100, 0.94)
    # At 95% observed, Wilson needs about z^2 p (1 - p) / 0.01^2 ~ 1,800 tasks in all to clear 0.94.
    assert (state, way, needed) == ("undecided", "clears", more) and 1_500 < more < 2_500
    assert verdict(*wilson_interval(0.95 * (100 + more), 100 + more), 0.94, 100 + more, 30) == "clears"
    assert verdict(*wilson_interval(0.95 * (99 + more), 99 + more), 0.94, 99 + more, 30) == "undecided"
    assert one(95, 100, 0.94, method="clopper-pearson")[1] > more
    assert one(95, 100, 0.94, level=0.8)[1] < more
    # 90% observed against a 94% bar: undecided now, and more tasks would likely show it fails
    state, more, way, _ = one(45, 50, 0.94)
    assert (state, way) == ("undecided", "fails") and 0 < more < 200
    assert verdict(*wilson_interval(0.9 * (50 + more), 50 + more), 0.94, 50 + more, 30) == "fails"


def test_settled_rows_need_nothing_not_zero():
    assert one(1000, 1000, 0.94) == ("clears", None, None, None)
    assert one(850, 1000, 0.94) == ("fails", None, None, None)


def test_a_model_that_clears_waits_only_for_min_tasks():
    assert one(20, 20, 0.5, min_tasks=30) == ("undecided", 10, "clears", 10)
    assert one(20, 20, 0.5, min_tasks=50) == ("undecided", 30, "clears", 30)


def test_tasks_needed_is_bounded_by_the_tasks_the_suites_can_still_give():
    state, more, way, needed = one(144, 150, 0.95, available=0)  # every task of a 150-task suite run
    assert (state, way, needed) == ("undecided", "clears", None) and more > 1000  # it cannot settle on them
    assert one(144, 150, 0.95, available=5000)[3] == more  # a suite with more tasks left could
    assert one(144, 150, 0.95, available=np.nan)[3] == more  # an unknown supply bounds nothing
    assert one(94, 100, 0.94)[1:] == (None, None, None)  # observed exactly at the bar: no number of tasks settles it


def test_nothing_seen_needs_min_tasks_and_has_no_direction():
    assert one(0, 0, 0.9, min_tasks=30) == ("undecided", 30, None, 30)
    assert one(0, 0, 0.9, min_tasks=30, available=12)[3] is None


def test_settle_takes_the_callers_verdict_when_its_interval_is_not_the_plain_one():
    # a judge-corrected interval can leave undecided what the plain one settles: the caller's verdict counts
    result = settle([1000], [1000], [0.94], min_tasks=30, verdict=np.array(["undecided"], dtype=object))
    assert result.verdict[0] == "undecided" and result.tasks_needed[0] == 1 and result.settles_as[0] == "clears"


def test_sequential_verdict_uses_the_anytime_bound_and_the_suites_min_tasks():
    assert sequential_verdict(500, 500, 0.94, look=20, min_tasks=30) == "clears"
    assert sequential_verdict(23, 25, 0.94, look=1, min_tasks=30) == "undecided"
    assert sequential_verdict(150, 250, 0.94, look=10, min_tasks=30) == "fails"
    low, high = anytime_interval(20, 20, look=1, max_looks=3)
    assert low >= 0.5 and sequential_verdict(20, 20, 0.5, look=1, max_looks=3, min_tasks=30) == "undecided"
    assert sequential_verdict(20, 20, 0.5, look=1, max_looks=3, min_tasks=20) == "clears"
    assert sequential_verdict(2, 20, 0.9, look=1, max_looks=3, min_tasks=50) == "fails"


def test_tasks_to_clear_is_the_fewest_all_correct_tasks_the_rule_accepts():
    assert tasks_to_clear(0.9, min_tasks=30) == 35
    assert wilson_interval(35, 35)[0] >= 0.9 > wilson_interval(34, 34)[0]
    assert tasks_to_clear(0.5, min_tasks=30) == 30 and tasks_to_clear(0.5, min_tasks=5) == 5
    exact = tasks_to_clear(0.9, min_tasks=1, method="clopper-pearson")
    low, below = (interval(n, n, method="clopper-pearson")[0] for n in (exact, exact - 1))
    assert low >= 0.9 > below and exact > 35
    assert tasks_to_clear(1.0, min_tasks=30) is None


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_many_rows_settle_as_one_row_each(method):
    rng = np.random.default_rng(0)
    tasks = rng.integers(1, 400, 60)
    successes = np.floor(rng.random(60) * (tasks + 1)).clip(max=tasks)
    bars = rng.choice([0.8, 0.9, 0.95], 60)
    left = rng.integers(0, 3000, 60)
    many = settle(successes, tasks, bars, min_tasks=30, method=method, available=left)
    for i in range(0, 60, 7):
        single = settle([successes[i]], [tasks[i]], [bars[i]], min_tasks=30, method=method, available=[left[i]])
        assert single.verdict[0] == many.verdict[i] and single.settles_as[0] == many.settles_as[i]
        for field in ("tasks_to_settle", "tasks_needed"):
            assert np.array_equal(getattr(single, field), getattr(many, field)[i : i + 1], equal_nan=True)
