"""The run engine: suites x models x trials, graded and stored attempt by attempt.

Design choices, each for a user's money:
- every attempt is written as soon as it finishes (batched only by what finishes together), so a crash,
  a cancel or a spent budget loses at most the calls in flight;
- the budget reserves each call's worst-case cost before launching it, so the overshoot is bounded by the
  calls in flight;
- retries are ours (the SDKs' are off): exponential backoff with jitter, honouring Retry-After; an error that
  asking again cannot fix (no key, auth, not found, bad request) ends the trial at once;
- judges are paid for: each llm_judge call's tokens, time and cost are stored on its trial and reserved in the budget;
- certification counts evidence in tasks, not trials (docs/design.md, "Deciding").
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from routeboard import graders
from routeboard.catalog import EMBEDDED_ID, get_model
from routeboard.domain import Grade, InfraProfile, Model, Price, Suite, Task
from routeboard.errors import InvalidInput, ModelUnavailable, ProviderError, RouteboardError
from routeboard.pricing import attempt_cost, model_from_snapshot, price_snapshot, worst_case_usd
from routeboard.providers import Completion, GenerationSettings, provider_for, provider_key
from routeboard.store import database_path
from routeboard.store import runs as run_store
from routeboard.store.suites import load_stored_suite
from routeboard.suites import render_messages

RETRYABLE = {"rate_limit", "server", "timeout", "connection", "malformed"}
JUDGE_MAX_OUTPUT_TOKENS = 256
EMBEDDED_JUDGE_WARNING = ("the judge of {suites} is the embedded 135M model ({model}), which cannot judge free-form "
                          "text reliably; use a hosted judge: --judge-model MODEL (on the Run page: 'Judge model'), "
                          "or judge_model in the suite's llm_judge options")


@dataclass(frozen=True)
class RunRequest:
    """What to run: suites x models x trials, and how."""

    suites: tuple[str, ...]
    models: tuple[str, ...]
    trials: int = 1
    limit: int | None = None
    concurrency: int = 4
    per_provider_concurrency: int | None = None
    budget_usd: float | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    use_cache: bool = True
    max_attempts: int = 4                  # provider errors per trial before it ends as `error`
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    judge_model: str | None = None         # overrides each llm_judge suite's own judge_model (default: embedded)
    certify: bool = False                  # sequential certification: stop a model once its verdict is settled
    round_tasks: int = 25                  # tasks per certification round

    def problems(self) -> list[str]:
        issues = []
        if not self.suites:
            issues.append("--suite: give at least one suite")
        if not self.models:
            issues.append("--model: give at least one model")
        if self.trials < 1 or self.trials > 100:
            issues.append("--trials must be from 1 to 100")
        if self.limit is not None and self.limit < 1:
            issues.append("--limit must be at least 1")
        if self.concurrency < 1 or self.concurrency > 512:
            issues.append("--concurrency must be from 1 to 512")
        if self.budget_usd is not None and not self.budget_usd >= 0:
            issues.append("--budget-usd must be a non-negative amount")
        if self.round_tasks < 1:
            issues.append("--round-tasks must be at least 1")
        if self.settings.max_output_tokens < 1:
            issues.append("--max-tokens must be at least 1")
        if not 0 <= self.settings.temperature <= 2:
            issues.append("--temperature must be in [0, 2]")
        return issues


@dataclass
class Progress:
    """Live progress of a run, safe to read from another thread (the page)."""

    run_id: str
    total: int
    done: int = 0
    accepted: int = 0
    errors: int = 0
    spend_usd: float = 0.0
    started_s: float = field(default_factory=time.monotonic)
    status: str = "running"

    @property
    def eta_s(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        return (time.monotonic() - self.started_s) / self.done * (self.total - self.done)


@dataclass(frozen=True)
class Job:
    suite_id: str
    suite: Suite
    task: Task
    model: Model
    trial: int
    position: int = 0   # the task's place in its suite (certification rounds go by it)

    @property
    def key(self) -> tuple:
        return (self.suite_id, self.task.id, self.model.id, self.trial)


@dataclass
class JudgeUsage:
    """What one trial's llm_judge calls used, summed: tokens, time and cost (model + infra) at the run's prices."""

    model_id: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float | None = 0.0

    def add(self, model: Model, completion: Completion) -> None:
        """Count one judge call, priced from the run's snapshot (an unknown price makes the sum unknown)."""
        model_usd, infra = attempt_cost(model, completion.input_tokens, completion.output_tokens,
                                        completion.latency_ms)
        self.merge(JudgeUsage(model.id, completion.input_tokens, completion.output_tokens, completion.latency_ms,
                              None if model_usd is None else model_usd + infra))

    def merge(self, other: JudgeUsage) -> None:
        self.model_id = other.model_id or self.model_id
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.latency_ms += other.latency_ms
        self.cost_usd = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd

    def columns(self) -> dict:
        """The trial row's judge_* columns."""
        return {"judge_model": self.model_id, "judge_input_tokens": self.input_tokens,
                "judge_output_tokens": self.output_tokens, "judge_cost_usd": self.cost_usd,
                "judge_latency_ms": self.latency_ms}


NO_JUDGE = {"judge_model": None, "judge_input_tokens": None, "judge_output_tokens": None, "judge_cost_usd": None,
            "judge_latency_ms": None}


# ---------------------------------------------------------------- pure helpers

def request_hash(model: Model, messages: list[dict], settings: GenerationSettings, trial: int, attempt: int) -> str:
    """Identity of a request for the reuse cache: model, messages, settings, trial and attempt number."""
    body = {"model": model.litellm_model, "api_base": model.api_base, "messages": messages,
            "temperature": settings.temperature, "max_output_tokens": settings.max_output_tokens,
            "seed": settings.seed, "trial": trial, "attempt": attempt}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def backoff_s(attempt: int, base_s: float, max_s: float, retry_after_s: float | None, rng: random.Random) -> float:
    """Exponential backoff with full jitter; a server's Retry-After is a floor, never shortened."""
    delay = rng.uniform(0, min(max_s, base_s * 2 ** (attempt - 1)))
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return delay


def retry_messages(messages: list[dict], output: str, detail: str) -> list[dict]:
    """The conversation for a retry after an invalid output: the answer and what the check said about it.

    Re-sending the identical request would mostly get the identical answer back (temperature 0, seeds)."""
    feedback = (f"Your answer did not pass the format check ({detail[:200]}). "
                "Reply again, following the instructions exactly.")
    return [*messages, {"role": "assistant", "content": output}, {"role": "user", "content": feedback}]


def outcome_of(grade: Grade | None) -> str:
    """accepted / wrong / invalid / error (docs/design.md, "Words")."""
    if grade is None:
        return "error"
    if not grade.valid:
        return "invalid"
    return "accepted" if grade.correct else "wrong"


def task_evidence(per_task: dict, trials: int) -> tuple[float, int]:
    """(successes, n) for a verdict counted in tasks: each task whose ``trials`` trials are all done counts once,
    with its share of correct trials. k trials of one task are not k independent samples (docs/design.md), so the
    conservative effective sample size is the number of tasks. ``per_task`` maps a task to [correct, finished]."""
    shares = [correct / trials for correct, finished in per_task.values() if finished >= trials]
    return min(float(sum(shares)), float(len(shares))), len(shares)


def min_tasks() -> int:
    """Independent tasks a model needs before it may clear a bar (docs/design.md, "Deciding")."""
    from routeboard import constraints

    return int(getattr(constraints, "DEFAULT_MIN_TASKS", 30))


class Budget:
    """Spend plus worst-case reservations of calls in flight never passes the cap."""

    def __init__(self, cap_usd: float | None, spent_usd: float = 0.0):
        self.cap_usd = cap_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0
        self.exhausted = False

    def try_reserve(self, worst_usd: float) -> bool:
        if self.cap_usd is not None and self.spent_usd + self.reserved_usd + worst_usd > self.cap_usd + 1e-12:
            self.exhausted = True
            return False
        self.reserved_usd += worst_usd
        return True

    def settle(self, worst_usd: float, actual_usd: float) -> None:
        self.reserved_usd -= worst_usd
        self.spent_usd += actual_usd


# ---------------------------------------------------------------- planning

def resolve_suites(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> list[tuple[str, Suite]]:
    """Suites by stored name/id, or by path (imported on the fly, recognised by content if already stored)."""
    from routeboard.store.suites import save_suite
    from routeboard.suites import load_suite

    resolved = []
    for name in names:
        if Path(name).exists():
            result = save_suite(con, load_suite(name))
            resolved.append(load_stored_suite(con, result.suite_id))
        else:
            resolved.append(load_stored_suite(con, name))
    return resolved


def resolve_models(con: duckdb.DuckDBPyConnection, ids: tuple[str, ...], role: str = "") -> list[Model]:
    """The models to call, refused up front (before any call or run row) when a run could only fail or mislead:
    no known price, the embedded model not installed, or a hosted model's API key not set."""
    models = [get_model(con, model_id) for model_id in dict.fromkeys(ids)]
    unknown = [m.id for m in models if not m.price.known]
    if unknown:
        raise InvalidInput(f"no known price for {role}{', '.join(unknown)}: set one with `python -m routeboard models "
                           f"add {unknown[0]} --input-price USD --output-price USD` (never assumed $0)")
    for model in models:
        if model.id == EMBEDDED_ID and not model.available:
            raise ModelUnavailable(model.unavailable_reason)
    missing = [f"{role}{m.id}: {reason}" for m in models if (reason := missing_key(m))]
    if missing:
        raise ModelUnavailable("; ".join(missing))
    return models


def missing_key(model: Model) -> str | None:
    """'VAR is not set' when a hosted model's API key is missing; None for local, Ollama and api_base models."""
    if provider_key(model):  # the embedded model and test doubles: no key
        return None
    from routeboard.providers.litellm_backend import missing_key_reason

    return missing_key_reason(model)


def judge_ids(suites: list[tuple[str, Suite]], override: str | None) -> dict[str, str]:
    """The judge of each llm_judge suite: the run's --judge-model, else the suite's judge_model, else embedded."""
    return {suite_id: override or (suite.grader.options or {}).get("judge_model") or EMBEDDED_ID
            for suite_id, suite in suites if suite.grader.name == "llm_judge"}


def judge_warning(suites: list[tuple[str, Suite]], override: str | None) -> str | None:
    """A warning when the embedded 135M model would judge free-form text; None otherwise."""
    judges = judge_ids(suites, override)
    names = [suite.name for suite_id, suite in suites if judges.get(suite_id) == EMBEDDED_ID]
    if not names:
        return None
    return EMBEDDED_JUDGE_WARNING.format(suites=", ".join(names), model=EMBEDDED_ID)


def resolve_judges(con: duckdb.DuckDBPyConnection, suites: list[tuple[str, Suite]],
                   override: str | None) -> dict[str, Model]:
    """Each llm_judge suite's judge model, refused up front like a run's models (price, key)."""
    ids = judge_ids(suites, override)
    models = {m.id: m for m in resolve_models(con, tuple(ids.values()), role="judge ")}
    return {suite_id: models[model_id] for suite_id, model_id in ids.items()}


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


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("r%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def cancel_marker(con: duckdb.DuckDBPyConnection, run_id: str) -> Path | None:
    """A file beside the database that asks a live run (in another process) to stop."""
    path = database_path(con)
    return path.with_name(f"{path.name}.cancel-{run_id}") if path else None


# ---------------------------------------------------------------- the engine

class Runner:
    """Executes one run's pending trials; create with ``start_run`` or ``resume_run``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, request: RunRequest, jobs: list[Job],
                 on_progress: Callable[[Progress], None] | None = None, cancel: threading.Event | None = None,
                 judges: dict[str, Model] | None = None):
        self.con = con
        self.run_id = run_id
        self.request = request
        self.jobs = jobs
        self.cancel = cancel or threading.Event()
        self.on_progress = on_progress
        done = run_store.finished_trials(con, run_id)
        self.pending = [j for j in jobs if j.key not in done]
        self.prior = run_store.unfinished_attempts(con, run_id)
        totals = run_store.run_totals(con, run_id)[0]
        self.progress = Progress(run_id, total=len(jobs), done=len(done), accepted=totals["accepted"],
                                 errors=totals["errors"], spend_usd=totals["spend_usd"])
        self.budget = Budget(request.budget_usd, spent_usd=totals["spend_usd"])
        self.rng = random.Random(hash(run_id))
        self._writer: run_store.AttemptWriter | None = None
        self._cache: dict[str, dict] = {}
        self._marker = cancel_marker(con, run_id)
        self._graders: dict[str, tuple] = {}
        self.judges = judges or {}            # suite id -> judge model, as priced in the run's snapshot
        self._local = threading.local()       # the judge usage of the trial a grading thread is working on
        # sequential certification state: (suite, model) -> {task: [correct, finished trials]}, settled pairs
        self._counts: dict[tuple, dict[str, list[int]]] = {}
        for (suite_id, task_id, model_id, _trial), correct in done.items():
            self._count((suite_id, model_id), task_id, correct)
        self._finished: set[tuple] = set(done)
        self._bars = {j.suite_id: j.suite.bar for j in jobs}
        positions = max((j.position for j in jobs), default=0) + 1
        self._max_looks = max(1, -(-positions // request.round_tasks))
        self.certified: dict[tuple, dict] = {}

    # -- public

    def run(self) -> Progress:
        """Run to the end (or cancel / budget); blocking. Returns the final progress."""
        return asyncio.run(self.run_async())

    async def run_async(self) -> Progress:
        loop = asyncio.get_running_loop()
        self._loop = loop
        if self.request.use_cache:
            first = [self._hash(j, 1) for j in self.pending if j.key not in self.prior]
            self._cache = run_store.cached_answers(self.con, first)
        self._global = asyncio.Semaphore(self.request.concurrency)
        self._per_provider: dict[str, asyncio.Semaphore] = {}
        self._writer = run_store.AttemptWriter(self.con)
        watcher = asyncio.create_task(self._watch_cancel())
        status = "completed"
        try:
            for batch in self._rounds():
                await self._run_batch(batch)
                if self.cancel.is_set() or self.budget.exhausted:
                    break
        except asyncio.CancelledError:
            status = "cancelled"
        finally:
            watcher.cancel()
            self._writer.close()
        if self.request.certify:
            run_store.record_certified(self.con, self.run_id, self.certified, self.progress.total)
        if self.cancel.is_set():
            status = "cancelled"
        elif self.budget.exhausted and self.progress.done < self.progress.total:
            status = "budget_exhausted"
        elif self.progress.done < self.progress.total:
            status = "failed"
        run_store.set_status(self.con, self.run_id, status)
        self.progress.status = status
        self._report()
        if self._marker and self._marker.exists():
            self._marker.unlink(missing_ok=True)
        return self.progress

    # -- rounds and workers

    def _rounds(self):
        """All pending jobs at once; with certification, rounds of tasks minus the models already settled."""
        if not self.request.certify:
            yield self.pending
            return
        size = self.request.round_tasks
        last = max((j.position for j in self.pending), default=-1)
        for look, start in enumerate(range(0, last + 1, size), start=1):
            batch = [j for j in self.pending if start <= j.position < start + size
                     and (j.suite_id, j.model.id) not in self.certified]
            yield batch
            self._certify(look)

    def _certify(self, look: int) -> None:
        """After a round: settle each (suite, model) whose anytime-valid bound already excludes or clears the bar.

        Evidence is counted in tasks whose k trials are all done (``task_evidence``), and a model clears only
        on at least ``min_tasks()`` tasks; failing early needs no minimum (it only saves calls)."""
        from routeboard import stats

        for (suite_id, model_id), per_task in self._counts.items():
            if (suite_id, model_id) in self.certified:
                continue
            successes, n = task_evidence(per_task, self.request.trials)
            if n == 0:
                continue
            verdict = stats.sequential_verdict(successes, n, self._bars[suite_id], look, max_looks=self._max_looks)
            if verdict == "clears" and n < min_tasks():
                continue
            if verdict != "undecided":
                self.certified[(suite_id, model_id)] = {"verdict": verdict, "look": look, "tasks": n}
                skipped = sum(1 for j in self.pending if (j.suite_id, j.model.id) == (suite_id, model_id)
                              and j.key not in self._finished)
                self.progress.total -= skipped

    async def _run_batch(self, batch: list[Job]) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        for job in batch:
            queue.put_nowait(job)
        workers = [asyncio.create_task(self._worker(queue))
                   for _ in range(min(self.request.concurrency, max(len(batch), 1)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()

    async def _worker(self, queue: asyncio.Queue) -> None:
        while not self.cancel.is_set() and not self.budget.exhausted:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await self._run_trial(job)

    async def _watch_cancel(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            if self._marker and self._marker.exists():
                self.cancel.set()
            if self.cancel.is_set():
                return

    def _semaphore(self, model: Model) -> asyncio.Semaphore:
        key = provider_key(model)
        if key not in self._per_provider:
            limit = self.request.per_provider_concurrency or self.request.concurrency
            if key == "local/":
                limit = 1  # one llama.cpp context: more would only queue inside the worker thread
            self._per_provider[key] = asyncio.Semaphore(limit)
        return self._per_provider[key]

    def _hash(self, job: Job, attempt: int, messages: list[dict] | None = None) -> str:
        messages = messages or render_messages(job.suite, job.task)
        return request_hash(job.model, messages, self.request.settings, job.trial, attempt)

    async def _run_trial(self, job: Job) -> None:
        prior = self.prior.get(job.key, [])
        attempt = len(prior)
        errors = sum(1 for a in prior if a["error_kind"])
        invalid = sum(1 for a in prior if not a["error_kind"] and a["valid"] is False)
        last_output = prior[-1]["output"] if prior and not prior[-1]["error_kind"] else None
        base = render_messages(job.suite, job.task)
        messages = base
        input_estimate = None
        judged = JudgeUsage() if job.suite_id in self.judges else None
        judge_worst = self._judge_worst_usd(job)
        while True:
            if last_output is not None:
                # Resumed with an answer already paid for: grade it instead of asking again.
                if not self.budget.try_reserve(judge_worst):
                    return
                grade = await self._grade(job, last_output, judged, judge_worst)
                if grade.valid or invalid >= job.suite.max_invalid_retries:
                    return self._finish(job, grade, attempt, last_output, judged=judged)
                messages = retry_messages(base, last_output, grade.detail)
                last_output = None
            if errors >= self.request.max_attempts:
                return self._finish(job, None, attempt, None, judged=judged)
            if self.cancel.is_set():
                return
            if input_estimate is None and self.budget.cap_usd is not None:
                input_estimate = worst_case_input_tokens(messages)
            worst = worst_case_usd(job.model, input_estimate or 0, self.request.settings.max_output_tokens)
            if not self.budget.try_reserve(worst + judge_worst):  # the judge's call is reserved with the answer's
                return
            attempt += 1
            record, completion, error = await self._attempt(job, messages, attempt)
            self.budget.settle(worst, (record["cost_usd"] or 0.0) + record["infra_usd"])
            self.progress.spend_usd = self.budget.spent_usd
            if error is not None:
                self.budget.settle(judge_worst, 0.0)
                self._writer.add(attempts=[record])
                errors += 1
                if error.kind not in RETRYABLE:  # no key, auth, not found, bad request: asking again cannot help
                    return self._finish(job, None, attempt, None, judged=judged)
                if errors < self.request.max_attempts:
                    await asyncio.sleep(backoff_s(errors, self.request.backoff_base_s, self.request.backoff_max_s,
                                                  error.retry_after_s, self.rng))
                continue
            grade = await self._grade(job, completion.text, judged, judge_worst)
            record["valid"] = grade.valid
            if not grade.valid and invalid < job.suite.max_invalid_retries:
                invalid += 1
                self._writer.add(attempts=[record])
                messages = retry_messages(base, completion.text, grade.detail)
                input_estimate = None
                continue
            return self._finish(job, grade, attempt, completion.text, record, judged=judged)

    async def _attempt(self, job: Job, messages: list[dict], attempt: int):
        digest = self._hash(job, attempt, messages)
        started_at = datetime.now(timezone.utc).replace(tzinfo=None)
        cached = self._cached(digest, attempt)
        error: ProviderError | None = None
        completion: Completion | None = None
        if cached is not None:
            completion = Completion(cached["output"] or "", int(cached["input_tokens"] or 0),
                                    int(cached["output_tokens"] or 0), float(cached["latency_ms"] or 0))
        else:
            async with self._global, self._semaphore(job.model):
                if self.cancel.is_set():
                    error = ProviderError("cancelled before the call", kind="cancelled")
                else:
                    provider = provider_for(job.model)
                    timeout_s = None if getattr(provider, "in_process", False) else self.request.settings.timeout_s + 5
                    try:
                        completion = await asyncio.wait_for(
                            provider.complete(job.model, messages, self.request.settings), timeout=timeout_s)
                    except ProviderError as exc:
                        error = exc
                    except asyncio.TimeoutError:
                        error = ProviderError(f"no answer within {self.request.settings.timeout_s:g} s",
                                              kind="timeout")
                    except RouteboardError as exc:
                        error = ProviderError(str(exc), kind="unavailable")
        if completion is not None:
            model_usd, infra_usd = (0.0, 0.0) if cached else attempt_cost(
                job.model, completion.input_tokens, completion.output_tokens, completion.latency_ms)
            record = self._record(job, attempt, started_at, completion.latency_ms, completion.input_tokens,
                                  completion.output_tokens, completion.tokens_estimated, model_usd, infra_usd,
                                  completion.text, None, None, cached is not None, digest)
        else:
            model_usd, _ = attempt_cost(job.model, error.billed_input_tokens, error.billed_output_tokens, 0)
            record = self._record(job, attempt, started_at, None, error.billed_input_tokens,
                                  error.billed_output_tokens, False, model_usd, 0.0, None, error.kind, str(error)[:500],
                                  False, digest)
        return record, completion, error

    def _cached(self, digest: str, attempt: int) -> dict | None:
        if not self.request.use_cache:
            return None
        if digest in self._cache:
            return self._cache.pop(digest)
        if attempt > 1:
            return run_store.cached_answers(self.con, [digest]).get(digest)
        return None

    def _record(self, job, attempt, started_at, latency_ms, input_tokens, output_tokens, estimated, model_usd,
                infra_usd, output, error_kind, error, cached, digest) -> dict:
        return {"run_id": self.run_id, "suite_id": job.suite_id, "task_id": job.task.id, "model_id": job.model.id,
                "trial": job.trial, "attempt": attempt, "started_at": started_at, "latency_ms": latency_ms,
                "input_tokens": input_tokens, "output_tokens": output_tokens, "tokens_estimated": estimated,
                "cost_usd": model_usd, "infra_usd": infra_usd, "valid": None, "output": output,
                "error_kind": error_kind, "error": error, "cached": cached, "request_hash": digest}

    # -- grading

    def _grader_for(self, job: Job):
        if job.suite_id not in self._graders:
            judge = None
            if job.suite.grader.name == "llm_judge":
                judge = lambda messages, suite_id=job.suite_id: self._judge(suite_id, messages)  # noqa: E731
            grader = graders.build_grader(job.suite.grader, judge=judge)
            validator = graders.build_validator(job.suite.validator) if job.suite.validator else None
            self._graders[job.suite_id] = (grader, validator)
        return self._graders[job.suite_id]

    def _judge_worst_usd(self, job: Job) -> float:
        """The most one judge call of this trial can cost (reserved only under a budget cap)."""
        model = self.judges.get(job.suite_id)
        if model is None or self.budget.cap_usd is None:
            return 0.0
        rubric = (job.suite.grader.options or {}).get("rubric", "")
        # the candidate's answer is quoted in the judge's prompt: up to its output allowance, in another tokenizer
        tokens = worst_case_input_tokens(graders.judge_messages(rubric, job.task, "")) \
            + 2 * self.request.settings.max_output_tokens
        return worst_case_usd(model, tokens, JUDGE_MAX_OUTPUT_TOKENS)

    def _judge(self, suite_id: str, messages: list[dict]) -> str:
        """Called from a grading thread: runs the judge model's call on the run's event loop and counts its usage."""
        model = self.judges[suite_id]
        settings = replace(self.request.settings, temperature=0.0, max_output_tokens=JUDGE_MAX_OUTPUT_TOKENS)
        future = asyncio.run_coroutine_threadsafe(provider_for(model).complete(model, messages, settings), self._loop)
        completion = future.result(timeout=settings.timeout_s + 10)
        usage = getattr(self._local, "usage", None)
        if usage is not None:
            usage.add(model, completion)
        return completion.text

    def _grade_counting(self, output: str, task: Task, grader, validator, usage: JudgeUsage) -> Grade:
        self._local.usage = usage
        try:
            return graders.grade_output(output, task, grader, validator)
        finally:
            self._local.usage = None

    async def _grade(self, job: Job, output: str, judged: JudgeUsage | None = None,
                     judge_reserved_usd: float = 0.0) -> Grade:
        """Grade one answer; an llm_judge's call is counted into ``judged`` and settled against its reservation."""
        grader, validator = self._grader_for(job)
        if judged is None:
            return graders.grade_output(output, job.task, grader, validator)
        call = JudgeUsage()
        grade = await asyncio.get_running_loop().run_in_executor(
            None, self._grade_counting, output, job.task, grader, validator, call)
        judged.merge(call)
        judged.model_id = self.judges[job.suite_id].id  # also when the precheck failed and no call was needed
        self.budget.settle(judge_reserved_usd, call.cost_usd or 0.0)
        self.progress.spend_usd = self.budget.spent_usd
        return grade

    # -- bookkeeping

    def _finish(self, job: Job, grade: Grade | None, attempts: int, output: str | None,
                last_attempt: dict | None = None, judged: JudgeUsage | None = None) -> None:
        """Record a trial's final outcome, together with its last attempt (they land in one transaction)."""
        outcome = outcome_of(grade)
        judge_columns = judged.columns() if judged is not None and judged.model_id else NO_JUDGE
        self._writer.add(attempts=[last_attempt] if last_attempt else [], trials=[{
            "run_id": self.run_id, "suite_id": job.suite_id, "task_id": job.task.id, "model_id": job.model.id,
            "trial": job.trial, "outcome": outcome, "valid": bool(grade and grade.valid),
            "correct": bool(grade and grade.correct), "score": grade.score if grade else 0.0,
            "detail": (grade.detail if grade else "provider error")[:1000], "attempts": attempts, "output": output,
            "finished_at": datetime.now(timezone.utc).replace(tzinfo=None), **judge_columns}])
        self.progress.done += 1
        self._finished.add(job.key)
        self._count((job.suite_id, job.model.id), job.task.id, bool(grade and grade.correct))
        self.progress.accepted += outcome == "accepted"
        self.progress.errors += outcome == "error"
        self._report()

    def _count(self, pair: tuple, task_id: str, correct: bool) -> None:
        counts = self._counts.setdefault(pair, {}).setdefault(task_id, [0, 0])
        counts[0] += correct
        counts[1] += 1

    def _report(self) -> None:
        if self.on_progress:
            self.on_progress(self.progress)


def describe_errors(errors: int, reasons: dict[str, tuple[int, str]]) -> str:
    """'2 errors: openai/gpt-4.1-nano: 401 ...' for a run's status line: per model, why its trials ended in error."""
    text = f"{errors} error{'' if errors == 1 else 's'}"
    if errors and reasons:
        text += ": " + "; ".join(f"{model_id}: {reason}" for model_id, (_, reason) in reasons.items())
    return text


def worst_case_input_tokens(messages: list[dict]) -> int:
    """An upper bound on a request's input tokens: a BPE token is at least one byte, plus per-message framing.

    Cheap enough for every call (litellm's counter costs ~1 ms a call), and never under the real count."""
    return sum(len((m.get("content") or "").encode()) + 8 for m in messages)


# ---------------------------------------------------------------- entry points

def start_run(con: duckdb.DuckDBPyConnection, request: RunRequest, *, run_id: str | None = None,
              on_progress=None, cancel: threading.Event | None = None) -> Runner:
    """Plan a run, snapshot prices, write the run row and return a Runner ready to ``run()``."""
    problems = request.problems()
    if problems:
        raise InvalidInput("; ".join(problems))
    suites = resolve_suites(con, request.suites)
    models = resolve_models(con, request.models)
    judges = resolve_judges(con, suites, request.judge_model)
    jobs = plan_jobs(suites, models, request.trials, request.limit)
    run_id = run_id or new_run_id()
    settings = {"suites": [sid for sid, _ in suites], "models": [m.id for m in models], "trials": request.trials,
                "limit": request.limit, "concurrency": request.concurrency,
                "per_provider_concurrency": request.per_provider_concurrency, "use_cache": request.use_cache,
                "max_attempts": request.max_attempts, "judge_model": request.judge_model,
                "judges": {suite_id: judge.id for suite_id, judge in judges.items()}, "certify": request.certify,
                "round_tasks": request.round_tasks,
                "generation": asdict(request.settings), "total_trials": len(jobs)}
    # judges are priced like the run's models: their snapshot entries sit beside the models'
    snapshot = {**price_snapshot(list(judges.values())), **price_snapshot(models)}
    run_store.create_run(con, run_id, settings, snapshot, request.budget_usd)
    return Runner(con, run_id, request, jobs, on_progress=on_progress, cancel=cancel, judges=judges)


def resume_run(con: duckdb.DuckDBPyConnection, run_id: str, *, on_progress=None,
               cancel: threading.Event | None = None, budget_usd: float | None = None) -> Runner:
    """Continue a run: only trials without a final outcome are sent; paid-for attempts are reused."""
    run = run_store.get_run(con, run_id)
    if run["status"] == "imported":
        raise InvalidInput(f"run {run_id} holds imported results; there is nothing to resume")
    if run["status"] == "completed":
        raise InvalidInput(f"run {run_id} is already completed; nothing to resume")
    s = run["settings"]
    models = [model_from_snapshot(mid, run["prices"][mid]) for mid in s["models"]]
    suites = [load_stored_suite(con, sid) for sid in s["suites"]]
    judge_ids_by_suite = s.get("judges") or judge_ids(suites, s.get("judge_model"))  # runs from before judges
    judges = {sid: model_from_snapshot(mid, run["prices"][mid]) if mid in run["prices"] else get_model(con, mid)
              for sid, mid in judge_ids_by_suite.items()}
    request = RunRequest(suites=tuple(s["suites"]), models=tuple(s["models"]), trials=s["trials"], limit=s["limit"],
                         concurrency=s["concurrency"], per_provider_concurrency=s["per_provider_concurrency"],
                         budget_usd=budget_usd if budget_usd is not None else run["budget_usd"],
                         settings=GenerationSettings(**s["generation"]), use_cache=s["use_cache"],
                         max_attempts=s["max_attempts"], judge_model=s.get("judge_model"),
                         certify=s.get("certify", False), round_tasks=s.get("round_tasks", 25))
    to_check = {**{("", m.id): m for m in models}, **{("judge ", m.id): m for m in judges.values()}}
    keyless = [f"{role}{model_id}: {reason}" for (role, model_id), m in to_check.items() if (reason := missing_key(m))]
    if keyless:  # refused before any call, as at the start
        raise ModelUnavailable("; ".join(keyless))
    run_store.set_status(con, run_id, "running")
    jobs = plan_jobs(suites, models, request.trials, request.limit)
    settled = {(c["suite_id"], c["model_id"]) for c in s.get("certified", [])}
    jobs = [j for j in jobs if (j.suite_id, j.model.id) not in settled]  # certified pairs need nothing more
    return Runner(con, run_id, request, jobs, on_progress=on_progress, cancel=cancel, judges=judges)


def cancel_stale_run(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """Mark a run whose process is gone as cancelled (this process could open the file, so none holds it)."""
    run = run_store.get_run(con, run_id)
    if run["status"] != "running":
        return f"run {run_id} is already {run['status']}"
    run_store.set_status(con, run_id, "cancelled", note="cancelled after its process had stopped")
    return f"run {run_id} marked cancelled; `runs resume {run_id}` would finish it"
