"""The ``assertions`` grader: each task carries its own checks (metadata ``assert``), as peers' test projects write
them (promptfoo's equals, contains, icontains, starts-with, regex, is-json, contains-json, similar and their not-
forms; OpenAI evals' Match, Includes and FuzzyMatch). The checks are plain functions; the grader runs a task's."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from typing import Any

from routeboard.domain import Grade, Task
from routeboard.graders._common import Grader, clip
from routeboard.graders.registry import Option, grader
from routeboard.graders.structured import extract_json_object
from routeboard.graders.text import token_f1

ASSERT_KEY = "assert"  # a task's metadata key holding its checks: [{type, value, threshold}]
SIMILAR_THRESHOLD = 0.75  # promptfoo's default for `similar`


def _texts(value: Any) -> list[str]:
    """A check's value as the texts it accepts: a list means any of them."""
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _equals(output: str, value, _threshold) -> bool:
    return output.strip() in [text.strip() for text in _texts(value)]


def _contains(output: str, value, _threshold) -> bool:
    return any(text in output for text in _texts(value))


def _icontains(output: str, value, _threshold) -> bool:
    return any(text.casefold() in output.casefold() for text in _texts(value))


def _starts_with(output: str, value, _threshold) -> bool:
    return any(output.lstrip().startswith(text) for text in _texts(value))


def _regex(output: str, value, _threshold) -> bool:
    return any(re.search(text, output) for text in _texts(value))


def _json_value(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text.strip())
    except ValueError:
        return False, None


def _schema_ok(document: Any, schema: Any) -> bool:
    """Whether a JSON document satisfies ``schema`` (a JSON Schema, as a mapping or its JSON text); no schema: yes."""
    if schema in (None, ""):
        return True
    import jsonschema

    if isinstance(schema, str):
        schema = json.loads(schema)
    return jsonschema.validators.validator_for(schema)(schema).is_valid(document)


def _is_json(output: str, value, _threshold) -> bool:
    ok, document = _json_value(output)
    return ok and _schema_ok(document, value)


def _contains_json(output: str, value, _threshold) -> bool:
    ok, document = _json_value(output)
    if not ok:
        document = extract_json_object(output)
    return document is not None and _schema_ok(document, value)


def _similar(output: str, value, threshold) -> bool:
    """Token F1 (lexical overlap) at the threshold: promptfoo compares embeddings, which need a model to call."""
    limit = SIMILAR_THRESHOLD if threshold is None else threshold
    return max(token_f1(output, text) for text in _texts(value)) >= limit


def _fuzzy(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(word for word in text.split() if word not in ("a", "an", "the"))


def _fuzzy_match(output: str, value, _threshold) -> bool:
    """OpenAI evals' FuzzyMatch: either text inside the other, once lowercased without punctuation or articles."""
    got = _fuzzy(output)
    return any(want and got and (want in got or got in want) for want in map(_fuzzy, _texts(value)))


CHECKS: dict[str, Callable[[str, Any, Any], bool]] = {
    "equals": _equals,
    "contains": _contains,
    "icontains": _icontains,
    "starts-with": _starts_with,
    "regex": _regex,
    "is-json": _is_json,
    "contains-json": _contains_json,
    "similar": _similar,
    "fuzzy-match": _fuzzy_match,
}


def check(assertion: dict, output: str) -> tuple[bool, str]:
    """Whether ``output`` passes one check ({type, value, threshold}; a ``not-`` type inverts it), and what it said."""
    kind = str(assertion.get("type", ""))
    negated = kind.startswith("not-")
    base = kind.removeprefix("not-")
    if base not in CHECKS:
        return False, f"{kind}: not a check routeboard runs"
    try:
        passed = CHECKS[base](output, assertion.get("value"), assertion.get("threshold")) != negated
    except (re.error, ValueError, TypeError) as error:  # a bad pattern or schema fails this check, not the run
        return False, f"{kind}: {error}"
    return passed, f"{kind} {clip(json.dumps(assertion.get('value'), ensure_ascii=False), 60)}"


def supported(kind: str) -> bool:
    """Whether the grader runs this check (promptfoo's ``not-`` forms included)."""
    return kind.removeprefix("not-") in CHECKS


@grader(
    "assertions",
    options=[
        Option(
            "none_pass",
            "bool",
            default=False,
            help="a task with no checks passes (as an llm_judge's precheck: the judge alone decides it)",
        )
    ],
    needs_expected=False,
)
def assertions_grader(*, none_pass: bool) -> Grader:
    """Correct when every check the task carries passes (metadata `assert`: equals, contains, icontains,
    starts-with, regex, is-json, contains-json, similar, fuzzy-match and not- forms); score is the share passed."""

    def grade(output: str, task: Task) -> Grade:
        checks = task.metadata.get(ASSERT_KEY) or []
        if not checks:
            return Grade(valid=True, correct=none_pass, score=float(none_pass), detail="task has no assertions")
        results = [check(item, output) for item in checks]
        failed = [said for passed, said in results if not passed]
        score = 1 - len(failed) / len(results)
        detail = f"all {len(results)} passed" if not failed else "failed: " + "; ".join(failed)
        return Grade(valid=True, correct=not failed, score=score, detail=clip(detail))

    return grade
