"""The run engine's orchestration: workers take planned trials, drive each trial's state machine through calls
and gradings, and hand every attempt and outcome to the writer as it happens.

Each concern has its own module beside this one: the plan, certification rounds and route races (plan.py,
route.py), a trial's retries
(trial.py), the budget cap (budget.py), the reuse cache (cache.py), grading and judges (judge.py) and the writer
(writer.py). Providers declare what they can do (routeboard.providers.base.Capabilities); nothing here reads model ids.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from routeboard.catalog.pricing import attempt_cost, worst_case_usd
from routeboard.domain import Attempt, Model, Trial
from routeboard.errors import ProviderError, RouteboardError
from routeboard.providers.base import Completion
from routeboard.providers.registry import capabilities_for, provider_for, provider_key
from routeboard.run.budget import Budget, worst_case_input_tokens
from routeboard.run.cache import ReuseCache, request_hash
from routeboard.run.judge import Grading, JudgeUsage
from routeboard.run.plan import Certification, Job, RoutePlan, left_to_send
from routeboard.run.progress import Progress
from routeboard.run.request import RunRequest
from routeboard.run.route import RouteSetup, route_plan
from routeboard.run.trial import Call, Check, Done, Step, TrialState
from routeboard.secrets import scrub_text
from routeboard.store import reviews as review_store
from routeboard.store import runs as run_store
from routeboard.store.connection import Source, database_path, held
from routeboard.suites import render_messages

CANCEL_POLL_S = 0.2
# Another process asks a run to stop with a row in the store (the shared store has no file to leave a marker
# beside): read every second, off the event loop. The heartbeat says the run's process is alive; a run silent for
# STALE_S is one whose process died (routeboard/run/start.py, ``cancel_stale_run``).
CANCEL_DB_POLL_S = 1.0
HEARTBEAT_S = 10.0
STALE_S = 60.0


def cancel_marker(con: duckdb.DuckDBPyConnection, run_id: str) -> Path | None:
    """A file beside the database that asks a live run (in another process) to stop."""
    path = database_path(con)
    return path.with_name(f"{path.name}.cancel-{run_id}") if path else None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Runner:
    """Executes one run's pending trials; create with ``start_run`` or ``resume_run``."""

    def __init__(
        self,
        store: Source,
        run_id: str,
        request: RunRequest,
        jobs: list[Job],
        on_progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
        judges: dict[str, Model] | None = None,
        route: RouteSetup | None = None,
    ):
        # a local file is a lease (store/lease.py): held for each read and write batch, never for the whole run,
        # so the app and other runs use the file in between
        self.store = store
        self.run_id = run_id
        self.request = request
        self.cancel = cancel or threading.Event()
        self.on_progress = on_progress
        with held(store) as con:
            finished = run_store.finished_trials(con, run_id)
            waiting = review_store.pending_trial_keys(con, run_id)  # finished, but a pending trial settles nothing
            self.prior = run_store.unfinished_attempts(con, run_id)  # paid for before a stop: never sent again
            totals = run_store.run_totals(con, run_id)[0]
            self._marker = cancel_marker(con, run_id)
            spend = run_store.finished_trial_spend(con, run_id) if request.until_route else {}
        self.pending = left_to_send(jobs, finished)
        self.progress = Progress(
            run_id,
            total=len(jobs),
            done=len(finished),
            accepted=totals["accepted"],
            errors=totals["errors"],
            spend_usd=totals["known_spend_usd"],
        )
        # the known part of the spend: a call of unknown cost (no price) has nothing the budget could count
        self.budget = Budget(request.budget_usd, spent_usd=totals["known_spend_usd"])
        self.rng = random.Random(hash(run_id))
        self.cache = ReuseCache(store, request.use_cache)
        self.grading = Grading(judges or {}, request.settings)
        if request.until_route:
            self.plan: Certification | RoutePlan = route_plan(
                jobs,
                finished,
                waiting=waiting,
                costs=spend,
                trials=request.trials,
                round_tasks=request.round_tasks,
                setup=route or RouteSetup(),
            )
            self.progress.total = self.progress.done + self.plan.possible()
            self.progress.race = [call.as_dict() for call in self.plan.calls()]
        else:
            self.plan = Certification(
                jobs,
                {key: correct for key, correct in finished.items() if key not in waiting},
                enabled=request.certify,
                trials=request.trials,
                round_tasks=request.round_tasks,
            )
        self._trial_usd: dict[tuple, float] = {  # what each open trial has cost so far (a race's cost per trial)
            key: sum(a.spend_usd for a in attempts) for key, attempts in self.prior.items()
        }
        self._writer = None
        self._global: asyncio.Semaphore | None = None
        self._per_provider: dict[str, tuple[asyncio.Semaphore, float | None]] = {}

    # -- the run

    def run(self) -> Progress:
        """Run to the end (or cancel / budget); blocking. Returns the final progress."""
        return asyncio.run(self.run_async())

    async def run_async(self) -> Progress:
        from routeboard.run.writer import AttemptWriter

        self.grading.bind(asyncio.get_running_loop())
        self.cache.prefetch(self._hash(job, 1) for job in self.pending if job.key not in self.prior)
        self._global = asyncio.Semaphore(self.request.concurrency)
        self._per_provider = {}
        self._writer = AttemptWriter(self.store)
        watcher = asyncio.create_task(self._watch_cancel())
        status = "completed"
        try:
            for look, batch in self.plan.rounds(self.pending):
                await self._run_batch(batch)
                if self.cancel.is_set() or self.budget.exhausted:
                    break
                self.progress.total -= self.plan.settle(look, self.pending)
                if isinstance(self.plan, RoutePlan):
                    await self._record_race()
        except asyncio.CancelledError:
            status = "cancelled"
        finally:
            watcher.cancel()
            self._writer.close()
        return self._end(status)

    def _end(self, status: str) -> Progress:
        """Store the run's final status (and certified pairs, so a resume does not send them more)."""
        if self.cancel.is_set():
            status = "cancelled"
        elif self.budget.exhausted and self.progress.done < self.progress.total:
            status = "budget_exhausted"
        elif self.progress.done < self.progress.total:
            status = "failed"
        with held(self.store) as con:
            if self.request.certify:
                run_store.record_certified(con, self.run_id, self.plan.certified, self.progress.total)
            if self.request.until_route:
                run_store.record_race(con, self.run_id, self.progress.race, self.progress.total)
            run_store.set_status(con, self.run_id, status)
        self.progress.status = status
        self._report()
        if self._marker and self._marker.exists():
            self._marker.unlink(missing_ok=True)
        return self.progress

    async def _record_race(self) -> None:
        """After a round of a run that stops at the route: its races in the progress, and in the store for readers
        in other processes (a failed write is left to the next round: the trials hold the truth)."""
        self.progress.race = [call.as_dict() for call in self.plan.calls()]
        self._report()
        calls, total = self.progress.race, self.progress.total
        await self._quietly(lambda con, run_id: run_store.record_race(con, run_id, calls, total))

    async def _run_batch(self, batch: list[Job]) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        for job in batch:
            queue.put_nowait(job)
        workers = [
            asyncio.create_task(self._worker(queue)) for _ in range(min(self.request.concurrency, max(len(batch), 1)))
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()

    async def _worker(self, queue: asyncio.Queue) -> None:
        while not self.cancel.is_set() and not self.budget.exhausted:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await self._run_trial(job)

    async def _watch_cancel(self) -> None:
        """Set the cancel event when a marker file or a cancel request in the store asks; keep the heartbeat.

        The store's reads and the heartbeat's gated write run off the event loop, the heartbeat beside the polling
        (a write waiting its turn behind busy writers must not delay a cancel), and a failed one is tried again at
        its next turn: this task must outlive any one of them, or a request would never be read."""
        loop = asyncio.get_running_loop()
        polled_s = loop.time() - CANCEL_DB_POLL_S  # a request made before the run started is read at once
        beat_s, beating = loop.time() - HEARTBEAT_S, None
        while True:
            now_s = loop.time()
            if now_s - beat_s >= HEARTBEAT_S and (beating is None or beating.done()):
                beat_s, beating = now_s, asyncio.ensure_future(self._quietly(run_store.beat))
            if self._marker and self._marker.exists():
                self.cancel.set()
            if not self.cancel.is_set() and now_s - polled_s >= CANCEL_DB_POLL_S:
                polled_s = now_s
                if await self._quietly(run_store.cancel_requested):
                    self.cancel.set()
            if self.cancel.is_set():
                return
            await asyncio.sleep(CANCEL_POLL_S)

    async def _quietly(self, call: Callable) -> object:
        """``call(con, run_id)`` in a thread; None when the store fails it this time (retried at the next turn)."""
        try:
            return await asyncio.to_thread(self._in_store, call)
        except duckdb.Error:
            return None

    def _in_store(self, call: Callable) -> object:
        with held(self.store) as con:
            return call(con, self.run_id)

    # -- one trial

    async def _run_trial(self, job: Job) -> None:
        """Drive one trial's state machine; leave it without an outcome when cancelled or out of budget."""
        state = TrialState.resumed(
            render_messages(job.suite, job.task),
            self.request.retry_policy(job.suite.max_invalid_retries),
            self.prior.get(job.key),
        )
        usage = self.grading.usage_for(job.suite_id)
        judge_worst = self.grading.worst_usd(job) if self.budget.capped else 0.0
        step, last = state.first(), None
        while not isinstance(step, Done):
            if last is not None:  # an error or an invalid answer: stored now, the trial goes on
                self._writer.add(attempts=[last])
                last = None
            if isinstance(step, Check):  # resumed with an answer already paid for: grade it instead of asking again
                if not self.budget.try_reserve(judge_worst):
                    return
                step = state.graded(step.output, await self._grade(job, step.output, usage, judge_worst))
                continue
            asked = await self._ask(job, state, step, usage, judge_worst)
            if asked is None:
                return
            last, step = asked
        self._finish(job, step, state.attempts, last, usage)

    async def _ask(
        self, job: Job, state: TrialState, step: Call, usage: JudgeUsage | None, judge_worst: float
    ) -> tuple[Attempt, Step] | None:
        """Make one call (reserving its worst case and its judge's), grade the answer; the attempt and the next
        step, or None when cancelled or the budget cannot take the call."""
        if step.wait_s:
            await asyncio.sleep(step.wait_s)
        if self.cancel.is_set():
            return None
        settings = self.request.settings
        input_tokens = worst_case_input_tokens(step.messages) if self.budget.capped else 0
        worst = worst_case_usd(job.model, input_tokens, settings.max_output_tokens)
        if not self.budget.try_reserve(worst + judge_worst):  # the judge's call is reserved with the answer's
            return None
        number = state.sent()
        digest = self._hash(job, number, step.messages)
        started_at = _now()
        cached = self.cache.get(digest, number)
        result = cached or await self._call(job.model, step.messages)
        if isinstance(result, ProviderError) and result.kind == "cancelled":  # never sent: the trial stays open
            self._settle(worst + judge_worst, 0.0)
            return None
        attempt = self._attempt(job, number, started_at, digest, result, cached=cached is not None)
        self._settle(worst, attempt.spend_usd)
        self._trial_usd[job.key] = self._trial_usd.get(job.key, 0.0) + attempt.spend_usd
        if isinstance(result, ProviderError):
            self._settle(judge_worst, 0.0)
            return attempt, state.failed(result.kind, result.retry_after_s, self.rng)
        grade = await self._grade(job, result.text, usage, judge_worst)
        return replace(attempt, valid=grade.valid), state.graded(result.text, grade)

    async def _call(self, model: Model, messages: list[dict]) -> Completion | ProviderError:
        """One provider call within the run's and the provider's concurrency limits; failures come back classified."""
        semaphore, timeout_s = self._limits(model)
        async with self._global, semaphore:
            if self.cancel.is_set():
                return ProviderError("cancelled before the call", kind="cancelled")
            settings = self.request.settings
            try:
                return await asyncio.wait_for(provider_for(model).complete(model, messages, settings), timeout_s)
            except ProviderError as exc:
                return exc
            except TimeoutError:
                return ProviderError(f"no answer within {settings.timeout_s:g} s", kind="timeout")
            except RouteboardError as exc:
                return ProviderError(str(exc), kind="unavailable")

    def _limits(self, model: Model) -> tuple[asyncio.Semaphore, float | None]:
        """Per provider, read once from its capabilities: a concurrency limit (the run's per-provider limit, never
        above what the provider can serve) and a call timeout."""
        key = provider_key(model)
        if key not in self._per_provider:
            capabilities = capabilities_for(model)
            limit = self.request.per_provider_concurrency or self.request.concurrency
            if capabilities.max_concurrency:
                limit = min(limit, capabilities.max_concurrency)
            # A call in this process cannot be abandoned: a timeout would leave it running and stack the retry
            # behind it (its work is bounded by max_output_tokens instead).
            timeout_s = None if capabilities.in_process else self.request.settings.timeout_s + 5
            self._per_provider[key] = (asyncio.Semaphore(limit), timeout_s)
        return self._per_provider[key]

    def _attempt(
        self, job: Job, number: int, started_at: datetime, digest: str, result: Completion | ProviderError, cached: bool
    ) -> Attempt:
        """The stored attempt, priced from the run's snapshot (an answer reused from the cache costs nothing)."""
        made = {
            "run_id": self.run_id,
            "suite_id": job.suite_id,
            "task_id": job.task.id,
            "model_id": job.model.id,
            "trial": job.trial,
            "attempt": number,
            "started_at": started_at,
            "request_hash": digest,
        }
        if isinstance(result, ProviderError):  # a server that bills a failed call says what it used
            model_usd, _ = attempt_cost(job.model, result.billed_input_tokens, result.billed_output_tokens, 0)
            return Attempt(
                **made,
                input_tokens=result.billed_input_tokens,
                output_tokens=result.billed_output_tokens,
                cost_usd=model_usd,
                error_kind=result.kind,
                error=scrub_text(str(result))[:500],  # a provider's message may quote the key it was sent
            )
        model_usd, infra_usd = (
            (0.0, 0.0)
            if cached
            else attempt_cost(job.model, result.input_tokens, result.output_tokens, result.latency_ms)
        )
        return Attempt(
            **made,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_usd=model_usd,
            infra_usd=infra_usd,
            latency_ms=result.latency_ms,
            tokens_estimated=result.tokens_estimated,
            output=result.text,
            cached=cached,
        )

    async def _grade(self, job: Job, output: str, usage: JudgeUsage | None, judge_reserved_usd: float):
        """Grade one answer; a judge's calls are counted into ``usage`` and settled against their reservation."""
        if usage is None:
            return await self.grading.grade(job, output, None)
        call = JudgeUsage()
        grade = await self.grading.grade(job, output, call)
        usage.merge(call)
        self._settle(judge_reserved_usd, call.cost_usd or 0.0)
        return grade

    def _settle(self, reserved_usd: float, actual_usd: float) -> None:
        self.budget.settle(reserved_usd, actual_usd)
        self.progress.spend_usd = self.budget.spent_usd

    def _finish(self, job: Job, done: Done, attempts: int, last: Attempt | None, usage: JudgeUsage | None) -> None:
        """Record a trial's final outcome, together with its last attempt (they land in one transaction)."""
        grade = done.grade
        trial = Trial(
            run_id=self.run_id,
            suite_id=job.suite_id,
            task_id=job.task.id,
            model_id=job.model.id,
            trial=job.trial,
            outcome=done.outcome,
            valid=bool(grade and grade.valid),
            correct=bool(grade and grade.correct),
            score=None if done.outcome == "pending" else (grade.score if grade else 0.0),
            detail=(grade.detail if grade else "provider error")[:1000],
            attempts=attempts,
            output=done.output,
            finished_at=_now(),
            **(usage.trial_fields() if usage else {}),
        )
        self._writer.add(attempts=[last] if last else [], trials=[trial])
        # a trial waiting for review is evidence of nothing yet (None); its cost counts towards its model's
        spent_usd = self._trial_usd.pop(job.key, 0.0) + ((usage.cost_usd or 0.0) if usage else 0.0)
        correct = None if trial.outcome == "pending" else trial.correct
        self.plan.count(job.suite_id, job.task.id, job.model.id, job.trial, correct, spent_usd)
        self.progress.done += 1
        self.progress.accepted += trial.outcome == "accepted"
        self.progress.errors += trial.outcome == "error"
        self._report()

    def _hash(self, job: Job, attempt: int, messages: list[dict] | None = None) -> str:
        messages = messages or render_messages(job.suite, job.task)
        return request_hash(job.model, messages, self.request.settings, job.trial, attempt)

    def _report(self) -> None:
        if self.on_progress:
            self.on_progress(self.progress)
