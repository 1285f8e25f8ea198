"""The plan: what a run sends, in which order, what a resume still owes, and when certification stops a model."""

from __future__ import annotations

from dataclasses import replace

from routeboard.catalog.models import embedded_model
from routeboard.run.plan import Certification, left_to_send, plan_jobs
from tests.conftest import echo_suite

SUITE = echo_suite(60, bar=0.5)
A, B = replace(embedded_model(), id="a"), replace(embedded_model(), id="b")


def test_models_are_interleaved_so_each_progresses_at_the_same_pace():
    jobs = plan_jobs([("echo@1", SUITE)], [A, B], trials=2, limit=3)
    assert [(j.task.id, j.model.id, j.trial) for j in jobs[:4]] == [
        ("t0", "a", 1),
        ("t0", "b", 1),
        ("t1", "a", 1),
        ("t1", "b", 1),
    ]
    assert len(jobs) == 3 * 2 * 2 and jobs[-1].key == ("echo@1", "t2", "b", 2)


def test_a_resume_sends_only_the_trials_without_an_outcome():
    jobs = plan_jobs([("echo@1", SUITE)], [A], trials=1, limit=4)
    left = left_to_send(jobs, {("echo@1", "t0", "a", 1): True, ("echo@1", "t2", "a", 1): False})
    assert [j.task.id for j in left] == ["t1", "t3"]


def test_certification_settles_a_pair_once_it_has_enough_tasks_and_drops_its_remaining_trials():
    jobs = plan_jobs([("echo@1", SUITE)], [A], trials=1, limit=None)
    plan = Certification(jobs, {}, enabled=True, trials=1, round_tasks=20)
    rounds = plan.rounds(jobs)

    def answer_all(batch):
        for job in batch:
            plan.count(job.suite_id, job.task.id, job.model.id, job.trial, True)

    look, batch = next(rounds)
    answer_all(batch)
    # 20 tasks all correct clear 0.5 in the bound, but fewer than the 30 tasks a clear needs: wait a round
    assert (look, len(batch), plan.settle(look, jobs), plan.certified) == (1, 20, 0, {})
    look, batch = next(rounds)
    answer_all(batch)
    assert (look, plan.settle(look, jobs)) == (2, 20)  # the last 20 tasks are not sent
    assert plan.certified == {("echo@1", "a"): {"verdict": "clears", "look": 2, "tasks": 40}}
    assert next(rounds) == (3, [])


def test_without_certification_every_pending_trial_is_one_round_and_nothing_settles():
    jobs = plan_jobs([("echo@1", SUITE)], [A, B], trials=1, limit=None)
    plan = Certification(jobs, {}, enabled=False, trials=1, round_tasks=20)
    assert [(look, len(batch)) for look, batch in plan.rounds(jobs)] == [(1, 120)]
    assert plan.settle(1, jobs) == 0
