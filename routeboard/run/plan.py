"""The plan of a run: every (suite, task, model, trial) to send, interleaved; on a resume, what is left; with
sequential certification, rounds of tasks that stop sending a model once its verdict is settled.

Certification counts evidence in tasks, not trials (docs/design.md, "Deciding"): k trials of one task are not
k independent samples, and a model clears only on at least its suite's ``min_tasks`` tasks (the rule in
``decide/verdicts.py``, on an anytime-valid bound)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from routeboard.decide.constraints import effective
from routeboard.decide.verdicts import sequential_verdict
from routeboard.domain import Model, Suite, Task


@dataclass(frozen=True)
class Job:
    """One trial to send: a task of a suite, to a model, as its n-th trial."""

    suite_id: str
    suite: Suite
    task: Task
    model: Model
    trial: int
    position: int = 0  # the task's place in its suite (certification rounds go by it)

    @property
    def key(self) -> tuple:
        return (self.suite_id, self.task.id, self.model.id, self.trial)

    @property
    def pair(self) -> tuple[str, str]:
        """(suite, model): what a verdict is about."""
        return (self.suite_id, self.model.id)


def plan_jobs(suites: list[tuple[str, Suite]], models: list[Model], trials: int, limit: int | None) -> list[Job]:
    """Every (suite, task, model, trial), interleaved so each model progresses at the same pace."""
    jobs = []
    for suite_id, suite in suites:
        tasks = suite.tasks[:limit] if limit else suite.tasks
        for trial in range(1, trials + 1):
            for position, task in enumerate(tasks):
                for model in models:
                    jobs.append(Job(suite_id, suite, task, model, trial, position))
    return jobs


def left_to_send(jobs: list[Job], finished: dict[tuple, bool]) -> list[Job]:
    """The jobs without a final outcome yet (a resume sends only these)."""
    return [job for job in jobs if job.key not in finished]


def task_evidence(per_task: dict, trials: int) -> tuple[float, int]:
    """(successes, n) for a verdict counted in tasks: each task whose ``trials`` trials are all done counts once,
    with its share of correct trials. k trials of one task are not k independent samples (docs/design.md), so the
    conservative effective sample size is the number of tasks. ``per_task`` maps a task to [correct, finished]."""
    shares = [correct / trials for correct, finished in per_task.values() if finished >= trials]
    return min(float(sum(shares)), float(len(shares))), len(shares)


def suite_min_tasks(suite: Suite) -> int:
    """Independent tasks a model needs on this suite before it may clear: its constraints' ``min_tasks`` (the
    ledger reads the same number, so a run never stops a model the ledger then keeps off the route)."""
    return int(effective(suite.constraints, None)["min_tasks"])


class Certification:
    """Which jobs to send round by round, and which (suite, model) pairs are settled after each round.

    Without certification every pending job is one round and nothing is ever settled."""

    def __init__(self, jobs: list[Job], finished: dict[tuple, bool], *, enabled: bool, trials: int, round_tasks: int):
        self.enabled = enabled
        self.trials = trials
        self.round_tasks = round_tasks
        self.certified: dict[tuple, dict] = {}  # (suite, model) -> {verdict, look, tasks}
        self._counts: dict[tuple, dict[str, list[int]]] = {}  # (suite, model) -> {task: [correct, finished]}
        self._finished: set[tuple] = set()
        self._bars = {job.suite_id: job.suite.bar for job in jobs}
        self._min_tasks = {job.suite_id: suite_min_tasks(job.suite) for job in jobs}
        positions = max((job.position for job in jobs), default=0) + 1
        self._max_looks = max(1, -(-positions // round_tasks))
        for (suite_id, task_id, model_id, trial), correct in finished.items():
            self.count(suite_id, task_id, model_id, trial, correct)

    def count(self, suite_id: str, task_id: str, model_id: str, trial: int, correct: bool) -> None:
        """Count one finished trial."""
        self._finished.add((suite_id, task_id, model_id, trial))
        counts = self._counts.setdefault((suite_id, model_id), {}).setdefault(task_id, [0, 0])
        counts[0] += correct
        counts[1] += 1

    def rounds(self, pending: list[Job]) -> Iterator[tuple[int, list[Job]]]:
        """(look, jobs) per round: all pending jobs at once, or rounds of tasks minus the pairs settled so far."""
        if not self.enabled:
            yield 1, pending
            return
        size = self.round_tasks
        last = max((job.position for job in pending), default=-1)
        for look, start in enumerate(range(0, last + 1, size), start=1):
            yield (
                look,
                [job for job in pending if start <= job.position < start + size and job.pair not in self.certified],
            )

    def settle(self, look: int, pending: list[Job]) -> int:
        """After a round: settle each pair whose verdict on the anytime-valid bound is no longer undecided; returns
        the trials no longer needed. Clearing needs the suite's min_tasks; failing needs none (it only saves calls)."""
        if not self.enabled:
            return 0
        skipped = 0
        for pair, per_task in self._counts.items():
            if pair in self.certified:
                continue
            successes, n = task_evidence(per_task, self.trials)
            if n == 0:
                continue
            suite_id = pair[0]
            verdict = sequential_verdict(
                successes, n, self._bars[suite_id], look, min_tasks=self._min_tasks[suite_id], max_looks=self._max_looks
            )
            if verdict == "undecided":
                continue
            self.certified[pair] = {"verdict": verdict, "look": look, "tasks": n}
            skipped += sum(1 for job in pending if job.pair == pair and job.key not in self._finished)
        return skipped
