"""The route race's rule on constructed cases: who stops, why, and when a category's route is settled."""

from __future__ import annotations

import math

import pytest

from routeboard.decide.race import Contender, RaceRules, call_race, clear_chance, cpat
from routeboard.decide.scenario import Assumptions
from routeboard.present import race_text, standing_text

PRICE_LED = Assumptions(failure_usd=0.0)  # cost per accepted task = model cost / accuracy
BAR = 0.8
RULES = RaceRules(BAR, 30, PRICE_LED)


def test_cost_per_accepted_task_is_the_ledgers_formula():
    a = Assumptions(review_rate=0.5, failure_usd=20.0)
    accepted = 0.9 + 0.1 * 0.5 * 0.9
    expected = (0.01 + 0.5 * 2 / 60 * 45 + 0.1 * 0.5 * 0.9 * 5 / 60 * 45 + 0.1 * (1 - 0.45) * 20) / accepted
    assert cpat(0.9, 0.01, a) == pytest.approx(expected)
    assert math.isnan(cpat(0.9, math.nan, a))


def test_a_dear_model_is_dominated_once_a_cheap_one_clears_and_the_route_is_settled():
    cheap = Contender("cheap", successes=100, tasks=100, look=5, max_looks=10, usd_per_trial=0.001)
    dear = Contender("dear", successes=20, tasks=20, look=1, max_looks=10, usd_per_trial=0.05)
    call = call_race("triage", [cheap, dear], RULES)
    assert (call.state, call.route, call.sending()) == ("settled", "cheap", [])
    stopped = call.standing("dear")
    assert (stopped.reason, stopped.by) == ("settled", "cheap")
    # even at its best (100% accurate) the dear model costs more per accepted task than the cheap one at its worst
    assert stopped.cpat_best_usd == pytest.approx(0.05) and stopped.by_cpat_usd < 0.05 / 1
    assert race_text(call.as_dict()) == "route settled: cheap"
    words = standing_text(call.as_dict()["models"][1], BAR)
    assert words.startswith("stopped after 20 tasks: cheap is the route; even at 100.0% accurate")


def test_a_dear_model_waits_while_a_cheaper_undecided_one_would_dominate_it_by_clearing():
    cheap = Contender("cheap", successes=20, tasks=20, look=1, max_looks=10, usd_per_trial=0.001)
    dear = Contender("dear", max_looks=10, usd_per_trial=0.05)
    call = call_race("triage", [cheap, dear], RULES)
    assert (call.state, call.sending(), call.between) == ("deciding", ["cheap"], ("cheap", "dear"))
    assert (call.standing("dear").reason, call.standing("dear").by) == ("waiting", "cheap")
    assert race_text(call.as_dict()) == "deciding between cheap and dear"


def test_a_model_that_fails_the_bar_stops_for_good_and_no_candidate_can_clear():
    models = [Contender(m, successes=2, tasks=25, look=1, max_looks=8, usd_per_trial=0.01) for m in ("a", "b")]
    call = call_race("math", models, RULES)
    assert call.state == "none_can_clear" and {s.reason for s in call.standings} == {"fails"}
    assert race_text(call.as_dict()) == "no candidate can clear the 80% bar"
    assert standing_text(call.as_dict()["models"][0], BAR).startswith("stopped after 25 tasks: at most ")
    # a final stop is kept whatever later bounds say
    again = call_race("math", [Contender("a", 25, 25, 2, 8, 0.01), models[1]], RULES, {"a": "fails", "b": "fails"})
    assert again.state == "none_can_clear"


def test_under_a_failure_cost_the_accurate_dear_model_is_not_dominated_by_a_cheap_one_that_clears():
    rules = RaceRules(BAR, 30, Assumptions(failure_usd=20.0))
    cheap = Contender("cheap", successes=90, tasks=100, look=4, max_looks=20, usd_per_trial=0.001)
    dear = Contender("dear", successes=25, tasks=25, look=1, max_looks=20, usd_per_trial=0.05)
    call = call_race("triage", [cheap, dear], rules)
    # a wrong answer costs $20: 100% accuracy at $0.05 beats 90% at $0.001, so the dear model stays in the race
    assert call.state == "deciding" and "dear" in call.sending()


def test_a_leader_waits_while_only_its_rivals_own_tasks_can_settle_the_question():
    rules = RaceRules(BAR, 30, Assumptions(failure_usd=0.5))
    cheap = Contender("cheap", successes=70, tasks=80, look=4, max_looks=20, usd_per_trial=0.001)
    dear = Contender("dear", successes=100, tasks=100, look=5, max_looks=20, usd_per_trial=0.05)
    call = call_race("triage", [cheap, dear], rules)
    # the dear model clears; the cheap one might still turn out cheaper per accepted task even at its observed
    # accuracy, which only its own tasks can show: the dear model's narrow its bound towards a cost already beaten
    assert call.sending() == ["cheap"]
    assert (call.standing("dear").reason, call.standing("dear").by) == ("leading", "cheap")


def test_an_excluded_or_unpriced_model_is_never_sent():
    models = [
        Contender("denied", max_looks=4, usd_per_trial=0.001, excluded="on this category's deny list"),
        Contender("unpriced", max_looks=4),
        Contender("fine", max_looks=4, usd_per_trial=0.01),
    ]
    call = call_race("triage", models, RULES)
    assert call.sending() == ["fine"]
    words = {s["model_id"]: standing_text(s, BAR) for s in call.as_dict()["models"]}
    assert words["denied"] == "not sent: on this category's deny list"
    assert words["unpriced"].startswith("not sent: it has no price")


def test_a_model_its_tasks_left_would_not_clear_is_stopped_and_the_category_is_unsettled():
    # 86% after 200 of 250 tasks against a 90% bar: undecided, and even 50 more right would not clear it
    assert clear_chance(172.0, 200, 0.9, 30, 50, 0.95) == 0.0
    near = Contender("near", successes=172, tasks=200, look=8, max_looks=10, usd_per_trial=0.01, tasks_available=50)
    call = call_race("triage", [near], RaceRules(0.9, 30, PRICE_LED))
    assert (call.state, call.standing("near").reason) == ("unsettled", "cannot_settle")
    assert race_text(call.as_dict()).startswith(
        "not settled on these tasks: the tasks left would likely not settle near"
    )


def test_the_chance_of_clearing_grows_with_the_accuracy_seen_and_the_tasks_left():
    chances = [clear_chance(s, 100, 0.9, 30, 400, 0.95) for s in (85, 90, 95)]
    assert chances == sorted(chances) and chances[0] < 0.1 < chances[2]
    assert clear_chance(90, 100, 0.9, 30, 0, 0.95) == 0.0  # nothing left and not clearing now
