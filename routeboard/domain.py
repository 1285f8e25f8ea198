"""The nouns of routeboard: suites, tasks, grades, models, prices and infra profiles."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

TIERS = ("frontier", "small-proprietary", "hosted-open-weight", "local")


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


def _plain(value):
    return asdict(value) if is_dataclass(value) else value


@dataclass(frozen=True)
class Grade:
    """The grade of one output: ``valid`` is production-checkable, ``correct`` needs the gold answer."""

    valid: bool
    correct: bool
    score: float
    detail: str = ""


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

    def usd_per_hour(self) -> float:
        """Infra rate per busy hour (docs/design.md): (hardware/amortisation + power + ops) / utilisation."""
        hours_per_month = 730.0
        amortisation_hours = self.amortisation_months * hours_per_month
        hardware = self.hardware_usd / amortisation_hours if amortisation_hours else 0.0
        power = self.power_watts / 1000.0 * self.usd_per_kwh
        ops = self.ops_usd_per_month / hours_per_month
        return (hardware + power + ops) / self.utilisation if self.utilisation else 0.0

    def usd_for_latency(self, latency_ms: float) -> float:
        """Infra cost of one call that took ``latency_ms``, shared over the parallel requests served."""
        busy_s = latency_ms / 1000.0 / max(self.parallel_requests, 1)
        return busy_s / 3600.0 * self.usd_per_hour()


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
