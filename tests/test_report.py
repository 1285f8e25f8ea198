"""The leader's report: routed vs baseline, the gap where nothing clears, the assumptions, CSV, HTML and links."""

from __future__ import annotations

import csv
import io

import pandas as pd

from routeboard.decide.routes import decide
from routeboard.decide.scenario import Assumptions, Scenario
from routeboard.decide.scenario_link import query_from_scenario, scenario_from_query
from routeboard.present import DASH
from routeboard.report import build_report, money, report_csv, report_html, routing_board
from tests.decide.test_ledger import facts

# tickets: the cheap model clears (98/100), the dear one too; contracts: nothing clears a 95% bar
FACTS = pd.concat(
    [
        facts(correct=98, cost_usd=0.5, category="tickets", model="cheap", bar=0.9),
        facts(correct=99, cost_usd=50.0, category="tickets", model="dear", bar=0.9),
        facts(correct=80, cost_usd=0.5, category="contracts", model="cheap", bar=0.95),
        facts(correct=85, cost_usd=50.0, category="contracts", model="dear", bar=0.95),
    ],
    ignore_index=True,
)
SCENARIO = Scenario(defaults=Assumptions(failure_usd=50.0, review_rate=0.2))


def report():
    return build_report(decide(FACTS, SCENARIO), SCENARIO)


def test_the_report_routes_the_cheap_model_and_states_the_saving_against_the_dear_one():
    r = report()
    rows = r.categories.set_index("category")
    assert rows.loc["tickets", "route"] == "cheap"
    tickets = next(row for row in decide(FACTS, SCENARIO).portfolio["rows"] if row["category"] == "tickets")
    assert r.headline["baseline_model"] == "dear" and tickets["saving_monthly_usd"] > 0
    assert rows.loc["tickets", "saving"] == money(tickets["saving_monthly_usd"])
    # the totals count the routed category only: contracts (no route) adds no cost of its nearest model
    assert r.headline["routed_monthly_usd"] == tickets["routed_monthly_usd"]
    assert money(tickets["saving_monthly_usd"]) in r.summary()
    assert "over 1 of 2 categories" in r.summary()


def test_a_category_where_nothing_clears_shows_the_gap_and_no_monthly_cost():
    rows = report().categories.set_index("category")
    contracts = rows.loc["contracts"]
    assert contracts["route"] == "none clears"
    assert (contracts["cpat"], contracts["routed monthly"], contracts["saving"]) == ("—", "—", "—")
    assert contracts["gap"].startswith("no model clears the bar; nearest is dear: its lower bound 76.7% is ")
    assert "18.3 points under the 95% bar" in contracts["gap"]
    # its upper bound is under the bar too: it fails, and no number of tasks is offered to settle it
    assert contracts["gap"].endswith("; it fails: even its interval's upper bound, 90.7%, is under the bar")
    assert contracts["tasks needed"] == "none: it fails the bar"
    assert "None" not in report().categories.to_string()


def test_accuracy_reads_as_a_percentage_with_its_interval():
    assert report().categories.set_index("category").loc["tickets", "accuracy"].startswith("98.0% [")


def test_the_assumptions_say_assumed_with_their_values():
    table = report().assumptions.set_index("assumption")
    assert table.loc["cost of an error that reaches the business", "value"] == "$50.00"
    assert table.loc["cost of an error that reaches the business", "basis"] == "assumed (set in this scenario)"
    assert table.loc["share of outputs a person reviews", "value"] == "20%"
    assert table.loc["reviewer wage", "value"] == "$45.00 an hour"
    assert table.loc["reviewer wage", "basis"] == "assumed (default)"
    volumes = table.loc["tasks a month"]
    assert set(volumes["value"]) == {"10,000 tasks a month"} and set(volumes["applies to"]) == {"tickets", "contracts"}


def test_money_has_sensible_precision():
    assert [money(v) for v in (1_800_068.01, 180.0068, 0.012345, 0.00012, 0.0, None)] == [
        "$1,800,068",
        "$180.01",
        "$0.0123",
        "$0.00012",
        "$0.00",
        "—",
    ]


def test_the_html_report_holds_the_route_the_saving_and_the_assumptions_and_needs_no_network():
    r = report()
    page = report_html(r)
    assert "cheap" in page and r.categories.set_index("category").loc["tickets", "saving"] in page
    assert "cost of an error that reaches the business" in page and "$50.00" in page and "assumed" in page
    assert "<svg" in page and "routed " in page  # the chart is inline
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page


def test_the_csv_has_the_columns_as_numbers_and_neutralises_formulas():
    r = report()
    rows = list(csv.DictReader(io.StringIO(report_csv(r))))
    assert {"category", "model", "routed_monthly_usd", "baseline_monthly_usd", "saving_monthly_usd"} <= set(rows[0])
    tickets = next(row for row in rows if row["category"] == "tickets")
    assert float(tickets["saving_monthly_usd"]) > 0
    hostile = build_report(decide(FACTS.assign(category="=cmd()"), SCENARIO), SCENARIO)
    assert "'=cmd()" in report_csv(hostile)


def test_a_link_round_trips_the_assumptions_and_reports_bad_values():
    linked = scenario_from_query({"failure_usd": "50", "review_rate": "0.2"}, Scenario())
    assert linked.problems == ()
    assert (linked.scenario.defaults.failure_usd, linked.scenario.defaults.review_rate) == (50.0, 0.2)
    assert query_from_scenario(linked.scenario) == {"failure_usd": "50", "review_rate": "0.2"}
    bad = scenario_from_query({"failure_usd": "lots", "review_rate": "2", "colour": "red"}, Scenario())
    assert bad.scenario == Scenario()
    assert len(bad.problems) == 3
    assert bad.problems[0] == "failure_usd='lots' in the link is not a number; using $20.00"
    assert "between 0 and 1" in bad.problems[1]


def test_a_reviewed_category_says_how_many_outputs_its_accuracy_rests_on():
    # people reviewed 40 of 100 outputs: the other 60 wait and count nowhere, and the report says so
    reviewed = pd.concat(
        [FACTS, facts(correct=39, trials=40, category="replies", model="cheap", bar=0.8, pending=60, reviewed=40)],
        ignore_index=True,
    )
    rows = build_report(decide(reviewed, SCENARIO), SCENARIO).categories.set_index("category")
    assert rows.loc["replies", "rests on"] == "40 reviewed of 100 outputs"
    assert rows.loc["tickets", "rests on"] == "100 tasks"
    assert rows.loc["contracts", "rests on"] == "100 tasks"  # the nearest model's evidence where nothing clears


def test_measured_review_minutes_show_as_measured_in_the_assumptions():
    measured = pd.concat(
        [FACTS, facts(correct=39, trials=40, category="replies", model="cheap", bar=0.8)], ignore_index=True
    )
    measured.loc[measured["category"] == "replies", ["category_reviews_n", "category_review_minutes_median"]] = (
        14,
        0.75,
    )
    table = build_report(decide(measured, SCENARIO), SCENARIO).assumptions
    replies = table[table["applies to"] == "replies"].set_index("assumption")
    assert replies.loc["minutes to review one output", "value"] == "0.75 min"
    assert replies.loc["minutes to review one output", "basis"] == "measured (14 reviews)"
    # rework was not measured there: the scenario's assumption still applies, as the default row says
    assert "minutes to fix a caught error" not in replies.index
    everywhere = table[table["applies to"] == "every category"].set_index("assumption")
    assert everywhere.loc["minutes to review one output", "basis"] == "assumed (default)"


def test_a_link_keeps_the_choice_of_assumed_review_minutes():
    from dataclasses import replace

    query = query_from_scenario(replace(SCENARIO, use_measured_review=False))
    assert query["measured_review"] == "0"
    linked = scenario_from_query(query, Scenario())
    assert linked.scenario.use_measured_review is False and linked.problems == ()


def test_each_category_rests_on_its_own_route_or_nearest_models_evidence():
    # every model ran a different number of tasks, so the count shows whose evidence the row quotes
    uneven = pd.concat(
        [
            facts(correct=196, trials=200, cost_usd=1.0, category="tickets", model="cheap", bar=0.9),
            facts(correct=297, trials=300, cost_usd=150.0, category="tickets", model="dear", bar=0.9),
            facts(correct=320, trials=400, cost_usd=2.0, category="contracts", model="cheap", bar=0.95),
            facts(correct=425, trials=500, cost_usd=250.0, category="contracts", model="dear", bar=0.95),
            facts(correct=59, trials=60, cost_usd=0.3, category="replies", model="cheap", bar=0.8),
        ],
        ignore_index=True,
    )
    rows = build_report(decide(uneven, SCENARIO), SCENARIO).categories.set_index("category")
    assert rows["route"].to_dict() == {"tickets": "cheap", "contracts": "none clears", "replies": "cheap"}
    assert rows["rests on"].to_dict() == {"tickets": "200 tasks", "contracts": "500 tasks", "replies": "60 tasks"}


# tickets again, with a dearer model that had nothing accepted: it has a price but no cost per accepted task
FAILING_DEAREST = pd.concat(
    [
        facts(correct=98, cost_usd=0.5, category="tickets", model="cheap", bar=0.9),
        facts(correct=99, cost_usd=5.0, category="tickets", model="mid", bar=0.9),
        facts(correct=0, cost_usd=50.0, category="tickets", model="dearest", bar=0.9),
    ],
    ignore_index=True,
)


def test_the_default_baseline_is_the_dearest_model_with_a_known_cost_per_accepted_task():
    r = build_report(decide(FAILING_DEAREST, Scenario()), Scenario())
    assert r.headline["baseline_model"] == "mid"
    assert None not in (r.headline["routed_monthly_usd"], r.headline["saving_monthly_usd"])
    assert "sending everything to mid: a saving of $" in r.summary()


def test_a_baseline_with_no_cost_per_accepted_task_says_why_the_totals_are_unknown():
    chosen = Scenario(baseline_model="dearest")
    r = build_report(decide(FAILING_DEAREST, chosen), chosen)
    assert r.headline["routed_monthly_usd"] is None
    assert r.summary() == (
        "No routed total or saving can be stated yet: the baseline model dearest has no known cost per accepted "
        "task in the routed categories (tickets): its price is unknown or it had nothing accepted."
    )


def test_with_no_route_anywhere_the_summary_says_nothing_clears():
    r = build_report(decide(FACTS[FACTS["category"] == "contracts"], SCENARIO), SCENARIO)
    assert r.summary() == (
        "No routed total or saving can be stated yet: no model clears its bar and every constraint in any of the "
        "1 categories yet."
    )


def test_a_category_the_min_tasks_constraint_excludes_says_how_many_more_tasks_it_needs():
    twenty = pd.concat(
        [
            facts(correct=20, trials=20, category="tickets", model="sure", bar=0.8),  # clears on its interval
            facts(correct=10, trials=20, category="contracts", model="weak", bar=0.8),  # fails anyway
        ],
        ignore_index=True,
    )
    scenario = Scenario(constraints={"tickets": {"min_tasks": 30}, "contracts": {"min_tasks": 30}})
    rows = build_report(decide(twenty, scenario), scenario).categories.set_index("category")
    assert rows.loc["tickets", "gap"] == (
        "no model clears the bar yet; nearest is sure: its lower bound 83.9% clears the 80% bar, but the min_tasks "
        "constraint excludes it until it has 10 more tasks (20 stored, 30 needed)"
    )
    assert rows.loc["tickets", "tasks needed"] == "10 more for the min_tasks constraint"
    # a model that fails fails whatever it gets: no min_tasks clause, no tasks to settle it (never "about 0 more")
    assert rows.loc["contracts", "gap"].endswith("; it fails: even its interval's upper bound, 70.1%, is under the bar")
    assert "min_tasks" not in rows.loc["contracts", "gap"]
    assert rows.loc["contracts", "tasks needed"] == "none: it fails the bar"


def test_the_routing_board_puts_routes_first_by_monthly_cost_then_undecided_then_none_clears():
    board_facts = pd.concat(
        [
            FACTS,  # tickets: routed to cheap; contracts: nothing reaches 95%, both fail
            facts(correct=99, cost_usd=2000.0, category="emails", model="cheap", bar=0.9),  # routed, $20 a trial
            facts(correct=27, trials=30, cost_usd=0.5, category="replies", model="cheap", bar=0.9),  # 30 tasks: open
        ],
        ignore_index=True,
    )
    made = decide(board_facts, SCENARIO)
    board = routing_board(made, build_report(made, SCENARIO))
    assert board["category"].tolist() == ["emails", "tickets", "replies", "contracts"]
    assert board["standing"].tolist() == ["routed", "routed", "undecided", "none clears"]
    rows = board.set_index("category")
    assert rows.loc["emails", "route"] == "cheap" and rows.loc["emails", "monthly"].startswith("$")
    usd = rows[["monthly"]].map(lambda text: float(text.lstrip("$").replace(",", "")) if text != DASH else None)
    assert usd.loc["emails", "monthly"] > usd.loc["tickets", "monthly"]  # the larger monthly cost first
    assert rows.loc["replies", "route"] == "undecided (nearest cheap)"
    assert rows.loc["contracts", "route"] == "none clears (nearest dear)"
    for column in ("cost per accepted task", "monthly", "saving"):  # no route, no cost: a dash, never $0
        assert rows.loc["contracts", column] == rows.loc["replies", column] == DASH
    # the same figures as the report's table
    report_rows = build_report(made, SCENARIO).categories.set_index("category")
    assert rows.loc["tickets", "cost per accepted task"] == report_rows.loc["tickets", "cpat"]
    assert rows.loc["tickets", "saving"] == report_rows.loc["tickets", "saving"]
