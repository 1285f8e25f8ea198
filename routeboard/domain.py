"""The nouns of routeboard: suites, tasks, grades, models, prices, infra profiles, attempts and trials."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

TIERS = ("frontier", "small-proprietary", "hosted-open-weight", "local")
# The reason an invalid trial gives when its answer was a refusal (a file marked it so): production code can see a
# refusal, so it is invalid (a cascade escalates it), not wrong.
REFUSAL = "refusal"
HOURS_PER_MONTH = 730.0  # 8,760 hours a year / 12: turns monthly costs into hourly ones


@dataclass(frozen=True)
class Task:
    """One input and its expected answer.

    ``input`` is a plain prompt; ``messages`` a chat (list of {role, content}); ``vars`` fill the
    suite's prompt template. ``metadata`` carries grader hints such as the TAT-QA ``scale``.
    """

    id: str
    input: str | None = None
    messages: list[dict[str, str]] | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    expected: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GraderSpec:
    """A grader or validator named in a suite, with its options."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    """A named set of tasks of one category, with its grader, validator and quality bar."""

    name: str
    category: str
    grader: GraderSpec
    tasks: tuple[Task, ...]
    bar: float = 0.9
    description: str = ""
    risk: str = ""
    validator: GraderSpec | None = None
    prompt_template: str | None = None
    system_prompt: str | None = None
    max_invalid_retries: int = 1
    constraints: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def metadata(self) -> dict[str, Any]:
        """Everything but the tasks, as plain data (what is hashed and stored beside the tasks)."""
        # not asdict(self): that would deep-copy every task only to drop them
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in ("tasks", "source")}

    def content_hash(self) -> str:
        """A hash of everything that changes what a model is asked or how it is graded: a suite's identity, so an
        identical upload is recognised and a changed one becomes the next version."""
        body = {"meta": self.metadata(), "tasks": [t.__dict__ for t in self.tasks]}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _plain(value):
    return asdict(value) if is_dataclass(value) else value


@dataclass(frozen=True)
class Grade:
    """The grade of one output: ``valid`` is production-checkable, ``correct`` needs the gold answer.

    ``pending``: a person decides ``correct`` later (the ``human`` grader); until then it counts nowhere."""

    valid: bool
    correct: bool
    score: float
    detail: str = ""
    pending: bool = False


def outcome_of(grade: Grade | None) -> str:
    """A trial's outcome: error (no answer, ``None``), invalid, pending while a person has yet to review it, else
    accepted or wrong (docs/design.md); our runs and imported results are told apart the same way."""
    if grade is None:
        return "error"
    if not grade.valid:
        return "invalid"
    if grade.pending:
        return "pending"
    return "accepted" if grade.correct else "wrong"


@dataclass(frozen=True)
class InfraProfile:
    """What a local model's box costs to own and run; turns busy seconds into USD."""

    hardware_usd: float = 0.0
    amortisation_months: float = 36.0
    power_watts: float = 0.0
    usd_per_kwh: float = 0.0
    ops_usd_per_month: float = 0.0
    utilisation: float = 1.0
    parallel_requests: int = 1

    def fixed_usd_per_month(self) -> float:
        """What owning the box costs a month whether it is busy or not: hardware amortised plus operations."""
        hardware = self.hardware_usd / self.amortisation_months if self.amortisation_months else 0.0
        return hardware + self.ops_usd_per_month

    def power_usd_per_hour(self) -> float:
        """What the box's power costs an hour while it works."""
        return self.power_watts / 1000.0 * self.usd_per_kwh

    def busy_hours(self, latency_ms: float) -> float:
        """Hours of the box one call takes: its latency shared over the parallel requests the box serves."""
        return latency_ms / 1000.0 / max(self.parallel_requests, 1) / 3600.0

    def usd_per_hour(self) -> float:
        """Infra rate per busy hour (docs/design.md): (hardware/amortisation + power + ops) / utilisation."""
        rate = self.fixed_usd_per_month() / HOURS_PER_MONTH + self.power_usd_per_hour()
        return rate / self.utilisation if self.utilisation else 0.0

    def usd_for_latency(self, latency_ms: float) -> float:
        """Infra cost of one call that took ``latency_ms``, shared over the parallel requests served."""
        return self.busy_hours(latency_ms) * self.usd_per_hour()


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens, and where the figure came from."""

    input_per_mtok_usd: float | None
    output_per_mtok_usd: float | None
    source: str  # "litellm price map", "user", "local", "free", "imported" or "unknown"

    @property
    def known(self) -> bool:
        return self.input_per_mtok_usd is not None and self.output_per_mtok_usd is not None

    def usd(self, input_tokens: int, output_tokens: int) -> float:
        """Cost of a call; an unknown price is an error, never a silent $0."""
        if not self.known:
            raise ValueError("price unknown")
        return (input_tokens * self.input_per_mtok_usd + output_tokens * self.output_per_mtok_usd) / 1e6


@dataclass(frozen=True)
class Model:
    """A model in the catalog: a litellm model string (or ``local/...`` for the embedded one)."""

    id: str
    litellm_model: str
    display_name: str
    tier: str
    price: Price
    api_base: str | None = None
    infra: InfraProfile | None = None
    available: bool = True
    unavailable_reason: str = ""


@dataclass(frozen=True)
class Attempt:
    """One model call of a trial, as stored: tokens, latency, cost and error (docs/design.md, "Words")."""

    run_id: str
    suite_id: str
    task_id: str
    model_id: str
    trial: int
    attempt: int  # 1 for the first call of the trial
    started_at: datetime
    request_hash: str  # identity of the request for the reuse cache
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # model tokens at the run's price snapshot; 0 for an answer reused from the cache
    infra_usd: float = 0.0
    latency_ms: float | None = None  # None when the call failed
    tokens_estimated: bool = False
    output: str | None = None
    valid: bool | None = None  # the validator's verdict on the output; None when there was no output
    error_kind: str | None = None
    error: str | None = None
    cached: bool = False

    @property
    def spend_usd(self) -> float:
        """What this call cost the run: model plus infra USD."""
        return (self.cost_usd or 0.0) + self.infra_usd


@dataclass(frozen=True)
class Trial:
    """A trial's final outcome (accepted / wrong / invalid / error, or pending until a person reviews it), its
    grade, and what its judge used."""

    run_id: str
    suite_id: str
    task_id: str
    model_id: str
    trial: int
    outcome: str
    valid: bool
    correct: bool
    score: float | None  # None while pending: no grade yet, not a grade of 0
    detail: str
    attempts: int
    output: str | None
    finished_at: datetime
    judge_model: str | None = None  # None: no judge graded this trial (not a judge that cost $0)
    judge_input_tokens: int | None = None
    judge_output_tokens: int | None = None
    judge_cost_usd: float | None = None
    judge_latency_ms: float | None = None
