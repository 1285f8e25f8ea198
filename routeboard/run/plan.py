"""The plan of a run: every (suite, task, model, trial) to send, interleaved; on a resume, what is left; with
sequential certification, rounds of tasks that stop sending a model once its verdict is settled; in a run that
stops at the route, rounds that stop each model once it cannot become its category's route (``RoutePlan``).

Certification counts evidence in tasks, not trials (docs/design.md, "Deciding"): k trials of one task are not
k independent samples, and a model clears only on at least its suite's ``min_tasks`` tasks (the rule in
``decide/verdicts.py``, on an anytime-valid bound)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from routeboard.decide.constraints import effective
from routeboard.decide.race import Contender, RaceCall, RaceRules, call_race
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


def plan_jobs(
    suites: list[tuple[str, Suite]], models: list[Model], trials: int, limit: int | None, order_seed: int | None = None
) -> list[Job]:
    """Every (suite, task, model, trial), interleaved so each model progresses at the same pace. With an
    ``order_seed`` each suite's tasks (its first ``limit``) go out in one seeded random order shared by every
    model, so rounds are fair samples and models' results pair up task by task."""
    jobs = []
    for suite_id, suite in suites:
        tasks = list(suite.tasks[:limit] if limit else suite.tasks)
        if order_seed is not None:
            random.Random(f"{order_seed}:{suite_id}").shuffle(tasks)
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

    def count(
        self, suite_id: str, task_id: str, model_id: str, trial: int, correct: bool | None, usd: float = 0.0
    ) -> None:
        """Count one finished trial (``correct`` None: it waits for review, evidence of nothing yet)."""
        if correct is None:
            return
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


class CategoryRace:
    """One category's race, round by round: each model's rounds done, its evidence (in tasks) and spend, and the
    rule's call (``decide.race``). A round gives every model sent the next ``round_tasks`` positions of each of
    the category's suites, in their shared order, so a look always falls at the same number of tasks."""

    def __init__(
        self,
        category: str,
        suite_sizes: dict[str, int],
        models: list[str],
        rules: RaceRules,
        round_tasks: int,
        prior_usd: dict[str, float],
        excluded: dict[str, str] | None = None,
    ):
        self.category = category
        self.suite_sizes = suite_sizes
        self.rules = rules
        self.round_tasks = round_tasks
        self.max_looks = max(1, max(-(-size // round_tasks) for size in suite_sizes.values()))
        self.models = list(models)
        self.prior_usd = prior_usd
        self.excluded = excluded or {}
        self.looks = dict.fromkeys(self.models, 0)
        self.successes = dict.fromkeys(self.models, 0.0)
        self.tasks = dict.fromkeys(self.models, 0)
        self.usd = dict.fromkeys(self.models, 0.0)
        self.trials = dict.fromkeys(self.models, 0)
        self.stopped: dict[str, str] = {}
        self.call: RaceCall = self.decide()

    @property
    def over(self) -> bool:
        """Nothing more to send: the route is known, no model can clear, or the open ones ran out of tasks."""
        return not self.call.sending()

    def chunk(self, look: int) -> range:
        """Positions of a suite that the ``look``-th round (from 1) sends."""
        return range((look - 1) * self.round_tasks, look * self.round_tasks)

    def advance(self, model_id: str, successes: float, tasks: int, usd: float, trials: int) -> None:
        """Count a model's finished round: its tasks' evidence, and the spend of its trials."""
        self.looks[model_id] += 1
        self.successes[model_id] += successes
        self.tasks[model_id] += tasks
        self.usd[model_id] += usd
        self.trials[model_id] += trials

    def contender(self, model_id: str) -> Contender:
        trials = self.trials[model_id]
        usd = self.usd[model_id] / trials if trials else self.prior_usd.get(model_id, math.nan)
        return Contender(
            model_id,
            self.successes[model_id],
            self.tasks[model_id],
            self.looks[model_id],
            self.max_looks,
            usd,
            self.excluded.get(model_id),
            sum(max(0, size - self.looks[model_id] * self.round_tasks) for size in self.suite_sizes.values()),
        )

    def decide(self) -> RaceCall:
        """The call after a round; final stops are kept, and a race that is over keeps its last call."""
        if getattr(self, "call", None) is not None and self.call.state in ("settled", "none_can_clear"):
            return self.call
        self.call = call_race(self.category, [self.contender(m) for m in self.models], self.rules, self.stopped)
        self.stopped |= {s.model_id: s.reason for s in self.call.standings if s.final}
        return self.call


class RoutePlan:
    """A run that stops at the route (``RunRequest.until_route``): which jobs to send round by round.

    Each category's race (``CategoryRace``) says which models get its next round; a model's round is its jobs at
    that round's positions. A race moves on only once every model it sent has finished its round, so its calls
    depend on the results alone: a resume replays the rounds its finished trials complete and goes on from the
    first one that is not, reaching the calls an uninterrupted run would have made (no trial sent twice)."""

    def __init__(
        self,
        jobs: list[Job],
        finished: dict[tuple, bool],
        *,
        waiting: set[tuple] = frozenset(),
        costs: dict[tuple, float] | None = None,
        trials: int,
        races: dict[str, CategoryRace],
    ):
        self.trials = trials
        self.races = races
        self._jobs: dict[tuple, list[Job]] = {}  # (category, model, round) -> its jobs
        self._category = {job.suite_id: job.suite.category for job in jobs}
        for job in jobs:
            self._jobs.setdefault(self._round_of(job), []).append(job)
        self._finished: dict[tuple, bool | None] = {}  # key -> correct (None: waits for review, no evidence)
        self._usd: dict[tuple, float] = dict(costs or {})
        for key, correct in finished.items():
            self._finished[key] = None if key in waiting else correct
        self._moved = True  # whether the last round moved a race on
        self._replay()

    def _round_of(self, job: Job) -> tuple:
        race = self.races[job.suite.category]
        return (race.category, job.model.id, job.position // race.round_tasks + 1)

    def count(self, suite_id: str, task_id: str, model_id: str, trial: int, correct: bool | None, usd: float = 0.0):
        """Count one finished trial (``correct`` None: it waits for a person's review and is evidence of nothing)."""
        key = (suite_id, task_id, model_id, trial)
        self._finished[key] = correct
        self._usd[key] = usd

    def calls(self) -> list[RaceCall]:
        """Every category's latest call."""
        return [race.call for race in self.races.values()]

    def _complete(self, category: str, model_id: str, look: int) -> bool:
        return all(job.key in self._finished for job in self._jobs.get((category, model_id, look), []))

    def _advance(self, race: CategoryRace) -> None:
        """Count the round every model it sent has finished, then decide."""
        for model_id in race.call.sending():
            look = race.looks[model_id] + 1
            jobs = self._jobs.get((race.category, model_id, look), [])
            per_task: dict[tuple, list[int]] = {}
            usd = 0.0
            for job in jobs:
                correct = self._finished[job.key]
                usd += self._usd.get(job.key, 0.0)
                if correct is not None:
                    counts = per_task.setdefault((job.suite_id, job.task.id), [0, 0])
                    counts[0] += correct
                    counts[1] += 1
            successes, tasks = task_evidence({i: c for i, c in enumerate(per_task.values())}, self.trials)
            race.advance(model_id, successes, tasks, usd, len(jobs))
        race.decide()

    def _replay(self) -> None:
        """On a resume: move each race through the rounds its finished trials complete."""
        for race in self.races.values():
            while not race.over and all(
                self._complete(race.category, m, race.looks[m] + 1) for m in race.call.sending()
            ):
                self._advance(race)

    def rounds(self, pending: list[Job]) -> Iterator[tuple[int, list[Job]]]:
        """(look, jobs) per round: each race's next round for the models it sends, cheapest expected cpat first.
        Ends when every race is over, or when a round left its races where they were (a trial that found no
        outcome: the run ends unfinished rather than ask again)."""
        look = 0
        while any(not race.over for race in self.races.values()):
            batch = []
            for race in self.races.values():
                order = {s.model_id: i for i, s in enumerate(race.call.standings)}
                for model_id in sorted(race.call.sending(), key=order.get):
                    jobs = self._jobs.get((race.category, model_id, race.looks[model_id] + 1), [])
                    batch += [job for job in jobs if job.key not in self._finished]
            look += 1
            yield look, batch
            if not self._moved:
                return

    def settle(self, look: int, pending: list[Job]) -> int:
        """After a round: move on each race whose round is complete; returns how many planned trials are no
        longer needed (models stopped for good, races over)."""
        before = self.possible()
        self._moved = False
        for race in self.races.values():
            if not race.over and all(self._complete(race.category, m, race.looks[m] + 1) for m in race.call.sending()):
                self._advance(race)
                self._moved = True
        return before - self.possible()

    def possible(self) -> int:
        """Planned trials that may still be sent: those of the models of races not over that are not stopped for
        good."""
        left = 0
        for (category, model_id, _), jobs in self._jobs.items():
            race = self.races[category]
            if race.over or model_id in race.stopped:
                continue
            left += sum(1 for job in jobs if job.key not in self._finished)
        return left
