"""Routes, frontier, cascades and portfolio on ledgers with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from routeboard.catalog.models import add_model
from routeboard.decide.facts import cascade_facts
from routeboard.decide.ledger import apply_scenario, ledger
from routeboard.decide.routes import frontier, portfolio, routes, with_tasks_needed
from routeboard.decide.scenario import Assumptions, Scenario
from routeboard.domain import GraderSpec
from routeboard.library import save_suite
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.conftest import echo_suite
from tests.decide.test_ledger import facts
from tests.fakes import FakeProvider, install_fake


def table(*rows) -> pd.DataFrame:
    return pd.concat([facts(**r) for r in rows], ignore_index=True)


SCENARIO = Scenario(defaults=Assumptions(failure_usd=2.0))


def led_of(*rows, scenario=SCENARIO):
    return with_tasks_needed(apply_scenario(table(*rows), scenario))


def test_route_is_the_cheapest_model_that_clears():
    led = led_of(
        dict(model="frontier", correct=990, trials=1000, cost_usd=20.0, bar=0.94),
        dict(model="small", correct=985, trials=1000, cost_usd=1.0, bar=0.94),
        dict(model="tiny", correct=900, trials=1000, cost_usd=0.1, bar=0.94),
    )
    [route] = routes(led).to_dict("records")
    assert (route["model"], route["verdict"], route["runner_up"]) == ("small", "clears", "frontier")
    assert route["cpat_usd"] == pytest.approx(led.set_index("model_id").loc["small", "cpat_usd"])


def test_when_none_clears_the_route_names_the_nearest_and_what_it_lacks():
    led = led_of(dict(model="a", correct=92, trials=100, bar=0.94), dict(model="b", correct=80, trials=100, bar=0.94))
    [route] = routes(led).to_dict("records")
    assert route["model"] is None and route["nearest"] == "a" and route["verdict"] == "undecided"
    assert route["tasks_needed"] is None or route["tasks_needed"] > 0
    assert "no model clears the bar; nearest is a" in route["reason"]


def test_near_ties_are_shown_not_hidden():
    led = led_of(
        dict(model="a", correct=995, trials=1000, cost_usd=1.00, bar=0.9),
        dict(model="b", correct=995, trials=1000, cost_usd=1.02, bar=0.9),
        dict(model="c", correct=995, trials=1000, cost_usd=40.0, bar=0.9),
    )
    [route] = routes(led).to_dict("records")
    assert route["model"] == "a" and route["near_ties"] == ["b"]


def test_frontier_marks_only_non_dominated_points():
    led = led_of(
        dict(model="cheap-bad", correct=80, cost_usd=0.1),
        dict(model="mid", correct=95, cost_usd=1.0),
        dict(model="dear-worse", correct=90, cost_usd=5.0),
        dict(model="dear-best", correct=99, cost_usd=50.0),
        scenario=Scenario(defaults=Assumptions(failure_usd=0.0)),
    )
    marked = frontier(led, cost="model_usd").set_index("model_id")["on_frontier"].to_dict()
    assert marked == {"cheap-bad": True, "mid": True, "dear-worse": False, "dear-best": True}


def test_tasks_needed_is_shown_for_undecided_rows_only():
    led = led_of(
        dict(model="a", correct=95, trials=100, bar=0.94),
        dict(model="b", correct=1000, trials=1000, bar=0.94),
        dict(model="c", correct=60, trials=100, bar=0.94),
    ).set_index("model_id")
    # settled rows (clears, fails) need no more tasks: unknown (a dash), never 0
    assert led["tasks_needed"][["b", "c"]].isna().all() and led["settles_as"][["b", "c"]].isna().all()
    assert 1000 < led.loc["a", "tasks_needed"] < 5000 and led.loc["a", "settles_as"] == "clears"


def test_portfolio_compares_routed_cost_to_one_baseline_model():
    s = Scenario(defaults=Assumptions(failure_usd=0.0, monthly_volume=1000))
    led = led_of(
        dict(model="big", category="x", correct=999, trials=1000, cost_usd=10.0),
        dict(model="small", category="x", correct=999, trials=1000, cost_usd=1.0),
        dict(model="big", category="y", correct=999, trials=1000, cost_usd=10.0),
        scenario=s,
    )
    result = portfolio(led, routes(led), baseline_model="big")
    by_cat = {r["category"]: r for r in result["rows"]}
    assert by_cat["x"]["model"] == "small" and by_cat["y"]["model"] == "big"
    big = led.set_index(["category", "model_id"]).loc[("x", "big"), "cpat_usd"]
    small = led.set_index(["category", "model_id"]).loc[("x", "small"), "cpat_usd"]
    assert result["saving_monthly_usd"] == pytest.approx((big - small) * 1000)
    assert 0 < result["saving_share"] < 1


def test_cascade_of_a_model_with_itself_costs_no_less_and_escalation_uses_stored_outcomes(con):
    suite = echo_suite(40, validator=GraderSpec("regex", {"pattern": r"\d+"}), max_invalid_retries=0)
    save_suite(con, suite)
    for name in ("fake/cheap", "fake/strong"):
        add_model(
            con,
            name,
            input_price_per_mtok_usd=1.0 if name == "fake/cheap" else 10.0,
            output_price_per_mtok_usd=1.0 if name == "fake/cheap" else 10.0,
        )
    fake = install_fake(FakeProvider())
    answer = fake.complete

    async def complete(model, messages, settings):
        from dataclasses import replace

        done = await answer(model, messages, settings)
        number = int(messages[-1]["content"].split(":")[1])
        # the cheap model answers in words for every 4th task: its validator fails there
        return replace(done, text="four") if model.id == "fake/cheap" and number % 4 == 0 else done

    fake.complete = complete
    start_run(con, RunRequest(suites=("echo",), models=("fake/cheap", "fake/strong"))).run()
    singles = ledger(con).set_index("model_id")
    pairs = [("echo", "fake/cheap", "fake/strong"), ("echo", "fake/cheap", "fake/cheap")]
    cascades = apply_scenario(cascade_facts(con, pairs), Scenario()).set_index("model_id")
    chain = cascades.loc["fake/cheap → fake/strong"]
    assert chain["accuracy"] == 1.0 and singles.loc["fake/cheap", "accuracy"] == 0.75
    assert chain["escalated"] == 10
    assert chain["model_usd"] == pytest.approx(
        singles.loc["fake/cheap", "model_usd"] + 10 / 40 * singles.loc["fake/strong", "model_usd"]
    )
    assert cascades.loc["fake/cheap → fake/cheap", "model_usd"] >= singles.loc["fake/cheap", "model_usd"]


def test_a_category_with_no_route_adds_nothing_to_the_routed_portfolio():
    led = led_of(
        dict(category="a-first", model="weak", correct=500, trials=1000, cost_usd=1.0),
        dict(category="b-second", model="weak", correct=990, trials=1000, cost_usd=1.0),
    )
    table = routes(led)
    assert table.set_index("category").loc["a-first", "model"] is None or pd.isna(
        table.set_index("category").loc["a-first", "model"]
    )
    book = portfolio(led, table, "weak")
    rows = {r["category"]: r for r in book["rows"]}
    assert rows["a-first"]["routed_cpat_usd"] is None and rows["a-first"]["saving_monthly_usd"] is None
    assert book["categories_compared"] == 1
    assert book["routed_monthly_usd"] == pytest.approx(rows["b-second"]["routed_monthly_usd"])
