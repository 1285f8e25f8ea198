"""Break-evens and sensitivity of one route, on ledgers with known answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routeboard.decide.ledger import apply_scenario
from routeboard.decide.scenario import Assumptions, Scenario
from routeboard.decide.whatif import local_break_even_volume, review_rate_break_even, sensitivity
from tests.decide.test_decisions import led_of, table


def test_review_rate_break_even_is_where_the_two_cpats_meet():
    rows = table(
        dict(model="cheap", correct=900, trials=1000, cost_usd=1.0),
        dict(model="better", correct=990, trials=1000, cost_usd=30.0),
    )
    # without review the cheap model wins; reviewing everything makes its extra errors cost rework
    s = Scenario(
        defaults=Assumptions(
            failure_usd=0.01, review_minutes=1, reviewer_usd_per_hour=30, catch_rate=1.0, rework_minutes=30
        )
    )
    r = review_rate_break_even(rows, s, "tickets", "cheap", "better").rate
    assert r is not None and 0 < r < 1
    at = apply_scenario(rows, s.with_values("tickets", review_rate=r)).set_index("model_id")["cpat_usd"]
    assert at["cheap"] == pytest.approx(at["better"], rel=1e-2)


def test_the_review_rate_break_even_uses_the_review_minutes_the_ledger_uses():
    rows = table(
        dict(model="cheap", correct=900, trials=1000, cost_usd=1.0),
        dict(model="better", correct=990, trials=1000, cost_usd=30.0),
    )
    # people's 14 reviews took 20 minutes each: the ledger prices reviews with that, not the assumed 1 minute
    rows[["category_reviews_n", "category_review_minutes_median"]] = (14, 20.0)
    s = Scenario(
        defaults=Assumptions(
            failure_usd=0.01, review_minutes=1, reviewer_usd_per_hour=30, catch_rate=1.0, rework_minutes=30
        )
    )
    even = review_rate_break_even(rows, s, "tickets", "cheap", "better")
    assert (even.review_minutes, even.minutes_source) == (20.0, "measured (14 reviews)")
    at = apply_scenario(rows, s.with_values("tickets", review_rate=even.rate)).set_index("model_id")
    assert set(at["review_minutes_used"]) == {20.0}
    assert at.loc["cheap", "cpat_usd"] == pytest.approx(at.loc["better", "cpat_usd"], rel=1e-2)
    # with the assumed minute the two models meet elsewhere: the measured minutes moved the answer
    assumed = review_rate_break_even(rows, replace(s, use_measured_review=False), "tickets", "cheap", "better")
    assert assumed.minutes_source == "assumed" and assumed.rate != pytest.approx(even.rate, rel=0.1)


def test_local_break_even_volume_pays_off_the_box():
    infra = {
        "hardware_usd": 3600,
        "amortisation_months": 36,
        "ops_usd_per_month": 0,
        "power_watts": 0,
        "usd_per_kwh": 0,
        "parallel_requests": 1,
    }
    led = led_of(
        dict(model="local", correct=1000, trials=1000, cost_usd=0.0, infra_usd=0.0),
        dict(model="hosted", correct=1000, trials=1000, cost_usd=10.0, infra_usd=0.0),
    )  # $0.01 a task
    result = local_break_even_volume(led, "tickets", "local", "hosted", infra)
    assert result["fixed_monthly_usd"] == pytest.approx(100)
    assert result["break_even_monthly_volume"] == pytest.approx(100 / 0.01)


def test_sensitivity_ranks_what_moves_cpat_most():
    rows = table(dict(model="m", correct=800, trials=1000, cost_usd=1.0))
    s = Scenario(defaults=Assumptions(failure_usd=100.0, review_rate=0.1))
    tornado = sensitivity(rows, s, "tickets", "m")
    assert tornado["input"].iat[0] == "failure_usd"  # a 20% error rate makes failures dominate
    assert (tornado["swing_usd"].diff().dropna() <= 1e-12).all()


@pytest.mark.parametrize("name", ["failure_usd", "review_rate", "tool_usd_per_trial"])
def test_each_end_of_the_tornado_is_the_cpat_the_ledger_gives_at_that_value(name):
    rows = table(dict(model="m", correct=800, trials=1000, cost_usd=1.0), dict(model="n", correct=900, trials=1000))
    s = Scenario(defaults=Assumptions(failure_usd=100.0, review_rate=0.1, tool_usd_per_trial=0.01))
    tornado = sensitivity(rows, s, "tickets", "m").set_index("input")
    assert sensitivity(rows, s, "tickets", "m", ledger=apply_scenario(rows, s)).equals(tornado.reset_index())
    for end in ("low", "high"):
        moved = Scenario(defaults=Assumptions(**{**s.defaults.__dict__, name: tornado.loc[name, f"{end}_value"]}))
        cpat = apply_scenario(rows, moved).set_index("model_id").loc["m", "cpat_usd"]
        assert tornado.loc[name, f"cpat_at_{end}_usd"] == pytest.approx(cpat)


def test_a_what_if_form_keeps_only_the_prices_it_changed_and_sets_volumes_and_assumptions():
    import pandas as pd

    from routeboard.decide.whatif import price_table, scenario_with_edits

    rows = table(dict(model="cheap", cost_usd=1.0), dict(model="dear", cost_usd=30.0))
    prices = price_table(rows, Scenario())
    prices.loc[prices["model_id"] == "dear", "input_per_mtok_usd"] = 0.5
    edited = scenario_with_edits(
        Scenario(),
        rows,
        scope="tickets",
        values={"failure_usd": 50.0},
        volumes=pd.DataFrame({"category": ["tickets"], "monthly_volume": [2500.0]}),
        prices=prices,
        hardware=pd.DataFrame(),
        constraints={"tickets": {"deny_models": ["dear"]}},
    )
    assert edited.prices == {"dear": {"input_per_mtok_usd": 0.5, "output_per_mtok_usd": 2.0}}
    assert (edited.for_category("tickets").failure_usd, edited.for_category("tickets").monthly_volume) == (50.0, 2500.0)
    assert edited.defaults.failure_usd == Scenario().defaults.failure_usd
    assert edited.constraints == {"tickets": {"deny_models": ["dear"]}}
