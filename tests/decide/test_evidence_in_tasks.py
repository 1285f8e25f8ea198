"""Evidence is counted in tasks on every path: the judge correction, people's labels and simulated cascades count
each task once, however many trials and runs it has (docs/design.md, "Deciding 'reliably clears the bar'")."""

from __future__ import annotations

import json

import pytest

import routeboard
from routeboard.decide import intervals as stats
from routeboard.decide.facts import cascade_facts, ledger_facts
from routeboard.decide.ledger import apply_scenario
from routeboard.decide.scenario import Scenario
from tests.conftest import run_cli
from tests.decide.test_ledger import facts
from tests.store.stored import add_results, add_suite, label

# ---------------------------------------------------------------- the judge correction


def _judged(k: int):
    """30 tasks the judge passed 27 of, each task run k times with the same verdict, and a measured judge."""
    lists = {"task_correct": [k] * 27 + [0] * 3, "task_trials": [k] * 30} if k > 1 else {}
    return facts(
        correct=27 * k,
        trials=30 * k,
        tasks=30,
        bar=0.8,
        judged=True,
        judge_tpr=0.95,
        judge_tnr=0.8,
        judge_tpr_n=40,
        judge_tnr_n=40,
        **lists,
    )


def test_three_trials_per_task_give_the_judge_corrected_interval_of_one():
    once = apply_scenario(_judged(1), Scenario()).iloc[0]
    thrice = apply_scenario(_judged(3), Scenario()).iloc[0]
    assert once["interval"] == thrice["interval"] == "judge-corrected bootstrap"
    # 30 tasks are 30 samples, not 90: repeating each task's verdict adds no evidence
    assert (thrice["ci_low"], thrice["ci_high"]) == pytest.approx((once["ci_low"], once["ci_high"]), abs=1e-12)
    assert thrice["accuracy"] == pytest.approx(once["accuracy"])


# ---------------------------------------------------------------- people's labels of a judge

# t0..t35 the judge passed, t36..t39 it failed; people say t0..t19 and t36 were right, t20, t21 and t37..t39 wrong:
# the judge passes 20 of 21 right outputs and fails 3 of 5 wrong ones
JUDGE_PASSED = [i < 36 for i in range(40)]
PEOPLE = {f"t{i}": True for i in [*range(20), 36]} | {f"t{i}": False for i in (20, 21, 37, 38, 39)}


def _judged_categories(con) -> None:
    """Two judged categories with the same per-task verdicts and labels: 'repeated' ran each task 3 times in one
    run and once more in a second run; 'once' ran each task once."""
    repeated = add_suite(con, "replies", "repeated", grader="llm_judge", bar=0.7, tasks=40)
    once = add_suite(con, "notes", "once", grader="llm_judge", bar=0.7, tasks=40)
    add_results(con, "r1", repeated, "acme/writer", [[p] * 3 for p in JUDGE_PASSED])
    add_results(con, "r2", repeated, "acme/writer", [[p] for p in JUDGE_PASSED], finished_at="2026-01-02 10:00:00")
    add_results(con, "r1", once, "acme/writer", [[p] for p in JUDGE_PASSED])
    label(con, repeated, "acme/writer", PEOPLE)
    label(con, once, "acme/writer", PEOPLE)


def test_each_label_counts_once_whatever_the_trials_and_runs_of_its_task(con):
    _judged_categories(con)
    rows = ledger_facts(con).set_index("category")
    for category in ("repeated", "once"):
        row = rows.loc[category]
        assert (row["judge_tpr_n"], row["judge_tnr_n"]) == (21, 5)
        assert (row["judge_tpr"], row["judge_tnr"]) == pytest.approx((20 / 21, 3 / 5))
    assert (rows.loc["repeated", "trials"], rows.loc["repeated", "tasks"]) == (160, 40)


def test_the_cli_shows_the_same_judged_interval_for_repeated_trials_as_for_one(isolated_db):
    con = routeboard.connect(isolated_db)
    _judged_categories(con)
    con.close()  # the CLI opens the file in its own process
    result = run_cli("report", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["category"]: row for row in json.loads(result.stdout)}
    repeated, once = rows["repeated"], rows["once"]
    assert (repeated["trials"], repeated["tasks"], once["trials"]) == (160, 40, 40)
    assert repeated["interval"] == once["interval"] == "judge-corrected bootstrap"
    # four trials of each task are still one task each: the interval a person reads is as wide as with one
    assert repeated["ci_high"] - repeated["ci_low"] == pytest.approx(once["ci_high"] - once["ci_low"], abs=1e-9)
    assert repeated["ci_low"] == pytest.approx(once["ci_low"], abs=1e-9)


# ---------------------------------------------------------------- cascades


def _cascade_world(con, *, cached: bool = False) -> list[bool]:
    """'cheap' answers 30 tasks 3 times each, invalidly on t0..t5; 'dear' answers every task right once.
    Returns per task whether the cheap model was right."""
    suite = add_suite(con, "triage", "triage", bar=0.8)
    right = [i % 10 != 9 for i in range(30)]
    add_results(
        con,
        "r1",
        suite,
        "cheap",
        [[r] * 3 for r in right],
        valid=[[i >= 6] * 3 for i in range(30)],
        price=(0.1, 0.4),
        cached=cached,
    )
    add_results(con, "r1", suite, "dear", [[True] for _ in range(30)], price=(10.0, 40.0))
    return right


def test_a_cascade_interval_is_over_tasks_like_a_single_models(con):
    right = _cascade_world(con)
    [row] = cascade_facts(con, [("triage", "cheap", "dear")]).to_dict("records")
    # t0..t5 escalate (to 'dear', right), the rest keep the cheap answer; listed in task id order (t0, t1, t10, ...)
    per_task = [3 if i < 6 or right[i] else 0 for i in sorted(range(30), key=lambda i: f"t{i}")]
    assert (row["trials"], row["tasks"], row["escalated"]) == (90, 30, 18)
    assert (list(row["task_correct"]), list(row["task_trials"])) == (per_task, [3] * 30)
    led = apply_scenario(cascade_facts(con, [("triage", "cheap", "dear")]), Scenario()).iloc[0]
    mean, low, high = stats.cluster_interval(per_task, [3] * 30)
    assert led["interval"] == "wilson over tasks"
    assert (led["accuracy"], led["ci_low"], led["ci_high"]) == pytest.approx((mean, low, high))
    # 90 trials counted as 90 samples would claim a narrower interval than 30 tasks hold
    assert led["ci_low"] < stats.wilson_interval(row["correct"], 90)[0]


def test_a_cascade_prices_cached_answers_at_the_snapshot_of_the_model_they_reuse(con):
    _cascade_world(con, cached=True)
    [row] = cascade_facts(con, [("triage", "cheap", "dear")]).to_dict("records")
    cheap_call, dear_call = (800 * 0.1 + 40 * 0.4) / 1e6, (800 * 10.0 + 40 * 40.0) / 1e6
    # the cheap model's answers came from the cache (stored at $0): production would pay for every one of them
    assert row["cost_usd_sum"] == pytest.approx(90 * cheap_call + 18 * dear_call)
    assert row["unpriced_attempts"] == 0


def test_a_cascade_with_cached_answers_of_an_unpriced_model_has_an_unknown_cost(con):
    suite = add_suite(con, "triage", "triage", bar=0.8)
    add_results(con, "r1", suite, "house", [[True]] * 30, price=(None, None), cached=True)
    add_results(con, "r1", suite, "dear", [[True]] * 30, price=(10.0, 40.0))
    [row] = cascade_facts(con, [("triage", "house", "dear")]).to_dict("records")
    assert row["unpriced_attempts"] == 30
    assert apply_scenario(cascade_facts(con, [("triage", "house", "dear")]), Scenario()).iloc[0]["cost_unknown"]


def test_a_cascade_pairs_each_run_with_the_fallbacks_answer_from_the_same_run(con):
    suite = add_suite(con, "triage", "triage", bar=0.8)
    # 'cheap' is invalid on every task in both runs; 'dear' was right in run r1 and wrong in run r2
    for run, dear_right, at in (("r1", True, "2026-01-01 10:00:00"), ("r2", False, "2026-01-02 10:00:00")):
        add_results(con, run, suite, "cheap", [[False]] * 30, valid=[[False]] * 30, finished_at=at)
        add_results(con, run, suite, "dear", [[dear_right]] * 30, finished_at=at)
    [row] = cascade_facts(con, [("triage", "cheap", "dear")]).to_dict("records")
    # every stored run counts (60 trials over 30 tasks), each escalating to its own run's fallback answer
    assert (row["trials"], row["tasks"], row["escalated"], row["correct"]) == (60, 30, 60, 30)
    assert list(row["task_correct"]) == [1] * 30 and list(row["task_trials"]) == [2] * 30


def test_the_cli_reports_a_cascade_over_tasks(isolated_db):
    con = routeboard.connect(isolated_db)
    _cascade_world(con)
    con.close()
    result = run_cli("report", "--cascades", "--json")
    assert result.returncode == 0, result.stderr
    [cascade] = [row for row in json.loads(result.stdout) if row["tier"] == "cascade"]
    assert (cascade["model"], cascade["trials"], cascade["tasks"]) == ("cheap → dear", 90, 30)
    assert cascade["interval"] == "wilson over tasks"
