"""The ledger's maths: the cost per accepted task of docs/design.md, pinned on hand-computed cases and by properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routeboard.decide.intervals import wilson_interval
from routeboard.decide.ledger import apply_scenario
from routeboard.decide.scenario import Assumptions, Scenario, scenario_from_dict
from routeboard.errors import InvalidInput


def facts(correct=90, trials=100, cost_usd=0.5, infra_usd=0.1, category="tickets", model="m", bar=0.9, **extra):
    """One (category, model) row of ledger facts: sums over ``trials`` trials."""
    row = {
        "category": category,
        "model_id": model,
        "trials": trials,
        "tasks": trials,
        "correct": correct,
        "valid": trials,
        "bar": bar,
        "max_k": 1,
        "min_k": 1,
        "task_correct": None,
        "task_trials": None,
        "pass_hat_k": correct / trials,
        "attempts": trials,
        "cost_usd_sum": cost_usd,
        "retry_cost_usd_sum": 0.0,
        "infra_usd_sum": infra_usd,
        "input_tokens_sum": 1000 * trials,
        "output_tokens_sum": 100 * trials,
        "retry_input_tokens_sum": 0,
        "retry_output_tokens_sum": 0,
        "cached_input_tokens_sum": 0,
        "cached_output_tokens_sum": 0,
        "latency_ms_sum": 500.0 * trials,
        "cached_latency_ms_sum": 0.0,
        "latency_ms_p50": 500.0,
        "latency_ms_p95": 900.0,
        "tier": "local",
        "display_name": model,
        "snapshot_input_per_mtok_usd": 1.0,
        "snapshot_output_per_mtok_usd": 2.0,
        "snapshot_infra": None,
    }
    row.update(extra)
    return pd.DataFrame([row])


def scenario(**values) -> Scenario:
    return Scenario(defaults=Assumptions(**values))


def test_cpat_matches_the_design_formula_by_hand():
    s = scenario(
        review_rate=0.2,
        review_minutes=3,
        reviewer_usd_per_hour=60,
        catch_rate=0.5,
        rework_minutes=10,
        failure_usd=50,
        tool_usd_per_trial=0.01,
    )
    row = apply_scenario(facts(correct=90, trials=100, cost_usd=0.5, infra_usd=0.1), s).iloc[0]
    p, r, q = 0.9, 0.2, 0.5
    model, infra, tool = 0.005, 0.001, 0.01
    review = r * 3 / 60 * 60  # 0.6
    rework = (1 - p) * r * q * 10 / 60 * 60  # 0.1
    failure = (1 - p) * (1 - r * q) * 50  # 4.5
    accepted = p + (1 - p) * r * q  # 0.91
    assert row["review_usd"] == pytest.approx(review)
    assert row["rework_usd"] == pytest.approx(rework)
    assert row["failure_usd"] == pytest.approx(failure)
    assert row["accepted_share"] == pytest.approx(accepted)
    assert row["cpat_usd"] == pytest.approx((model + tool + infra + review + rework + failure) / accepted)


def test_nothing_accepted_means_cpat_is_undefined_not_zero():
    row = apply_scenario(facts(correct=0), scenario(review_rate=0.0)).iloc[0]
    assert math.isnan(row["cpat_usd"])


def test_retries_are_part_of_model_cost_and_shown_apart():
    row = apply_scenario(facts(cost_usd=0.6, retry_cost_usd_sum=0.1), scenario()).iloc[0]
    assert (row["model_usd"], row["retry_usd"]) == (pytest.approx(0.006), pytest.approx(0.001))


def test_repricing_uses_tokens_without_new_calls():
    s = Scenario(prices={"m": {"input_per_mtok_usd": 10.0, "output_per_mtok_usd": 20.0}})
    row = apply_scenario(facts(), s).iloc[0]
    assert row["model_usd"] == pytest.approx((1000 * 10 + 100 * 20) / 1e6)


def test_cached_answers_are_priced_at_the_runs_snapshot():
    row = apply_scenario(
        facts(cost_usd=0.0, cached_input_tokens_sum=100_000, cached_output_tokens_sum=10_000), scenario()
    ).iloc[0]
    assert row["model_usd"] == pytest.approx((100_000 * 1.0 + 10_000 * 2.0) / 1e6 / 100)


money = st.floats(0, 1000, allow_nan=False)
share = st.floats(0, 1, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    correct=st.integers(1, 100),
    r=share,
    q=share,
    minutes=st.floats(0, 60),
    wage=money,
    failure=money,
    bump=st.floats(0.01, 100),
)
def test_cpat_never_falls_when_failures_or_reviews_cost_more(correct, r, q, minutes, wage, failure, bump):
    base = dict(review_rate=r, catch_rate=q, review_minutes=minutes, reviewer_usd_per_hour=wage, failure_usd=failure)
    before = apply_scenario(facts(correct=correct), scenario(**base))["cpat_usd"].iat[0]
    dearer_failure = apply_scenario(facts(correct=correct), scenario(**{**base, "failure_usd": failure + bump}))
    longer_review = apply_scenario(facts(correct=correct), scenario(**{**base, "review_minutes": minutes + bump}))
    assert dearer_failure["cpat_usd"].iat[0] >= before - 1e-12
    assert longer_review["cpat_usd"].iat[0] >= before - 1e-12


@settings(max_examples=200, deadline=None)
@given(correct=st.integers(1, 100), cost=st.floats(0, 100), infra=st.floats(0, 10), tool=st.floats(0, 1), failure=money)
def test_without_review_cpat_reduces_to_the_simple_form(correct, cost, infra, tool, failure):
    row = apply_scenario(
        facts(correct=correct, cost_usd=cost, infra_usd=infra),
        scenario(review_rate=0.0, failure_usd=failure, tool_usd_per_trial=tool),
    ).iloc[0]
    p = correct / 100
    expected = (cost / 100 + tool + infra / 100 + (1 - p) * failure) / p
    assert row["cpat_usd"] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_interval_and_verdict_follow_the_bar():
    rows = pd.concat(
        [
            facts(correct=990, trials=1000, model="a", bar=0.94),
            facts(correct=850, trials=1000, model="b", bar=0.94),
            facts(correct=95, trials=100, model="c", bar=0.94),
        ],
        ignore_index=True,
    )
    led = apply_scenario(rows, scenario()).set_index("model_id")
    assert list(led["verdict"]) == ["clears", "fails", "undecided"]
    assert led.loc["c", "ci_low"] < 0.94 < led.loc["c", "ci_high"]
    cp = apply_scenario(rows, scenario(), method="clopper-pearson").set_index("model_id")
    assert cp.loc["c", "ci_low"] < led.loc["c", "ci_low"]  # the conservative interval is wider
    assert list(apply_scenario(rows, scenario(), bar=0.8)["verdict"]) == ["clears", "clears", "clears"]


def test_repeated_trials_use_an_interval_over_tasks():
    # 50 tasks x 4 trials, each task all-right or all-wrong: 200 trials but only 50 independent answers
    row = facts(correct=160, trials=200, tasks=50, max_k=4, task_correct=[4] * 40 + [0] * 10, task_trials=[4] * 50)
    clustered = apply_scenario(row, scenario()).iloc[0]
    naive = apply_scenario(facts(correct=160, trials=200), scenario()).iloc[0]
    assert clustered["interval"] == "wilson over tasks"
    assert clustered["ci_high"] - clustered["ci_low"] > naive["ci_high"] - naive["ci_low"]
    assert (clustered["ci_low"], clustered["ci_high"]) == pytest.approx(wilson_interval(40, 50))


def test_unknown_price_makes_cpat_unknown_never_zero():
    row = apply_scenario(
        facts(cost_usd=0.0, unpriced_attempts=100, snapshot_input_per_mtok_usd=None, snapshot_output_per_mtok_usd=None),
        scenario(failure_usd=0.0),
    ).iloc[0]
    assert math.isnan(row["model_usd"]) and math.isnan(row["cpat_usd"]) and math.isnan(row["monthly_usd"])
    assert row["cost_unknown"].startswith("no price: 100 of 100 attempts of m")
    assert row["excluded"] == "no_price"


def test_a_scenario_price_costs_unpriced_attempts_from_their_tokens():
    priced = Scenario(prices={"m": {"input_per_mtok_usd": 2.0, "output_per_mtok_usd": 4.0}})
    row = apply_scenario(facts(cost_usd=0.0, unpriced_attempts=100), priced).iloc[0]
    assert row["cost_unknown"] is None
    assert row["model_usd"] == pytest.approx((1000 * 2.0 + 100 * 4.0) / 1e6)
    # calls whose tokens were never counted cannot be priced by any price list
    untokened = apply_scenario(facts(cost_usd=0.0, unpriced_attempts=100, untokened_attempts=100), priced).iloc[0]
    assert math.isnan(untokened["cpat_usd"]) and untokened["excluded"] == "no_price"


def test_judge_calls_are_tool_cost():
    row = apply_scenario(facts(judge_usd_sum=0.3), scenario(tool_usd_per_trial=0.001)).iloc[0]
    assert row["tool_usd"] == pytest.approx(0.3 / 100 + 0.001)


def test_scenario_values_are_checked_by_field():
    with pytest.raises(InvalidInput) as info:
        scenario_from_dict(
            {
                "defaults": {"review_rate": 1.5, "failure_usd": -3},
                "categories": {"tickets": {"catch_rate": "high"}},
                "colour": "red",
            }
        )
    fields = {p.field for p in info.value.problems}
    assert fields == {"defaults.review_rate", "defaults.failure_usd", "categories.tickets.catch_rate", "colour"}


def test_per_category_assumptions_override_the_defaults():
    s = scenario_from_dict({"defaults": {"failure_usd": 10}, "categories": {"payments": {"failure_usd": 500}}})
    rows = pd.concat([facts(category="tickets"), facts(category="payments")], ignore_index=True)
    led = apply_scenario(rows, s).set_index("category")
    assert led.loc["payments", "failure_usd"] == pytest.approx(0.1 * 500)
    assert led.loc["tickets", "failure_usd"] == pytest.approx(0.1 * 10)
    np.testing.assert_array_less(led.loc["tickets", "cpat_usd"], led.loc["payments", "cpat_usd"])


def test_each_row_gets_its_own_categorys_assumptions_ceiling_and_price_reason_in_a_mixed_ledger():
    # rows given out of order, three categories, one model unpriced: every per-category value lands on its rows
    s = Scenario(
        defaults=Assumptions(failure_usd=10, review_rate=0.0, monthly_volume=1000),
        categories={"payments": {"failure_usd": 500, "monthly_volume": 20}},
        constraints={"tickets": {"max_cpat_usd": 0.05}},
    )
    rows = pd.concat(
        [
            facts(correct=80, category="tickets", model="b"),
            facts(correct=95, category="payments", model="a"),
            facts(correct=90, category="tickets", model="a"),
            facts(correct=70, category="notes", model="a", unpriced_attempts=3),
            facts(correct=85, category="payments", model="b"),
        ],
        ignore_index=True,
    )
    led = apply_scenario(rows, s).set_index(["category", "model_id"])
    failure = {key: (1 - led.loc[key, "accuracy"]) * (500 if key[0] == "payments" else 10) for key in led.index}
    assert led["failure_usd"].to_dict() == pytest.approx(failure)
    assert led["monthly_volume"].to_dict() == {key: 20 if key[0] == "payments" else 1000 for key in led.index}
    assert led.loc[("tickets", "a"), "max_cpat_usd"] == 0.05 and led.loc[("tickets", "b"), "max_cpat_usd"] == 0.05
    assert led.loc[("tickets", "a"), "excluded"] == "cost" and pd.isna(led.loc[("payments", "a"), "excluded"])
    assert [key for key, reason in led["cost_unknown"].items() if isinstance(reason, str)] == [("notes", "a")]
    assert led.loc[("notes", "a"), "cost_unknown"].startswith("no price: 3 of 100 attempts of a")
    parts = led[["model_usd", "tool_usd", "infra_usd", "review_usd", "rework_usd", "failure_usd"]].sum(axis=1)
    assert led["total_usd_per_trial"].drop(("notes", "a")).to_dict() == pytest.approx(
        parts.drop(("notes", "a")).to_dict()
    )
    assert math.isnan(led.loc[("notes", "a"), "total_usd_per_trial"])
