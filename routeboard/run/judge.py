"""Grading during a run, and judges paid for: each llm_judge call's tokens, time and cost are counted on its trial
(priced from the run's snapshot) and reserved in the budget with the answer it judges."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, replace
from functools import partial

import duckdb

from routeboard import graders
from routeboard.catalog.models import EMBEDDED_ID
from routeboard.catalog.pricing import attempt_cost, worst_case_usd
from routeboard.domain import Grade, Model, Suite, Task
from routeboard.present import entry
from routeboard.providers.base import Completion, GenerationSettings
from routeboard.providers.registry import provider_for
from routeboard.run.budget import worst_case_input_tokens
from routeboard.run.plan import Job
from routeboard.run.resolve import resolve_models

JUDGE_MAX_OUTPUT_TOKENS = 256
EMBEDDED_JUDGE_WARNING = (
    "the judge of {suites} is the embedded 135M model ({model}), which cannot judge free-form "
    "text reliably; choose a hosted judge ({judge}), or set judge_model in the suite's llm_judge options"
)


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
        model_usd, infra = attempt_cost(model, completion.input_tokens, completion.output_tokens, completion.latency_ms)
        self.merge(
            JudgeUsage(
                model.id,
                completion.input_tokens,
                completion.output_tokens,
                completion.latency_ms,
                None if model_usd is None else model_usd + infra,
            )
        )

    def merge(self, other: JudgeUsage) -> None:
        self.model_id = other.model_id or self.model_id
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.latency_ms += other.latency_ms
        self.cost_usd = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd

    def trial_fields(self) -> dict:
        """The Trial's judge_* fields (none when no judge graded it: not a judge that cost $0)."""
        if not self.model_id:
            return {}
        return {
            "judge_model": self.model_id,
            "judge_input_tokens": self.input_tokens,
            "judge_output_tokens": self.output_tokens,
            "judge_cost_usd": self.cost_usd,
            "judge_latency_ms": self.latency_ms,
        }


def judge_ids(suites: list[tuple[str, Suite]], override: str | None) -> dict[str, str]:
    """The judge of each llm_judge suite: the run's --judge-model, else the suite's judge_model, else embedded."""
    return {
        suite_id: override or (suite.grader.options or {}).get("judge_model") or EMBEDDED_ID
        for suite_id, suite in suites
        if suite.grader.name == "llm_judge"
    }


def judge_warning(suites: list[tuple[str, Suite]], override: str | None) -> str | None:
    """A warning when the embedded 135M model would judge free-form text; None otherwise."""
    judges = judge_ids(suites, override)
    names = [suite.name for suite_id, suite in suites if judges.get(suite_id) == EMBEDDED_ID]
    if not names:
        return None
    return EMBEDDED_JUDGE_WARNING.format(suites=", ".join(names), model=EMBEDDED_ID, judge=entry("judge_model"))


def resolve_judges(
    con: duckdb.DuckDBPyConnection, suites: list[tuple[str, Suite]], override: str | None
) -> dict[str, Model]:
    """Each llm_judge suite's judge model, refused up front like a run's models (price, key)."""
    ids = judge_ids(suites, override)
    models = {m.id: m for m in resolve_models(con, tuple(ids.values()), role="judge ")}
    return {suite_id: models[model_id] for suite_id, model_id in ids.items()}


def _pending_if_reviewed(suite: Suite, grade: Grade) -> Grade:
    """A valid output of a suite people grade waits for review: pending, not wrong (it is never retried as wrong
    and settles no verdict until reviewed); an invalid one stays invalid, as the validator said."""
    if not graders.awaits_review(suite.grader) or not grade.valid:
        return grade
    return replace(grade, correct=False, score=0.0, detail=graders.PENDING_DETAIL, pending=True)


class Grading:
    """A run's graders and validators per suite; an llm_judge's calls run on the run's event loop (the grader
    itself runs in a worker thread) and are counted into the usage of the trial being graded."""

    def __init__(self, judges: dict[str, Model], settings: GenerationSettings):
        self.judges = judges  # suite id -> judge model, as priced in the run's snapshot
        self._settings = replace(settings, temperature=0.0, max_output_tokens=JUDGE_MAX_OUTPUT_TOKENS)
        self._answer_tokens = settings.max_output_tokens
        self._built: dict[str, tuple] = {}
        self._local = threading.local()  # the judge usage of the trial a grading thread is working on
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop judge calls run on (the run's own)."""
        self._loop = loop

    def usage_for(self, suite_id: str) -> JudgeUsage | None:
        """A fresh usage counter for a trial of this suite; None when no judge grades it."""
        return JudgeUsage() if suite_id in self.judges else None

    def worst_usd(self, job: Job) -> float:
        """The most one judge call of this trial can cost."""
        model = self.judges.get(job.suite_id)
        if model is None:
            return 0.0
        rubric = (job.suite.grader.options or {}).get("rubric", "")
        # the candidate's answer is quoted in the judge's prompt: up to its output allowance, in another tokenizer
        tokens = worst_case_input_tokens(graders.judge_messages(rubric, job.task, "")) + 2 * self._answer_tokens
        return worst_case_usd(model, tokens, JUDGE_MAX_OUTPUT_TOKENS)

    async def grade(self, job: Job, output: str, usage: JudgeUsage | None) -> Grade:
        """Grade one answer; an llm_judge's calls are counted into ``usage`` (graded in a worker thread then)."""
        grader, validator = self._graders(job.suite_id, job.suite)
        if usage is None:
            return _pending_if_reviewed(job.suite, graders.grade_output(output, job.task, grader, validator))
        grade = await asyncio.get_running_loop().run_in_executor(
            None, self._grade_counting, output, job.task, grader, validator, usage
        )
        usage.model_id = self.judges[job.suite_id].id  # also when the precheck failed and no call was needed
        return grade

    def _graders(self, suite_id: str, suite: Suite) -> tuple:
        if suite_id not in self._built:
            judge = partial(self._judge, suite_id) if suite.grader.name == "llm_judge" else None
            grader = graders.build_grader(suite.grader, judge=judge)
            validator = graders.build_validator(suite.validator) if suite.validator else None
            self._built[suite_id] = (grader, validator)
        return self._built[suite_id]

    def _grade_counting(self, output: str, task: Task, grader, validator, usage: JudgeUsage) -> Grade:
        self._local.usage = usage
        try:
            return graders.grade_output(output, task, grader, validator)
        finally:
            self._local.usage = None

    def _judge(self, suite_id: str, messages: list[dict]) -> str:
        """Called from a grading thread: runs the judge's call on the run's event loop and counts its usage."""
        model = self.judges[suite_id]
        future = asyncio.run_coroutine_threadsafe(
            provider_for(model).complete(model, messages, self._settings), self._loop
        )
        completion = future.result(timeout=self._settings.timeout_s + 10)
        usage = getattr(self._local, "usage", None)
        if usage is not None:
            usage.add(model, completion)
        return completion.text
