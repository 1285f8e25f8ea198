"""Structured outputs: the ``json_fields`` grader and the ``json`` and ``json_schema`` validators, beside the
plain functions that find JSON in a model's answer and compare one field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from routeboard.domain import Grade, Task
from routeboard.graders._common import Grader, Validator, clip, is_number, non_negative, unit_interval
from routeboard.graders.numeric import answer_mention, numbers_close
from routeboard.graders.registry import Option, grader, validator
from routeboard.graders.text import normalize_text

_FENCE_RE = re.compile(r"```[ \t]*(?:json5?|jsonc)?[ \t]*\n?(.*?)```", re.DOTALL | re.IGNORECASE)
_MATCHERS = ("exact", "numeric", "contains")


# ---- finding JSON --------------------------------------------------------------------------------------


def parse_json_document(text: str) -> tuple[Any, str]:
    """The output as a JSON object or array, whole or inside a ``` fence; (None, reason) when it is not one."""
    error = ""
    for candidate in [text.strip()] + [block.strip() for block in _FENCE_RE.findall(text)]:
        try:
            value = json.loads(candidate)
        except ValueError as problem:
            error = error or f"not JSON: {problem}"
            continue
        if isinstance(value, (dict, list)):
            return value, ""
        error = error or f"JSON {type(value).__name__}, not an object or array"
    return None, error or "empty output"


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in a verbose output: inside a ``` fence, else the first balanced {...} that parses."""
    for block in _FENCE_RE.findall(text):
        try:
            value = json.loads(block)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder()
    for brace in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, brace.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


# ---- comparing fields ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """How one JSON field is graded: its matcher, its weight in the score, and whether it must be present."""

    matcher: str = "exact"
    weight: float = 1.0
    required: bool = True
    rel_tol: float = 0.01
    abs_tol: float = 0.0


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _field_numbers(value: Any) -> list[float]:
    if is_number(value):
        return [float(value)]
    mention = answer_mention(value) if isinstance(value, str) else None
    if mention is None:
        return []
    return [mention.absolute] + ([mention.value] if mention.scale == "percent" else [])


def field_matches(spec: FieldSpec, got: Any, want: Any) -> bool:
    """Whether one output field matches its gold value under the field's matcher."""
    if want is None or got is None:
        return want is None and got is None
    if spec.matcher == "numeric":
        wants = _field_numbers(want)
        return any(numbers_close(g, w, spec.abs_tol, spec.rel_tol) for g in _field_numbers(got) for w in wants)
    if spec.matcher == "contains":
        return _as_text(want).casefold() in _as_text(got).casefold()
    return normalize_text(_as_text(got)) == normalize_text(_as_text(want))


def _field_problems(name: str, spec: Any) -> list[str]:
    if isinstance(spec, str):  # shorthand: `total: numeric`
        spec = {"matcher": spec}
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        return [f"{name}: must be a mapping with matcher, weight, required"]
    problems = [f"{name}: unknown key {key!r}" for key in spec if key not in FieldSpec.__dataclass_fields__]
    if spec.get("matcher", "exact") not in _MATCHERS:
        problems.append(f"{name}: matcher must be one of {', '.join(_MATCHERS)}, got {spec.get('matcher')!r}")
    if not (is_number(spec.get("weight", 1)) and spec.get("weight", 1) > 0):
        problems.append(f"{name}: weight must be a number > 0, got {spec.get('weight')!r}")
    if not isinstance(spec.get("required", True), bool):
        problems.append(f"{name}: required must be true or false, got {spec.get('required')!r}")
    problems += [
        f"{name}: {key} {problem}"
        for key in ("rel_tol", "abs_tol")
        if key in spec
        for problem in [non_negative(spec[key])]
        if problem
    ]
    return problems


def _check_fields(value: Any) -> str | None:
    if not value:
        return "must map field names to {matcher: exact|numeric|contains, weight, required}"
    return "; ".join(problem for name, spec in value.items() for problem in _field_problems(str(name), spec)) or None


def _field_spec(spec: Any) -> FieldSpec:
    spec = {"matcher": spec} if isinstance(spec, str) else (spec or {})
    return FieldSpec(**spec)


def _check_schema(value: Any) -> str | None:
    import jsonschema  # here, not at the top: ~0.15 s every page and CLI start would pay for a grader few suites use

    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.exceptions.SchemaError as error:
        return f"is not a valid JSON Schema: {error.message}"
    return None


# ---- grader and validators -----------------------------------------------------------------------------


@grader(
    "json_fields",
    options=[
        Option(
            "fields",
            "mapping",
            required=True,
            check=_check_fields,
            help="each field to grade: {matcher: exact|numeric|contains, weight, required, rel_tol, abs_tol}, "
            "or just the matcher's name",
        ),
        Option(
            "threshold",
            "number",
            default=1.0,
            check=unit_interval,
            help="the weighted share of matching fields (0 to 1) from which an answer is correct",
        ),
    ],
)
def json_fields_grader(*, fields: dict[str, Any], threshold: float) -> Grader:
    """Score is the weighted share of ``fields`` matching the expected JSON object; a missing required field fails."""
    specs = {name: _field_spec(spec) for name, spec in fields.items()}

    def grade(output: str, task: Task) -> Grade:
        got = extract_json_object(output)
        if got is None:
            return Grade(valid=False, correct=False, score=0.0, detail="no JSON object in output")
        want = extract_json_object(task.expected or "")
        if want is None:
            return Grade(valid=True, correct=False, score=0.0, detail="expected answer is not a JSON object")
        total = earned = 0.0
        notes: list[str] = []
        missing_required: list[str] = []
        for name, spec in specs.items():
            if name not in want:
                notes.append(f"{name}: not in expected answer, skipped")
                continue
            total += spec.weight
            if got.get(name) is None and want[name] is not None:
                notes.append(f"{name}: missing")
                missing_required += [name] if spec.required else []
            elif field_matches(spec, got.get(name), want[name]):
                earned += spec.weight
            else:
                wanted, answered = (clip(_as_text(value), 60) for value in (want[name], got[name]))
                notes.append(f"{name}: expected {wanted}, got {answered}")
        score = earned / total if total else 0.0
        ok = total > 0 and not missing_required and score >= threshold - 1e-9
        head = f"score {score:.2f}" + (f", missing required: {', '.join(missing_required)}" if missing_required else "")
        return Grade(valid=True, correct=ok, score=score, detail="; ".join([head] + notes))

    return grade


@validator("json")
def json_validator() -> Validator:
    """Passes when the output is a JSON object or array (a ``` fence around it is fine)."""

    def validate(output: str) -> tuple[bool, str]:
        value, error = parse_json_document(output)
        return (False, error) if error else (True, "JSON " + ("object" if isinstance(value, dict) else "array"))

    return validate


@validator(
    "json_schema",
    options=[
        Option(
            "schema", "mapping", required=True, check=_check_schema, help="the JSON Schema a valid output satisfies"
        ),
    ],
)
def json_schema_validator(*, schema: dict[str, Any]) -> Validator:
    """Passes when the output is JSON that satisfies ``schema``."""
    import jsonschema

    checker = jsonschema.validators.validator_for(schema)(schema)

    def validate(output: str) -> tuple[bool, str]:
        value, error = parse_json_document(output)
        if error:
            return False, error
        problem = jsonschema.exceptions.best_match(checker.iter_errors(value))
        if problem is None:
            return True, "matches schema"
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        return False, f"schema: {where}: {clip(problem.message)}"

    return validate
