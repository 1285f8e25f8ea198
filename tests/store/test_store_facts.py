"""Ledger facts count evidence in distinct tasks, however the trials were gathered."""

from __future__ import annotations

import pytest

from routeboard.catalog.models import add_model
from routeboard.decide.facts import cascade_facts, ledger_facts
from routeboard.library import save_suite
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.conftest import echo_suite
from tests.fakes import FakeProvider, install_fake


def _run(con, trials: int = 1) -> None:
    progress = start_run(con, RunRequest(suites=("echo",), models=("fake/m",), trials=trials, use_cache=False)).run()
    assert progress.status == "completed"


def test_two_runs_of_one_suite_are_the_same_tasks_twice(con):
    install_fake(FakeProvider())
    add_model(con, "fake/m", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    save_suite(
        con,
        echo_suite(12),
    )
    _run(con)
    [once] = ledger_facts(con).to_dict("records")
    assert (once["trials"], once["tasks"], once["task_correct"]) == (12, 12, None)
    _run(con)
    _run(con, trials=2)
    [row] = ledger_facts(con).to_dict("records")
    assert (row["trials"], row["tasks"]) == (48, 12)
    assert list(row["task_correct"]) == [4] * 12 and list(row["task_trials"]) == [4] * 12


def _scale_ledger(con, models: int = 4, categories: int = 2, tasks: int = 30) -> None:
    """The perf script's synthetic ledger (perf/ledger_scale.py), small: model m's accuracy rises with its price."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "perf"))
    from ledger_scale import build

    build(con, models, categories, tasks)


def test_a_cascade_pays_the_second_model_only_where_the_first_is_invalid_whatever_else_ran(con):
    _scale_ledger(con)
    # m00 answers 5 tasks of category 0 with an invalid output: those escalate to m03
    con.execute("UPDATE trials SET valid = false WHERE model_id = 'm00' AND suite_id = 'c0@1' AND task_id < 't13'")
    first = con.execute(
        "SELECT task_id, valid, correct FROM trials WHERE model_id = 'm00' AND suite_id = 'c0@1'"
    ).fetchall()
    second = dict(
        con.execute("SELECT task_id, correct FROM trials WHERE model_id = 'm03' AND suite_id = 'c0@1'").fetchall()
    )
    escalated = [task for task, valid, _ in first if not valid]
    expected_correct = sum(correct if valid else second[task] for task, valid, correct in first)
    cost = {m: (800 * 0.1 * (i + 1) + 40 * 0.4 * (i + 1)) / 1e6 for i, m in enumerate(["m00", "m01", "m02", "m03"])}
    [row] = cascade_facts(con, [("category 0", "m00", "m03")]).to_dict("records")
    assert (row["model_id"], row["trials"], row["tasks"]) == ("m00 → m03", 30, 30)
    assert (row["escalated"], row["valid"], row["correct"]) == (len(escalated), 30, expected_correct)
    assert row["cost_usd_sum"] == pytest.approx(30 * cost["m00"] + len(escalated) * cost["m03"])
    assert row["latency_ms_sum"] == 30 * 200 + len(escalated) * 230


def test_a_cascade_counts_every_stored_run_over_tasks(con):
    _scale_ledger(con)
    con.execute("UPDATE trials SET finished_at = TIMESTAMP '2026-01-01'")
    # a later run of m00 answered tasks t0..t4 of category 0 again, invalid this time, at $0.01 a call
    con.execute(
        "INSERT INTO runs (run_id, status, settings, prices) SELECT 'later', status, settings, prices FROM runs"
    )
    con.execute(
        "INSERT INTO trials (run_id, suite_id, task_id, model_id, trial, outcome, valid, correct, score, detail, "
        "attempts, output, finished_at) SELECT 'later', suite_id, task_id, model_id, 1, 'wrong', false, false, 0, '', "
        "1, 'x', TIMESTAMP '2026-02-01' FROM trials WHERE model_id = 'm00' AND suite_id = 'c0@1' "
        "AND task_id IN ('t0', 't1', 't2', 't3', 't4')"
    )
    con.execute(
        "INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms, "
        "input_tokens, output_tokens, cost_usd, infra_usd, valid, output) SELECT 'later', suite_id, task_id, "
        "model_id, 1, 1, now(), 999, 800, 40, 0.01, 0, false, 'x' FROM trials WHERE run_id = 'later'"
    )
    cost = {m: (800 * 0.1 * (i + 1) + 40 * 0.4 * (i + 1)) / 1e6 for i, m in enumerate(["m00", "m01", "m02", "m03"])}
    [row] = cascade_facts(con, [("category 0", "m00", "m03")]).to_dict("records")
    # both runs count, as for a single model: the later run's 5 trials escalate to m03's answer on the same task
    assert (row["trials"], row["tasks"], row["escalated"]) == (35, 30, 5)
    assert row["cost_usd_sum"] == pytest.approx(30 * cost["m00"] + 5 * (0.01 + cost["m03"]))
    assert row["latency_ms_sum"] == 30 * 200 + 5 * (999 + 230)
    # evidence over tasks: t0..t4 ran twice, so each is one task at its share of correct trials
    assert sorted(row["task_trials"]) == [1] * 25 + [2] * 5 and sum(row["task_correct"]) == row["correct"]
