"""Runs of a suite people grade: trials are stored pending, never retried for being "wrong", settle nothing."""

from __future__ import annotations

import pytest

from routeboard.catalog.models import EMBEDDED_ID, add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from routeboard.run.start import resume_run, start_run
from routeboard.store.runs import get_run, run_totals
from tests.fakes import FakeProvider, install_fake


def emails_suite(con, tasks: int = 40, validator: GraderSpec | None = None) -> None:
    save_suite(
        con,
        Suite(
            name="emails",
            category="internal email",
            grader=GraderSpec("human", {"overlap": 0.2}),
            validator=validator,
            bar=0.5,
            tasks=tuple(Task(id=f"t{i}", input=f"write to the team: {i}") for i in range(tasks)),
        ),
    )
    add_model(con, "fake/writer", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)


def outcomes(con, run_id) -> list[tuple]:
    return con.execute(
        "SELECT outcome, valid, correct, score, detail, count(*) FROM trials WHERE run_id = ? "
        "GROUP BY ALL ORDER BY ALL",
        [run_id],
    ).fetchall()


def test_a_human_graded_run_stores_every_trial_pending_with_one_call_each(con):
    emails_suite(con)
    fake = install_fake(FakeProvider())
    runner = start_run(con, RunRequest(suites=("emails",), models=("fake/writer",), concurrency=4))
    progress = runner.run()
    assert progress.status == "completed" and progress.done == 40 and progress.accepted == 0
    assert len(fake.calls) == 40  # not retried: waiting for a person is not a wrong answer
    assert outcomes(con, runner.run_id) == [("pending", True, False, None, "waiting for review", 40)]
    assert run_totals(con, runner.run_id)[0]["accepted"] == 0


def test_an_output_failing_the_validator_is_still_retried_and_invalid(con):
    emails_suite(con, tasks=5, validator=GraderSpec("regex", {"pattern": "^Dear"}))
    fake = install_fake(FakeProvider(answer=lambda prompt: "hi"))
    runner = start_run(con, RunRequest(suites=("emails",), models=("fake/writer",), backoff_base_s=0.001))
    runner.run()
    assert len(fake.calls) == 10  # the validator's one retry per trial, as for any suite
    assert [row[0] for row in outcomes(con, runner.run_id)] == ["invalid"]


def test_certification_settles_nothing_on_pending_trials(con):
    emails_suite(con, tasks=60)
    fake = install_fake(FakeProvider())
    request = RunRequest(suites=("emails",), models=("fake/writer",), certify=True, round_tasks=20)
    runner = start_run(con, request)
    progress = runner.run()
    assert len(fake.calls) == 60 and progress.done == 60  # every round sent: no verdict without reviews
    assert get_run(con, runner.run_id)["settings"]["certified"] == []


def test_a_resume_does_not_send_pending_trials_again(con):
    emails_suite(con, tasks=10)
    install_fake(FakeProvider())
    runner = start_run(con, RunRequest(suites=("emails",), models=("fake/writer",)))
    runner.run()
    con.execute("UPDATE runs SET status = 'cancelled' WHERE run_id = ?", [runner.run_id])
    fake = install_fake(FakeProvider())
    resume_run(con, runner.run_id).run()
    assert fake.calls == []


@pytest.mark.real_model
def test_the_embedded_model_answers_a_human_graded_suite_and_every_answer_waits_for_review(con):
    save_suite(
        con,
        Suite(
            name="replies",
            category="customer reply",
            grader=GraderSpec("human"),
            tasks=tuple(
                Task(id=f"r{i}", input=f"Write one polite sentence thanking a customer for order {i}.")
                for i in range(3)
            ),
        ),
    )
    request = RunRequest(suites=("replies",), models=(EMBEDDED_ID,), settings=GenerationSettings(max_output_tokens=16))
    runner = start_run(con, request)
    assert runner.run().status == "completed"
    rows = con.execute(
        "SELECT outcome, score, output <> '' FROM trials WHERE run_id = ? ORDER BY task_id", [runner.run_id]
    ).fetchall()
    assert rows == [("pending", None, True)] * 3  # a real answer each, none graded by a machine
    assert con.execute("SELECT count(*) FROM attempts WHERE run_id = ?", [runner.run_id]).fetchone() == (3,)
