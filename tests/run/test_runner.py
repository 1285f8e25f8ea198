"""The run engine's logic on the fake provider: outcomes, retries, budget, cancel/resume, cache, estimate."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput, ModelUnavailable, ProviderError
from routeboard.library import save_suite
from routeboard.providers.base import Capabilities, GenerationSettings
from routeboard.run.estimate import estimate
from routeboard.run.request import RunRequest
from routeboard.run.start import resume_run, start_run
from routeboard.run.trial import backoff_s
from routeboard.store.runs import get_run, run_totals
from tests.conftest import echo_suite
from tests.fakes import FakeProvider, install_fake

PRICE_IN, PRICE_OUT = 1.0, 2.0  # USD per million tokens
ONE_CALL_USD = (100 * PRICE_IN + 10 * PRICE_OUT) / 1e6


@pytest.fixture
def setup(con):
    """A 20-task suite whose prompt ends with the answer, and one priced fake model."""
    suite = echo_suite(20, validator=GraderSpec("regex", {"pattern": r"\d+"}))
    save_suite(con, suite)
    add_model(
        con,
        "fake/model",
        tier="small-proprietary",
        input_price_per_mtok_usd=PRICE_IN,
        output_price_per_mtok_usd=PRICE_OUT,
    )
    return con


def request(**kw) -> RunRequest:
    base = dict(
        suites=("echo",),
        models=("fake/model",),
        concurrency=4,
        backoff_base_s=0.001,
        backoff_max_s=0.01,
        settings=GenerationSettings(max_output_tokens=10),
    )
    return RunRequest(**{**base, **kw})


def trial_rows(con, run_id):
    return con.execute(
        "SELECT task_id, trial, outcome, attempts FROM trials WHERE run_id = ? ORDER BY ALL", [run_id]
    ).fetchall()


def test_a_run_stores_one_outcome_per_trial_and_costed_attempts(setup):
    fake = install_fake(FakeProvider())
    runner = start_run(setup, request(trials=2))
    progress = runner.run()
    assert progress.status == "completed" and progress.done == 40
    assert len(fake.calls) == 40
    totals = run_totals(setup, runner.run_id)[0]
    assert (totals["trials"], totals["accepted"], totals["attempts"]) == (40, 40, 40)
    assert totals["spend_usd"] == pytest.approx(40 * ONE_CALL_USD)
    cost = setup.execute("SELECT DISTINCT cost_usd FROM attempts WHERE run_id = ?", [runner.run_id]).fetchall()
    assert cost == [(pytest.approx(ONE_CALL_USD),)]


def test_concurrency_limit_is_never_passed(setup):
    fake = install_fake(FakeProvider(latency_s=0.01))
    start_run(setup, request(concurrency=3)).run()
    assert fake.peak_in_flight == 3


def test_retryable_errors_are_retried_and_each_attempt_is_stored(setup):
    # the first two calls for task 5 fail with 429 / 500, then it answers
    def failures(prompt, number):
        if prompt == "say: 5" and fake.calls.count(prompt) == 1:
            return ProviderError("slow down", kind="rate_limit", retry_after_s=0.05)
        if prompt == "say: 5" and fake.calls.count(prompt) == 2:
            return ProviderError("oops", kind="server")
        return None

    fake = install_fake(FakeProvider(failures=failures))
    runner = start_run(setup, request())
    runner.run()
    attempts = setup.execute(
        """SELECT attempt, error_kind, started_at FROM attempts
                                WHERE run_id = ? AND task_id = 't5' ORDER BY attempt""",
        [runner.run_id],
    ).fetchall()
    assert [a[1] for a in attempts] == ["rate_limit", "server", None]
    assert (attempts[1][2] - attempts[0][2]).total_seconds() >= 0.05  # Retry-After honoured
    assert ("t5", 1, "accepted", 3) in trial_rows(setup, runner.run_id)


def test_a_trial_gives_up_after_the_maximum_attempts(setup):
    install_fake(FakeProvider(failures=lambda p, n: ProviderError("down", kind="server") if p == "say: 1" else None))
    runner = start_run(setup, request(max_attempts=3))
    runner.run()
    assert ("t1", 1, "error", 3) in trial_rows(setup, runner.run_id)


def test_non_retryable_errors_end_the_trial_at_once(setup):
    install_fake(FakeProvider(failures=lambda p, n: ProviderError("bad key", kind="auth") if p == "say: 2" else None))
    runner = start_run(setup, request())
    runner.run()
    assert ("t2", 1, "error", 1) in trial_rows(setup, runner.run_id)


def test_a_providers_error_quoting_the_key_is_stored_without_it(setup, monkeypatch):
    key = "sk-proj-Zq81abcdefghijklmnop"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    said = f"Incorrect API key provided: {key}. You can find your API key at platform.openai.com"
    install_fake(FakeProvider(failures=lambda p, n: ProviderError(said, kind="auth") if p == "say: 2" else None))
    runner = start_run(setup, request())
    runner.run()
    [(stored,)] = setup.execute(
        "SELECT error FROM attempts WHERE run_id = ? AND error IS NOT NULL", [runner.run_id]
    ).fetchall()
    assert key not in stored
    assert stored == "Incorrect API key provided: [secret]. You can find your API key at platform.openai.com"


def test_invalid_output_is_retried_once_and_costed(setup):
    seen = set()

    def answer(prompt):
        if prompt == "say: 3" and prompt not in seen:
            seen.add(prompt)
            return "three"  # fails the \d+ validator
        return prompt.rsplit(":", 1)[-1].strip()

    install_fake(FakeProvider(answer=answer))
    runner = start_run(setup, request())
    runner.run()
    rows = setup.execute(
        """SELECT attempt, valid, cost_usd FROM attempts WHERE run_id = ? AND task_id = 't3'
                            ORDER BY attempt""",
        [runner.run_id],
    ).fetchall()
    assert rows == [(1, False, pytest.approx(ONE_CALL_USD)), (2, True, pytest.approx(ONE_CALL_USD))]
    assert ("t3", 1, "accepted", 2) in trial_rows(setup, runner.run_id)


def test_budget_cap_stops_launching_and_overshoot_stays_within_the_window(setup):
    install_fake(FakeProvider(latency_s=0.005))
    cap = 7.5 * ONE_CALL_USD
    runner = start_run(setup, request(budget_usd=cap, concurrency=4))
    progress = runner.run()
    assert progress.status == "budget_exhausted"
    spend = run_totals(setup, runner.run_id)[0]["spend_usd"]
    # reservations use counted input tokens; the fake reports more, so spend may pass the cap,
    # but never by more than the calls that can be in flight at once
    assert spend <= cap + 4 * ONE_CALL_USD
    assert 0 < progress.done < 20


def test_cancel_then_resume_sends_no_trial_twice_and_misses_none(setup):
    cancel = threading.Event()
    fake = install_fake(FakeProvider(latency_s=0.005))

    def stop_after_five(p):
        if p.done >= 5:
            cancel.set()

    runner = start_run(setup, request(concurrency=2), on_progress=stop_after_five, cancel=cancel)
    assert runner.run().status == "cancelled"
    first = len(fake.calls)
    assert 5 <= first < 20
    resumed = resume_run(setup, runner.run_id).run()
    assert resumed.status == "completed"
    assert len(fake.calls) == 20  # nothing already answered was sent again
    assert len(trial_rows(setup, runner.run_id)) == 20


def test_identical_second_run_is_served_from_the_cache_at_no_cost(setup):
    fake = install_fake(FakeProvider())
    start_run(setup, request()).run()
    second = start_run(setup, request())
    second.run()
    assert len(fake.calls) == 20
    totals = run_totals(setup, second.run_id)[0]
    assert (totals["spend_usd"], totals["cached_attempts"], totals["accepted"]) == (0, 20, 20)
    third = start_run(setup, request(use_cache=False))
    third.run()
    assert len(fake.calls) == 40


def test_estimate_is_within_25_percent_of_the_real_spend(setup):
    from routeboard.run.resolve import resolve_models, resolve_suites

    suites, models = resolve_suites(setup, ("echo",)), resolve_models(setup, ("fake/model",))
    settings = GenerationSettings(max_output_tokens=10)
    [est] = estimate(setup, suites, models, 1, None, settings)
    # the fake reports the token counts litellm's counter gives for the same prompt and answer
    install_fake(FakeProvider(input_tokens=est.input_tokens // 20, output_tokens=max(est.output_tokens // 20, 1)))
    runner = start_run(setup, request())
    runner.run()
    spend = run_totals(setup, runner.run_id)[0]["spend_usd"]
    assert abs(est.cost_usd - spend) <= 0.25 * spend


def test_backoff_grows_and_never_undercuts_retry_after():
    import random

    rng = random.Random(1)
    assert all(backoff_s(1, 1.0, 30, None, rng) <= 1.0 for _ in range(50))
    assert all(backoff_s(4, 1.0, 30, None, rng) <= 8.0 for _ in range(50))
    assert all(backoff_s(1, 1.0, 30, 5.0, rng) >= 5.0 for _ in range(50))


def test_certification_stops_settled_models_early_and_keeps_the_verdicts(con):
    from routeboard.decide.ledger import ledger

    suite = Suite(
        name="many",
        category="many",
        grader=GraderSpec("exact"),
        bar=0.8,
        tasks=tuple(Task(id=f"t{i}", input=f"say: {i}", expected=str(i)) for i in range(300)),
    )
    save_suite(con, suite)
    for name in ("fake/right", "fake/wrong"):
        add_model(con, name, input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=1.0)

    fake = install_fake(FakeProvider())
    answer_right = fake.complete

    async def complete(model, messages, settings):
        completion = await answer_right(model, messages, settings)
        return replace(completion, text="nope") if model.id == "fake/wrong" else completion

    fake.complete = complete
    runner = start_run(
        con, RunRequest(suites=("many",), models=("fake/right", "fake/wrong"), certify=True, round_tasks=25)
    )
    progress = runner.run()
    assert progress.status == "completed"
    assert len(fake.calls) <= 2 * 50  # both settled within two rounds instead of 600 calls
    verdicts = dict(zip(*[ledger(con, runs=[runner.run_id])[c] for c in ("model_id", "verdict")], strict=True))
    assert verdicts == {"fake/right": "clears", "fake/wrong": "fails"}
    certified = {c["model_id"]: c["verdict"] for c in get_run(con, runner.run_id)["settings"]["certified"]}
    assert certified == {"fake/right": "clears", "fake/wrong": "fails"}
    with pytest.raises(InvalidInput, match="already completed"):  # settled pairs are done, not missing
        resume_run(con, runner.run_id)


def test_a_provider_that_serves_one_call_at_a_time_never_gets_two(setup):
    fake = install_fake(FakeProvider(latency_s=0.005, capabilities=Capabilities(max_concurrency=1)))
    progress = start_run(setup, request(concurrency=4)).run()
    assert (progress.status, progress.accepted, fake.peak_in_flight) == ("completed", 20, 1)


def test_a_model_its_provider_cannot_call_is_refused_before_any_run_row(setup):
    down = Capabilities(unavailable_reason=lambda model: "the fake server is down")
    fake = install_fake(FakeProvider(capabilities=down))
    with pytest.raises(ModelUnavailable, match=r"^fake/model: the fake server is down$"):
        start_run(setup, request())
    assert run_totals(setup) == [] and fake.calls == []


def test_a_cancel_leaves_trials_still_queued_open_for_the_resume(setup):
    """Trials waiting for a one-at-a-time provider when the run is cancelled were never sent: they are not errors."""
    cancel = threading.Event()
    fake = install_fake(FakeProvider(latency_s=0.01, capabilities=Capabilities(max_concurrency=1)))
    runner = start_run(
        setup, request(concurrency=4), cancel=cancel, on_progress=lambda p: cancel.set() if p.done >= 3 else None
    )
    progress = runner.run()
    assert progress.status == "cancelled" and progress.errors == 0
    assert setup.execute("SELECT count(*) FROM attempts WHERE error_kind IS NOT NULL").fetchone() == (0,)
    resumed = resume_run(setup, runner.run_id).run()
    assert (resumed.status, resumed.accepted, resumed.errors, len(fake.calls)) == ("completed", 20, 0, 20)
