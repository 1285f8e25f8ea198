"""Browsing stored results: the newest trials, each with the summed cost of its attempts (retries included)."""

from __future__ import annotations

import pytest

from routeboard.store.browse import trial_count, trial_rows
from tests.store.test_store_facts import _scale_ledger


@pytest.fixture
def ledger(con):
    """3 models x 2 categories x 10 tasks; each trial finished at its own minute; one trial of m02 retried."""
    _scale_ledger(con, models=3, categories=2, tasks=10)
    con.execute(
        "UPDATE trials SET finished_at = TIMESTAMP '2026-01-01' + to_minutes("
        "(substr(suite_id, 2, 1)::INTEGER * 100 + substr(task_id, 2)::INTEGER * 3 + substr(model_id, 2)::INTEGER))"
    )
    con.execute(
        "INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms, "
        "input_tokens, output_tokens, cost_usd, infra_usd, valid, output) "
        "VALUES ('scale', 'c1@1', 't9', 'm02', 1, 2, now(), 500, 800, 40, 0.5, 0, true, 'x')"
    )
    return con


def test_the_newest_trials_come_first_with_their_retries_paid(ledger):
    rows = trial_rows(ledger, limit=4)
    # category 1's task t9 finished last: m02, m01, m00, then task t8's m02
    assert list(zip(rows["task_id"], rows["model_id"])) == [("t9", "m02"), ("t9", "m01"), ("t9", "m00"), ("t8", "m02")]
    assert set(rows["category"]) == {"category 1"}
    first_call_usd = (800 * 0.1 * 3 + 40 * 0.4 * 3) / 1e6
    assert rows["cost_usd"].iloc[0] == pytest.approx(first_call_usd + 0.5)  # the retry is paid too
    assert rows["latency_ms"].iloc[0] == 220 + 500
    assert rows["cost_usd"].iloc[3] == pytest.approx(first_call_usd)


def test_filters_pick_trials_before_the_limit(ledger):
    rows = trial_rows(ledger, models=["m00"], categories=["category 0"], limit=3)
    assert list(rows["task_id"]) == ["t9", "t8", "t7"] and set(rows["model_id"]) == {"m00"}
    assert rows["cost_usd"].tolist() == pytest.approx([(800 * 0.1 + 40 * 0.4) / 1e6] * 3)
    assert len(trial_rows(ledger)) == 60


def test_the_count_covers_every_matching_trial_beyond_any_limit(ledger):
    assert trial_count(ledger) == 60 and len(trial_rows(ledger, limit=4)) == 4
    assert trial_count(ledger, models=["m00"], categories=["category 0"]) == 10
    assert trial_count(ledger, models=["no such model"]) == 0
