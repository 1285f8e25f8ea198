"""One imported result as the importer stores it, and the checks that turn a file's values into its fields.

Each converter raises ValueError with what a value must be; the reader adds the value and its location.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from routeboard.domain import TIERS, Grade, outcome_of

MAX_COUNT = 2**31 - 1  # trials and token counts are INTEGER columns
BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(slots=True)
class ResultRow:
    """One result: one trial of one task by one model, with what it cost."""

    line: int | None  # CSV/JSONL line; None for promptfoo JSON (located by ``prefix``)
    prefix: str  # "" or "results[3]." for promptfoo, so problems name the JSON path
    suite: str
    category: str
    task_id: str
    model: str
    correct: bool
    trial: int = 1
    valid: bool = True
    error: str | None = None  # a provider error (promptfoo): outcome 'error', as in our own runs
    score: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    cached: bool = False  # promptfoo answered from its cache (response.cached)
    latency_ms: float | None = None
    output: str | None = None
    tier: str | None = None
    detail: str | None = None
    vars: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    pending: bool = False  # graded by people (the human grader): waits for review, counts once reviewed
    input: str | None = None  # the question, where the file gives it: stored as the task's input
    expected: str | None = None  # the gold answer, where the file gives it: stored as the task's expected answer
    source: str | None = None  # the file the row came from (an import may read several)

    def outcome(self) -> str:
        """accepted / wrong / invalid / error / pending, as the runner decides it (a provider error: no grade)."""
        grade = Grade(self.valid, self.correct, self.score or 0.0, pending=self.pending)
        return outcome_of(None if self.error is not None else grade)


# ---------------------------------------------------------------- value converters (raise ValueError)


def as_text(value) -> str:
    """Text, stripped; a whole number becomes text (JSONL ids)."""
    if isinstance(value, str):
        return value.strip()
    if type(value) is int:  # JSONL ids may be numbers; booleans and objects are mistakes
        return str(value)
    raise ValueError("must be text")


def as_boolean(value) -> bool:
    """true/false, 1/0 or yes/no."""
    if isinstance(value, str):
        word = BOOLEAN_WORDS.get(value.strip().lower())
        if word is not None:
            return word
    elif type(value) is bool or (type(value) is int and value in (0, 1)):
        return bool(value)
    raise ValueError("must be true or false (or 1/0, yes/no)")


def as_count(minimum: int):
    """A converter to a whole number from ``minimum`` up to the INTEGER column's maximum."""

    def convert(value) -> int:
        if isinstance(value, str) and value.strip().lstrip("+-").isdecimal():
            value = int(value)
        elif type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int:  # bool is not a count
            raise ValueError("must be a whole number")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}")
        if value > MAX_COUNT:
            raise ValueError(f"must be at most {MAX_COUNT:,}")
        return value

    return convert


def as_amount(value) -> float:
    """A finite, non-negative number (USD, milliseconds)."""
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError("must be a non-negative number")
    return number


def as_output(value) -> str:
    """An output as text; structured output is kept as its JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def as_tier(value) -> str:
    """One of the model tiers."""
    tier = as_text(value)
    if tier not in TIERS:
        raise ValueError(f"must be one of {', '.join(TIERS)}")
    return tier


def as_score(value) -> float:
    """A grader's score: any finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("must be a number")
    return float(value)


def shortened(text) -> str | None:
    """An error or grading reason as stored beside a result: its first 1,000 characters."""
    return None if text is None else str(text)[:1000]


CONVERTERS = {
    "task_id": as_text,
    "category": as_text,
    "model": as_text,
    "suite": as_text,
    "correct": as_boolean,
    "valid": as_boolean,
    "trial": as_count(1),
    "input_tokens": as_count(0),
    "output_tokens": as_count(0),
    "cost_usd": as_amount,
    "latency_ms": as_amount,
    "output": as_output,
    "input": as_output,
    "expected": as_output,
    "tier": as_tier,
}
