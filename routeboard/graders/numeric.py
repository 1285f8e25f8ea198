"""Numbers: reading them the way financial reports and model answers write them ("$1,577.00", "(3.1)",
"12.5%", "€4k"), and the ``numeric`` grader and ``number`` validator built on that reading.

A *mention* keeps the number as written apart from its unit ("3.2 million" is 3.2 with scale "million"),
because graders compare answers in the task's own unit (TAT-QA gives 3.2 with scale "million").
Not supported, on purpose: decimal commas ("3,5") and space-separated thousands ("1 577"), which clash
with English lists and sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routeboard.domain import Grade, Task
from routeboard.graders._common import Grader, Validator, non_negative, single_expected
from routeboard.graders.registry import Option, grader, validator

# ---- reading numbers -----------------------------------------------------------------------------------

SCALE_FACTORS: dict[str, float] = {
    "": 1.0,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "percent": 0.01,
}

# Every way a unit is written after a number, mapped to its scale name.
_SCALE_ALIASES: dict[str, str] = {
    "": "",
    "none": "",
    "%": "percent",
    "percent": "percent",
    "per cent": "percent",
    "percentage": "percent",
    "pct": "percent",
    "k": "thousand",
    "thousand": "thousand",
    "thousands": "thousand",
    "m": "million",
    "mn": "million",
    "million": "million",
    "millions": "million",
    "b": "billion",
    "bn": "billion",
    "billion": "billion",
    "billions": "billion",
    "tn": "trillion",
    "trillion": "trillion",
}

_DASHES = "\\-\u2212\u2012\u2013\ufe63\uff0d"  # ASCII hyphen-minus, unicode minus, figure and en dash, small/full-width

_NUMBER_RE = re.compile(
    rf"""
    (?<![\w.])(?<![^\W\d_][{_DASHES}])(?<!\d/)  # not inside a word, an id ("COVID-19") or a fraction ("1/2")
    (?P<open>\()?
    (?:(?<![\w.])(?P<sign>[+{_DASHES}]))?  # "16-3" and "2018-2019" subtract or span; they do not negate
    (?P<currency>(?:[A-Z]{{1,2}}\$|USD|EUR|GBP|JPY|CHF|CAD|AUD|[$€£¥])\s?)?
    (?P<open2>\()?                  # "$(20,597)" puts the bracket after the currency
    (?P<sign2>[+{_DASHES}])?
    (?P<digits>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?:\s?(?P<word>%|per\s?cent|pct|thousand|million|billion|trillion|bn|mn|tn)|(?P<abbr>[kmb]))?
    (?P<close>\))?
    (?!\w)(?!\.\d)(?!/\d)            # "2nd", "5mg", versions "1.2.3" and dates "3/14/2020" are not amounts
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Where a model announces its result; the number right after the last cue is the answer.
_ANSWER_CUE_RE = re.compile(r"####|\\boxed\{|\banswer(?:\s+is)?\s*[:=]|\banswer\s+is\b", re.IGNORECASE)


@dataclass(frozen=True)
class NumberMention:
    """One number found in text: its value as written (sign applied, unit not), its unit and where it is."""

    value: float
    scale: str
    start: int
    end: int

    @property
    def absolute(self) -> float:
        """The value with its unit applied: "3.2 million" -> 3200000.0, "12.5%" -> 0.125."""
        return apply_scale(self.value, self.scale)


def normalize_scale(scale: str | None) -> str:
    """Canonical scale name for a unit as written ("bn", "%", "Million") or raise ValueError."""
    key = " ".join((scale or "").lower().split())
    if key not in _SCALE_ALIASES:
        known = ", ".join(repr(name) for name in SCALE_FACTORS)
        raise ValueError(f"unknown scale {scale!r}; use one of {known}")
    return _SCALE_ALIASES[key]


def apply_scale(value: float, scale: str | None) -> float:
    """A value given in ``scale`` units as a plain number: (3.2, 'million') -> 3200000.0, (12.5, 'percent') -> 0.125."""
    return value * SCALE_FACTORS[normalize_scale(scale)]


def find_mentions(text: str) -> list[NumberMention]:
    """Every number mention in ``text``, in order, skipping digits that belong to words or ids."""
    return [_mention(match) for match in _NUMBER_RE.finditer(text or "")]


def find_numbers(text: str) -> list[float]:
    """Every number in ``text`` with its unit applied, in order."""
    return [mention.absolute for mention in find_mentions(text)]


def answer_mention(text: str) -> NumberMention | None:
    """The number a verbose answer settles on: after the last "answer:" or "####", else the last "=", else the last."""
    mentions = find_mentions(text)
    if not mentions:
        return None
    cue_ends = [cue.end() for cue in _ANSWER_CUE_RE.finditer(text)]
    equals_ends = [index + 1 for index, char in enumerate(text) if char == "="]
    for ends in (cue_ends, equals_ends):
        for end in reversed(ends):
            after = [mention for mention in mentions if mention.start >= end]
            if after:
                return after[0]
    return mentions[-1]


def parse_number(text: str) -> float | None:
    """The answer number in ``text`` with its unit applied ("$1,577.00" -> 1577.0, "(3.1)" -> -3.1), or None."""
    mention = answer_mention(text)
    return None if mention is None else mention.absolute


def _mention(match: re.Match[str]) -> NumberMention:
    """Turn one regex match into a mention; brackets on both sides mean negative, as in accounts."""
    value = float(match["digits"].replace(",", ""))
    minus = any(sign and sign not in "+" for sign in (match["sign"], match["sign2"]))
    bracketed = bool((match["open"] or match["open2"]) and match["close"])
    if minus or bracketed:
        value = -value
    unit = match["word"] or match["abbr"] or ""
    scale = _SCALE_ALIASES[" ".join(re.sub(r"(?i)per\s?cent", "percent", unit).lower().split())]
    return NumberMention(value=value, scale=scale, start=match.start(), end=match.end())


# ---- grader and validator ------------------------------------------------------------------------------


def numbers_close(got: float, want: float, abs_tol: float = 0.0, rel_tol: float = 0.01) -> bool:
    """Within ``abs_tol`` or ``rel_tol`` of the gold value (plus float noise, so 0.125/0.01 still equals 12.5)."""
    noise = 1e-9 * max(abs(got), abs(want))
    return abs(got - want) <= max(abs_tol, rel_tol * abs(want)) + noise


def _readings(mention: NumberMention, factor: float) -> list[float]:
    """What a number may mean in the task's units: with a unit written, that unit; bare, either units or plain."""
    if mention.scale:
        readings = [mention.absolute / factor]
        if mention.scale == "percent":
            readings.append(mention.value)  # "25%" answers a GSM8K "what percent" question whose gold is 25
    else:
        readings = [mention.value, mention.value / factor]
    return list(dict.fromkeys(readings))


def _scale_label(scale: str) -> str:
    return {"": "", "percent": "%"}.get(scale, f" {scale}")


@grader(
    "numeric",
    options=[
        Option(
            "abs_tol",
            "number",
            default=0.0,
            check=non_negative,
            help="absolute tolerance in the task's scale units (percentage points for percent)",
        ),
        Option(
            "rel_tol",
            "number",
            default=0.01,
            check=non_negative,
            help="tolerance relative to the gold value: 0.01 accepts answers within 1%",
        ),
        Option(
            "scale_field",
            "text",
            default="scale",
            help="the task metadata field giving the gold's scale (thousand, million, billion, percent)",
        ),
    ],
)
def numeric_grader(*, abs_tol: float, rel_tol: float, scale_field: str) -> Grader:
    """Correct when the output's answer number is the gold number, compared in the task's scale units.

    ``abs_tol`` is in those units (percentage points for percent); ``rel_tol`` is relative to the gold value.
    """

    def grade(output: str, task: Task) -> Grade:
        expected = single_expected(task)
        gold = answer_mention(expected) if expected else None
        if gold is None:
            return Grade(
                valid=True,
                correct=False,
                score=0.0,
                detail=f"expected answer is not a number: {expected!r}" if expected else "task has no expected answer",
            )
        try:
            scale = normalize_scale(task.metadata.get(scale_field))
        except ValueError as error:
            return Grade(valid=True, correct=False, score=0.0, detail=f"task {scale_field}: {error}")
        factor = SCALE_FACTORS[scale]
        gold_units = gold.absolute / factor if gold.scale else gold.value
        want = f"{gold_units:g}{_scale_label(scale)}"
        mention = answer_mention(output)
        if mention is None:
            return Grade(valid=True, correct=False, score=0.0, detail=f"no number in output (expected {want})")
        written = output[mention.start : mention.end].strip()
        ok = any(numbers_close(reading, gold_units, abs_tol, rel_tol) for reading in _readings(mention, factor))
        return Grade(valid=True, correct=ok, score=float(ok), detail=f"answer {written!r}, expected {want}")

    return grade


@validator("number")
def number_validator() -> Validator:
    """Passes when a number can be read from the output."""

    def validate(output: str) -> tuple[bool, str]:
        mention = answer_mention(output)
        if mention is None:
            return False, "no number found"
        return True, f"number {output[mention.start : mention.end].strip()!r}"

    return validate
