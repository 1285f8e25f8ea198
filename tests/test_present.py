"""The one text of money, percent, evidence and "why no route": what every page, the CLI and the report write."""

from __future__ import annotations

import ast
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from routeboard import present
from routeboard.present import (
    DASH,
    cpat_text,
    evidence_text,
    interval,
    minutes_basis,
    money,
    money_vega,
    spend_text,
    tasks_text,
    unknown,
    why_no_route,
)


def test_money_reads_at_a_precision_that_fits_its_size_and_never_as_scientific_notation():
    values = (1_800_068.01, 180.0068, 1.0, 0.5, 0.01, 0.012345, 0.00012, 0.0, -0.05, -2500.0)
    assert [money(v) for v in values] == [
        "$1,800,068",
        "$180.01",
        "$1.00",
        "$0.50",
        "$0.01",  # a one-cent budget reads as one cent, not $0.0100
        "$0.0123",
        "$0.00012",
        "$0.00",
        "-$0.05",
        "-$2,500",
    ]


@pytest.mark.parametrize("value", [None, math.nan, pd.NA, pd.NaT, float("nan")])
def test_an_unknown_is_a_dash_never_zero(value):
    assert unknown(value) and money(value) == DASH and interval(value, 0.1, 0.2) == DASH


def test_zero_is_known():
    assert not unknown(0) and not unknown(0.0) and money(0) == "$0.00"


def test_charts_write_money_by_the_same_thresholds():
    expr = money_vega("datum.usd")
    assert expr.startswith("abs(datum.usd) >= 1000 ? format(datum.usd, '$,.0f')")
    assert "abs(datum.usd) >= 1 || datum.usd == 0 ? format(datum.usd, '$,.2f')" in expr
    assert money_vega("datum.value", ticks=True).count("format(datum.value, '$,") == 3


def test_an_unknown_cost_says_which_cost_and_why_in_a_few_words():
    assert cpat_text(0.12, None) == "$0.12"
    assert cpat_text(None, None) == DASH  # nothing accepted: undefined, its column's help says so
    assert cpat_text(None, None, "undefined (nothing accepted)") == "undefined (nothing accepted)"
    assert cpat_text(None, "no price: 3 of 3 attempts of a have no known cost; set its price") == "no price"
    assert cpat_text(None, "no token counts: 3 of 3 attempts of a carry no token counts") == "no token counts"


def test_a_spend_is_known_unknown_or_partial_naming_the_models():
    assert spend_text(2.25, None) == "$2.25"
    assert spend_text(0.0, "acme/house") == "unknown (no cost for acme/house)"
    assert spend_text(1.5, ["openai/a", "acme/house"]) == "$1.50 + unknown (no cost for openai/a, acme/house)"


def test_minutes_say_where_they_come_from():
    assert minutes_basis(0.2166, "measured (40 reviews)") == "0.22 min, measured from 40 reviews"
    assert minutes_basis(2.0, "assumed") == "2 min, assumed"


def test_evidence_counts_tasks_or_the_reviewed_outputs():
    assert evidence_text({"trials": 300, "tasks": 100}) == "100 tasks"
    assert evidence_text({"trials": 40, "tasks": 40, "pending": 60, "reviewed": 40}) == "40 reviewed of 100 outputs"
    assert evidence_text({"trials": 40, "tasks": 40, "reviewed": 40}) == "all 40 outputs reviewed"


ROUTE = {"model": None, "nearest": "a", "bar": 0.9, "ci_low": 0.8, "ci_high": 0.95, "accuracy_gap": 0.1}


def test_a_routed_category_has_no_gap():
    assert why_no_route({**ROUTE, "model": "a"}) == DASH


def test_a_gap_under_the_bar_says_how_far_and_which_way_more_tasks_would_settle_it():
    route = {**ROUTE, "gap_kind": "accuracy", "verdict": "undecided", "tasks_needed": 90, "settles_as": "fails"}
    assert why_no_route(route) == (
        "no model clears the bar; nearest is a: its lower bound 80.0% is 10.0 points under the 90% bar; "
        "about 90 more tasks would likely settle it as fails"
    )
    assert tasks_text(route) == "about 90 more as fails"


def test_a_gap_more_tasks_than_the_suites_hold_would_settle_says_so():
    route = {**ROUTE, "gap_kind": "accuracy", "verdict": "undecided", "tasks_needed": None, "tasks_to_settle": 7629}
    route |= {"settles_as": "clears", "tasks_available": 0, "suite_tasks": 150}
    assert why_no_route(route).endswith(
        "; it cannot settle on the 150 tasks its suites have (it has run every one): it would need about 7,629 more "
        "as clears; add tasks to the suite or choose a lower confidence level"
    )
    assert tasks_text(route) == "about 7,629 more as clears, more than its suites can give: add tasks"


def test_a_failing_nearest_model_is_said_to_fail_with_no_tasks_offered():
    route = {**ROUTE, "gap_kind": "accuracy", "verdict": "fails", "ci_high": 0.85, "min_tasks_short": 20}
    assert why_no_route(route).endswith("; it fails: even its interval's upper bound, 85.0%, is under the bar")
    assert "min_tasks" not in why_no_route(route)  # failing wins over the min_tasks exclusion
    assert tasks_text(route) == "none: it fails the bar"


def test_every_model_excluded_names_each_and_why_never_a_gap_of_zero():
    excluded = [
        {"model": "a", "reason": "deny", "detail": "on this category's deny list"},
        {"model": "b", "reason": "tier", "detail": "tier local is not allowed here (allowed: frontier)"},
        {"model": "c", "reason": "latency", "detail": "p95 latency 1200 ms is over the 800 ms ceiling"},
    ]
    text = why_no_route(
        {**ROUTE, "ci_low": 0.95, "accuracy_gap": 0.0, "gap_kind": "all_excluded", "excluded": excluded}
    )
    assert text == (
        "every model with results here is excluded: a (on this category's deny list); b (tier local is not allowed "
        "here (allowed: frontier)); c (p95 latency 1200 ms is over the 800 ms ceiling)"
    )
    assert "0.0" not in text and "no price" not in text


def test_a_model_that_clears_but_costs_too_much_or_has_no_known_cost_says_so():
    cost = why_no_route({**ROUTE, "gap_kind": "cost", "affordable": False, "cost_gap_usd": 0.0123})
    assert (
        cost
        == "no affordable model: the cheapest that clears the bar, a, costs $0.0123 per accepted task over the ceiling"
    )
    unpriced = {**ROUTE, "gap_kind": "no_price", "clearing_unpriced": ["a"]}
    unpriced["excluded"] = [{"model": "a", "reason": "no_price", "detail": "no token counts: 5 of 5 attempts ..."}]
    assert why_no_route(unpriced) == (
        "no model with a known cost clears the bar: a clears it, but no token counts: 5 of 5 attempts ..."
    )


def test_present_imports_the_standard_library_only():
    # the CLI and the first page load it: it must add nothing heavy (no pandas, numpy or streamlit)
    imported = set()
    for module in Path(present.__file__).parent.glob("*.py"):  # the package's own modules, and what they import
        tree = ast.parse(module.read_text())
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {name for name in found if not name.startswith("routeboard.present.")}
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}


def test_suites_that_disagree_on_a_categorys_rules_leave_it_without_a_route_and_say_who_says_what():
    conflict = "triage@1 sets a 90% bar, triage-v2@1 a 95% bar"
    assert why_no_route({**ROUTE, "gap_kind": "rules_conflict", "rules_conflict": conflict}) == (
        f"no route: this category's suites disagree on its rules: {conflict}"
    )


def test_a_categorys_standing_on_the_board_reads_in_a_few_words():
    from routeboard.present import route_standing, route_text

    routed = {"model": "m", "nearest": None}
    undecided = {"model": None, "nearest": "n", "gap_kind": "accuracy", "verdict": "undecided"}
    short_of_tasks = {"model": None, "nearest": "n", "gap_kind": "min_tasks", "verdict": "clears"}
    fails = {"model": None, "nearest": "n", "gap_kind": "accuracy", "verdict": "fails"}
    unpriced = {"model": None, "nearest": "n", "gap_kind": "no_price", "verdict": "clears"}
    rows = (routed, undecided, short_of_tasks, fails, unpriced)
    assert [route_standing(r) for r in rows] == ["routed", "undecided", "undecided", "none clears", "none clears"]
    assert [route_text(r) for r in rows] == [
        "m",
        "undecided (nearest n)",
        "undecided (nearest n)",
        "none clears (nearest n)",
        "none clears (nearest n)",
    ]
    assert route_text({"model": None, "nearest": None, "gap_kind": "no_results"}) == "none clears"


def test_two_models_on_the_same_tasks_read_with_who_did_better_and_whether_it_is_clear():
    from routeboard.decide.explore import paired
    from routeboard.present import paired_text

    rows = [("a", f"t{i}", 1.0) for i in range(40)] + [("b", f"t{i}", 1.0 if i < 20 else 0.0) for i in range(40)]
    results = pd.DataFrame(
        [{"model_id": m, "suite": "s", "task_id": t, "trials": 1, "correct_share": c} for m, t, c in rows]
    )
    assert paired_text(paired(results, "a", "b")) == (
        "On the 40 tasks both answered, a was right on 100.0% and b on 50.0%. a did better on 20 of them, b on 0; "
        "the rest went the same way (20 both right, 0 both wrong). a minus b: +50.0 points (95% interval +34.3 to "
        "+65.7): a is the more accurate on these tasks."
    )
    same = paired(results[results["task_id"].isin(["t0", "t1", "t25"])], "a", "b")
    assert paired_text(same).endswith("no clear difference in accuracy on these tasks.")
    apart = paired(results[results["task_id"].isin(["t0"]) & (results["model_id"] == "a")], "a", "b")
    assert paired_text(apart) == "a and b have answered no task in common here: there is nothing to compare yet."
