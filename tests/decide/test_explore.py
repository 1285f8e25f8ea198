"""What the Frontier opens on, and two models compared on the same tasks."""

from __future__ import annotations

import pandas as pd
import pytest

from routeboard.decide.explore import most_priced_category, paired
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario
from tests.decide.test_ledger import facts


def test_the_frontier_opens_on_the_category_with_the_most_priced_models():
    unpriced = {"snapshot_input_per_mtok_usd": None, "snapshot_output_per_mtok_usd": None, "cost_usd_sum": 0.0}
    led = decide(
        pd.concat(
            [
                # "alpha" comes first by name but nothing in it has a price
                facts(category="alpha", model="a", **unpriced, unpriced_attempts=100),
                facts(category="alpha", model="b", **unpriced, unpriced_attempts=100),
                facts(category="beta", model="a"),
                facts(category="gamma", model="a"),
                facts(category="gamma", model="b"),
            ],
            ignore_index=True,
        ),
        Scenario(),
    ).ledger
    assert set(led.loc[led["category"] == "alpha", "cost_unknown"].notna()) == {True}
    assert most_priced_category(led) == "gamma"
    assert most_priced_category(led[led["category"] != "gamma"]) == "beta"
    assert most_priced_category(led.iloc[0:0]) is None


def _results(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"model_id": m, "suite": "s", "task_id": t, "trials": 1, "correct_share": c} for m, t, c in rows]
    )


def test_two_models_are_compared_on_the_tasks_both_answered():
    rows = [("a", f"t{i}", 1.0) for i in range(10)] + [("b", f"t{i}", 1.0 if i < 6 else 0.0) for i in range(10)]
    rows += [("a", "only-a", 1.0), ("b", "only-b", 0.0)]  # answered by one of them: left out
    rows[3] = ("a", "t3", 0.0)  # a is wrong where b is right on t3
    result = paired(_results(rows), "a", "b")
    assert (result.shared, result.first_only, result.second_only) == (10, 1, 1)
    assert (result.first_better, result.second_better, result.both_right, result.both_wrong) == (4, 1, 5, 0)
    assert (result.first_accuracy, result.second_accuracy) == (0.9, 0.6)
    assert result.difference == pytest.approx(0.3)
    assert result.low < result.difference < result.high
    assert sorted(result.tasks["task_id"]) == ["t3", "t6", "t7", "t8", "t9"]  # where they differ


def test_repeated_trials_compare_by_each_tasks_share_right():
    rows = [("a", "t1", 2 / 3), ("b", "t1", 1 / 3), ("a", "t2", 0.5), ("b", "t2", 0.5)]
    result = paired(_results(rows), "a", "b")
    assert (result.first_better, result.second_better, result.same_share, result.both_right) == (1, 0, 1, 0)


def test_models_with_no_task_in_common_compare_nothing():
    result = paired(_results([("a", "t1", 1.0), ("b", "t2", 1.0)]), "a", "b")
    assert (result.shared, result.first_accuracy, result.difference, result.low) == (0, None, None, None)
