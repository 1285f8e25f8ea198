"""What every grader family shares: the callable shapes, the expected answer read as spans, short details."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from routeboard.domain import Grade, Task

Grader = Callable[[str, Task], Grade]
Validator = Callable[[str], tuple[bool, str]]
Judge = Callable[[list[dict]], str]

_DETAIL_CHARS = 200


def clip(text: str, limit: int = _DETAIL_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters so a grade's detail stays readable."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected_spans(expected: str | None) -> list[str]:
    """Expected answer as spans: a JSON list (TAT-QA style) gives one span per item, anything else one span."""
    if expected is None or not str(expected).strip():
        return []
    text = str(expected).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list) and items and all(isinstance(item, (str, int, float)) for item in items):
            return [str(item) for item in items]
    return [text]


def single_expected(task: Task) -> str | None:
    """The expected answer as one text: its only span, or the whole text when it lists several."""
    spans = expected_spans(task.expected)
    if not spans:
        return None
    return spans[0] if len(spans) == 1 else str(task.expected).strip()


def no_expected() -> Grade:
    """The grade of a task that gives nothing to compare with."""
    return Grade(valid=True, correct=False, score=0.0, detail="task has no expected answer")


def is_number(value: Any) -> bool:
    """An int or float option value (YAML's true/false are not numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def non_negative(value: Any) -> str | None:
    """Option check: a number >= 0."""
    return None if is_number(value) and value >= 0 else f"must be a number >= 0, got {value!r}"


def unit_interval(value: Any) -> str | None:
    """Option check: a number between 0 and 1."""
    return None if is_number(value) and 0 <= value <= 1 else f"must be a number between 0 and 1, got {value!r}"
