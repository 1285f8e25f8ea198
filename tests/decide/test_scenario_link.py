"""A scenario shared as a link: each category's own values travel too, numbers are never rounded, and a link's
page parameters are no assumptions."""

from __future__ import annotations

from routeboard.decide.scenario import Assumptions, Scenario
from routeboard.decide.scenario_link import is_scenario_parameter, query_from_scenario, scenario_from_query


def test_a_categorys_own_values_travel_in_the_link_and_come_back_the_same():
    scenario = (
        Scenario(defaults=Assumptions(failure_usd=50.0))
        .with_values("sample: mathematics", monthly_volume=2_500.0, failure_usd=50.0)  # the default: not written
        .with_values("tickets", review_rate=0.25)
    )
    query = query_from_scenario(scenario)
    assert query == {"failure_usd": "50", "monthly_volume@sample: mathematics": "2500", "review_rate@tickets": "0.25"}
    linked = scenario_from_query(query, Scenario())
    assert linked.problems == ()
    for category in ("sample: mathematics", "tickets", "anything else"):
        assert linked.scenario.for_category(category) == scenario.for_category(category)


def test_a_large_or_fine_value_is_never_rounded_in_the_link():
    scenario = Scenario(defaults=Assumptions(monthly_volume=1_234_567.0, reviewer_usd_per_hour=45.125))
    query = query_from_scenario(scenario)
    assert (query["monthly_volume"], query["reviewer_usd_per_hour"]) == ("1234567", "45.125")
    assert scenario_from_query(query, Scenario()).scenario.defaults == scenario.defaults


def test_a_bad_value_for_one_category_is_said_and_ignored():
    linked = scenario_from_query({"review_rate@tickets": "3", "colour@tickets": "red", "review_rate@": "1"}, Scenario())
    assert linked.scenario == Scenario()
    assert len(linked.problems) == 3
    assert "between 0 and 1" in linked.problems[0]


def test_page_parameters_are_not_assumptions():
    assert [is_scenario_parameter(n) for n in ("failure_usd", "monthly_volume@tickets", "baseline", "category")] == [
        True,
        True,
        True,
        False,
    ]
