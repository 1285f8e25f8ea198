"""Text graders (exact, label, contains, regex, f1) and validators (regex, one_of), beside the plain string
functions they are made of."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from typing import Any

from routeboard.domain import Grade, Task
from routeboard.graders._common import (
    Grader,
    Validator,
    clip,
    expected_spans,
    no_expected,
    single_expected,
    unit_interval,
)
from routeboard.graders.registry import Option, grader, validator

_QUOTES = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


# ---- string logic --------------------------------------------------------------------------------------


def _strip_wrapping(text: str) -> str:
    """Drop surrounding quotes/backticks and a trailing period: models add them to short answers."""
    previous = None
    text = text.strip()
    while text != previous:
        previous = text
        if text.endswith(".") and not text.endswith(".."):
            text = text[:-1].rstrip()
        if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
            text = text[1:-1].strip()
    return text


def normalize_text(
    text: str, ignore_case: bool = True, ignore_punctuation: bool = True, normalize_whitespace: bool = True
) -> str:
    """The comparison form used by ``exact``: unwrapped, then case-, punctuation- and space-folded as asked."""
    text = _strip_wrapping(text)
    if ignore_case:
        text = text.casefold()
    if ignore_punctuation:
        text = "".join(char for char in text if not unicodedata.category(char).startswith("P"))
    if normalize_whitespace:
        text = " ".join(text.split())
    return text


def _label_words(label: str) -> list[str]:
    return re.findall(r"[^\W_]+", label.lower())


def label_key(label: str) -> str:
    """Labels compare by their words: "card_arrival", "Card Arrival" and "card-arrival" are one label."""
    return "_".join(_label_words(label))


def label_patterns(labels: list[str]) -> dict[str, re.Pattern[str]]:
    """One pattern per label that finds it written with spaces, underscores or hyphens, in any case."""
    return {
        label: re.compile(r"(?<!\w)" + r"[\s_\-]+".join(map(re.escape, _label_words(label))) + r"(?!\w)", re.IGNORECASE)
        for label in labels
    }


def find_labels(text: str, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    """Labels mentioned in ``text`` in order of appearance, ignoring one seen only inside a longer mentioned label."""
    spans = {label: [match.span() for match in pattern.finditer(text)] for label, pattern in patterns.items()}
    spans = {label: found for label, found in spans.items() if found}

    def inside_longer(label: str, span: tuple[int, int]) -> bool:
        return any(
            other != label and start <= span[0] and span[1] <= end and end - start > span[1] - span[0]
            for other, others in spans.items()
            for start, end in others
        )

    firsts = {
        label: min(start for start, end in found if not inside_longer(label, (start, end)))
        for label, found in spans.items()
        if any(not inside_longer(label, span) for span in found)
    }
    return sorted(firsts, key=firsts.get)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token-overlap F1 after lowercasing and dropping punctuation and articles."""
    predicted, wanted = _squad_tokens(prediction), _squad_tokens(gold)
    if not predicted or not wanted:
        return float(predicted == wanted)
    overlap = sum((Counter(predicted) & Counter(wanted)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(wanted)
    return 2 * precision * recall / (precision + recall)


def _squad_tokens(text: str) -> list[str]:
    text = "".join(char for char in text.lower() if char not in string.punctuation)
    return re.sub(r"\b(a|an|the)\b", " ", text).split()


def regex_flags(flags: str) -> int:
    """The ``re`` flags for letters such as "im" (i: ignore case, m: multiline, s: dot-all, x: verbose)."""
    value = 0
    for char in flags:
        value |= _FLAGS[char]
    return value


# ---- option checks -------------------------------------------------------------------------------------


def _check_pattern(value: Any) -> str | None:
    if not value:
        return f"must be a non-empty regular expression, got {value!r}"
    try:
        re.compile(value)
    except re.error as error:
        return f"is not a valid regular expression: {error}"
    return None


def _check_flags(value: Any) -> str | None:
    return f"may only contain {''.join(_FLAGS)}, got {value!r}" if set(value) - set(_FLAGS) else None


def _check_labels(value: Any) -> str | None:
    if not value or not all(isinstance(item, str) and _label_words(item) for item in value):
        return "must be a non-empty list of labels (strings with letters or digits)"
    keys = Counter(label_key(item) for item in value)
    duplicates = sorted(key for key, count in keys.items() if count > 1)
    return f"has labels that read the same: {', '.join(duplicates)}" if duplicates else None


def _labels_option(help_text: str) -> Option:
    return Option("labels", "list", required=True, help=help_text, check=_check_labels)


_FLAGS_HELP = "regular expression flags: any of i (ignore case), m (multiline), s (dot matches newline), x (verbose)"
_IGNORE_CASE = Option("ignore_case", "bool", default=True, help="compare without regard to upper or lower case")


# ---- graders -------------------------------------------------------------------------------------------


@grader(
    "exact",
    options=[
        _IGNORE_CASE,
        Option("ignore_punctuation", "bool", default=True, help="drop punctuation before comparing"),
        Option("normalize_whitespace", "bool", default=True, help="treat any run of spaces and newlines as one space"),
    ],
)
def exact_grader(*, ignore_case: bool, ignore_punctuation: bool, normalize_whitespace: bool) -> Grader:
    """Correct when the output equals the expected answer after normalisation (quotes, final period dropped)."""

    def grade(output: str, task: Task) -> Grade:
        expected = single_expected(task)
        if expected is None:
            return no_expected()
        got, want = (
            normalize_text(text, ignore_case, ignore_punctuation, normalize_whitespace) for text in (output, expected)
        )
        if got == want:
            return Grade(valid=True, correct=True, score=1.0, detail="exact match")
        return Grade(valid=True, correct=False, score=0.0, detail=f"expected {clip(expected)!r}, got {clip(output)!r}")

    return grade


@grader("label", options=[_labels_option("every label an answer may name; the expected answer is one of them")])
def label_grader(*, labels: list[str]) -> Grader:
    """Correct when the output names exactly one of ``labels`` and it is the expected one."""
    patterns = label_patterns(labels)

    def grade(output: str, task: Task) -> Grade:
        if not task.expected:
            return no_expected()
        found = find_labels(output, patterns)
        if not found:
            return Grade(valid=True, correct=False, score=0.0, detail="no label found")
        if len(found) > 1:
            return Grade(valid=True, correct=False, score=0.0, detail=f"ambiguous: {', '.join(found)}")
        ok = label_key(found[0]) == label_key(task.expected)
        return Grade(
            valid=True,
            correct=ok,
            score=float(ok),
            detail=f"label {found[0]}" + ("" if ok else f", expected {task.expected}"),
        )

    return grade


@grader("contains", options=[_IGNORE_CASE], needs_expected=False)
def contains_grader(*, ignore_case: bool) -> Grader:
    """Every item of metadata ``must_contain`` (else the expected answer) must appear; score is the share found."""

    def grade(output: str, task: Task) -> Grade:
        items = task.metadata.get("must_contain") or ([task.expected] if task.expected else [])
        items = [items] if isinstance(items, str) else [str(item) for item in items]
        if not items:
            return Grade(valid=True, correct=False, score=0.0, detail="task has no expected answer or must_contain")
        haystack = output.casefold() if ignore_case else output
        missing = [item for item in items if (item.casefold() if ignore_case else item) not in haystack]
        score = 1.0 - len(missing) / len(items)
        detail = f"found all {len(items)}" if not missing else f"missing: {', '.join(map(repr, missing))}"
        return Grade(valid=True, correct=not missing, score=score, detail=detail)

    return grade


@grader(
    "regex",
    options=[
        Option(
            "pattern",
            "text",
            help="the regular expression to find; without it, each task's expected answer is read as the pattern",
            check=_check_pattern,
        ),
        Option("flags", "text", default="", help=_FLAGS_HELP, check=_check_flags),
    ],
    needs_expected=lambda options: not options.get("pattern"),
)
def regex_grader(*, pattern: str | None, flags: str) -> Grader:
    """Correct when ``pattern`` (else the expected answer, read as a pattern) is found in the output."""
    compiled = re.compile(pattern, regex_flags(flags)) if pattern else None

    def grade(output: str, task: Task) -> Grade:
        regex = compiled
        if regex is None:
            if not task.expected:
                return no_expected()
            try:
                regex = re.compile(task.expected, regex_flags(flags))
            except re.error as error:
                return Grade(valid=True, correct=False, score=0.0, detail=f"expected answer is not a pattern: {error}")
        match = regex.search(output)
        detail = f"matched {clip(match.group(0))!r}" if match else f"no match for {clip(regex.pattern)!r}"
        return Grade(valid=True, correct=bool(match), score=float(bool(match)), detail=detail)

    return grade


@grader(
    "f1",
    options=[
        Option(
            "threshold",
            "number",
            default=0.8,
            help="the token F1 (0 to 1) from which an answer is correct",
            check=unit_interval,
        ),
        Option(
            "spans",
            "text",
            default="all",
            choices=("all", "any"),
            help="with a list as expected answer: all spans joined into one, or the best matching one",
        ),
    ],
)
def f1_grader(*, threshold: float, spans: str) -> Grader:
    """Score is token F1 against the expected answer; correct when F1 >= ``threshold``.

    A JSON list as expected answer is a multi-span answer (TAT-QA) joined into one with ``spans: all``,
    or a set of alternatives of which the best counts with ``spans: any``.
    """

    def grade(output: str, task: Task) -> Grade:
        golds = expected_spans(task.expected)
        if not golds:
            return no_expected()
        candidates = golds if spans == "any" else [" ".join(golds)]
        score, best = max((token_f1(output, gold), gold) for gold in candidates)
        ok = score >= threshold
        return Grade(valid=True, correct=ok, score=score, detail=f"F1 {score:.2f} against {clip(best, 80)!r}")

    return grade


# ---- validators ----------------------------------------------------------------------------------------


@validator(
    "regex",
    options=[
        Option(
            "pattern", "text", required=True, help="the regular expression a valid output matches", check=_check_pattern
        ),
        Option(
            "search", "bool", default=False, help="a match anywhere in the output is enough (else the whole output)"
        ),
        Option("flags", "text", default="", help=_FLAGS_HELP, check=_check_flags),
    ],
)
def regex_validator(*, pattern: str, search: bool, flags: str) -> Validator:
    """Passes when the stripped output fully matches ``pattern`` (or contains a match, with ``search``)."""
    compiled = re.compile(pattern, regex_flags(flags))

    def validate(output: str) -> tuple[bool, str]:
        text = output.strip()
        match = compiled.search(text) if search else compiled.fullmatch(text)
        return (True, "matches pattern") if match else (False, f"does not match {clip(pattern, 80)!r}")

    return validate


@validator("one_of", options=[_labels_option("the labels a valid output names exactly one of")])
def one_of_validator(*, labels: list[str]) -> Validator:
    """Passes when the output names exactly one of ``labels``, found as the ``label`` grader finds them."""
    patterns = label_patterns(labels)

    def validate(output: str) -> tuple[bool, str]:
        found = find_labels(output, patterns)
        if len(found) == 1:
            return True, f"label {found[0]}"
        return False, f"ambiguous: {', '.join(found)}" if found else "no label found"

    return validate
