"""One registry for graders and validators: register a factory by name with its declared options, check a
suite's spec against them, build by name, list what exists (the dashboard's forms read the schemas)."""

from __future__ import annotations

import difflib
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from routeboard.domain import Grade, GraderSpec, Task
from routeboard.errors import UnknownGrader
from routeboard.graders._common import Grader, Judge, Validator, is_number

Check = Callable[[Any], "str | None"]
KINDS = ("grader", "validator")

# What each option type accepts and how a message names it; a form picks its widget from the type.
_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "bool": (lambda value: isinstance(value, bool), "true or false"),
    "number": (is_number, "a number"),
    "text": (lambda value: isinstance(value, str), "a string"),
    "list": (lambda value: isinstance(value, list), "a list"),
    "mapping": (lambda value: isinstance(value, dict), "a mapping"),
    "grader": (lambda value: isinstance(value, (str, dict)), "a grader name or {name, options}"),
}


@dataclass(frozen=True)
class Option:
    """One option a grader or validator accepts: its type, whether a suite must give it, its default and help."""

    name: str
    type: str
    required: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()
    check: Check | None = field(default=None, compare=False, repr=False)  # value rules beyond the type

    def __post_init__(self):
        if self.type not in _TYPES:
            raise ValueError(f"option {self.name!r}: type must be one of {', '.join(_TYPES)}, got {self.type!r}")

    def as_dict(self) -> dict[str, Any]:
        """The option as plain data for a form or JSON (without its check function)."""
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "help": self.help,
            "choices": list(self.choices),
        }

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this option, as the end of a sentence; None when it is fine."""
        accepts, words = _TYPES[self.type]
        if not accepts(value):
            return f"must be {words}, got {value!r}"
        if self.choices and value not in self.choices:
            return f"must be {_either(self.choices)}, got {value!r}"
        return self.check(value) if self.check else None


@dataclass(frozen=True)
class Registered:
    """A factory registered under a name, with the options it declares."""

    kind: str
    name: str
    factory: Callable[..., Any]
    options: tuple[Option, ...]
    needs_expected: Callable[[dict[str, Any]], bool]

    @property
    def summary(self) -> str:
        """The factory's one-line docstring: what the grader or validator decides."""
        return (inspect.getdoc(self.factory) or "").split("\n")[0]


GRADERS: dict[str, Callable[..., Grader]] = {}
VALIDATORS: dict[str, Callable[..., Validator]] = {}
_REGISTERED: dict[tuple[str, str], Registered] = {}


def grader(name: str, options: Sequence[Option] = (), needs_expected: bool | Callable[[dict[str, Any]], bool] = True):
    """Register a grader factory under ``name``; ``needs_expected`` may depend on the spec's options."""
    rule = needs_expected if callable(needs_expected) else (lambda spec_options: needs_expected)
    return _register("grader", name, options, rule)


def validator(name: str, options: Sequence[Option] = ()):
    """Register a validator factory under ``name``."""
    return _register("validator", name, options, lambda spec_options: False)


def _register(kind: str, name: str, options: Sequence[Option], rule: Callable[[dict[str, Any]], bool]):
    def register(factory):
        # The factory's keywords and the declared options must agree, so the schema a form shows is what runs.
        params = {key for key in inspect.signature(factory).parameters if key != "judge"}
        declared = [option.name for option in options]
        if params != set(declared) or len(declared) != len(set(declared)):
            raise TypeError(f"{kind} {name!r}: declared options {declared} differ from the factory's {sorted(params)}")
        _REGISTERED[(kind, name)] = Registered(kind, name, factory, tuple(options), rule)
        (GRADERS if kind == "grader" else VALIDATORS)[name] = factory
        return factory

    return register


# ---- reading the registry ------------------------------------------------------------------------------


def option_schema(name: str, kind: str = "grader") -> list[Option]:
    """The options a grader (or validator) accepts, in declared order; raises UnknownGrader for an unknown name."""
    return list(_entry(GraderSpec(name), kind).options)


def registered(kind: str = "grader") -> list[Registered]:
    """Every registered grader (or validator) with its options, by name."""
    _names(kind)
    return [entry for (entry_kind, _), entry in sorted(_REGISTERED.items()) if entry_kind == kind]


def spec_problems(spec: GraderSpec, kind: str = "grader") -> list[str]:
    """Everything wrong with a grader or validator spec, as sentences a suite author can act on; [] when fine."""
    names = _names(kind)
    if spec.name not in names:
        return [f"unknown {kind} {spec.name!r}{_suggest(str(spec.name), names)}; known: {', '.join(sorted(names))}"]
    options = {} if spec.options is None else spec.options
    if not isinstance(options, dict):
        return [f"{kind} {spec.name!r}: options must be a mapping, got {type(options).__name__}"]
    declared = {option.name: option for option in _REGISTERED[(kind, spec.name)].options}
    known = ", ".join(declared) or "none"
    problems = [
        f"{kind} {spec.name!r}: unknown option {key!r}{_suggest(str(key), declared)}; known: {known}"
        for key in options
        if key not in declared
    ]
    for key, option in declared.items():
        if key not in options:
            if option.required:
                problems.append(f"{kind} {spec.name!r}: missing required option {key!r}")
            continue
        problem = option.problem(options[key])
        if problem:
            problems.append(f"{kind} {spec.name!r}: option {key!r} {problem}")
    return problems


def needs_expected(spec: GraderSpec) -> bool:
    """Whether every task needs a non-empty expected answer for this grader (raises UnknownGrader if unknown)."""
    return _entry(spec, "grader").needs_expected(spec.options or {})


# ---- building ------------------------------------------------------------------------------------------


def build_grader(spec: GraderSpec, judge: Judge | None = None) -> Grader:
    """A grader for ``spec``; raises UnknownGrader for an unknown name and ValueError for bad options."""
    entry = _checked(spec, "grader")
    kwargs = _with_defaults(entry, spec)
    if "judge" in inspect.signature(entry.factory).parameters:
        kwargs["judge"] = judge
    return entry.factory(**kwargs)


def build_validator(spec: GraderSpec) -> Validator:
    """A validator for ``spec``; raises UnknownGrader for an unknown name and ValueError for bad options."""
    entry = _checked(spec, "validator")
    return entry.factory(**_with_defaults(entry, spec))


def grade_output(output: str, task: Task, grader: Grader, validator: Validator | None = None) -> Grade:
    """Grade one output: ``valid`` from the validator (True without one), ``correct`` and score from the grader."""
    output = output or ""
    try:
        valid, valid_detail = validator(output) if validator else (True, "")
    except Exception as error:  # a validator bug must not stop a paid-for run; the detail records it
        valid, valid_detail = False, f"validator error: {type(error).__name__}: {error}"
    try:
        grade = grader(output, task)
    except Exception as error:  # same for graders: record the failure on this task and move on
        grade = Grade(valid=True, correct=False, score=0.0, detail=f"grader error: {type(error).__name__}: {error}")
    parts = [f"validator: {valid_detail}" if valid_detail else "", f"grader: {grade.detail}" if grade.detail else ""]
    return Grade(
        valid=bool(valid),
        correct=bool(grade.correct),
        score=min(max(float(grade.score), 0.0), 1.0),
        detail="; ".join(part for part in parts if part),
        pending=grade.pending,  # the human grader's "waiting for review" survives the rebuild
    )


def _with_defaults(entry: Registered, spec: GraderSpec) -> dict[str, Any]:
    return {option.name: option.default for option in entry.options if not option.required} | dict(spec.options or {})


def _names(kind: str) -> dict[str, Callable[..., Any]]:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'grader' or 'validator', got {kind!r}")
    return GRADERS if kind == "grader" else VALIDATORS


def _entry(spec: GraderSpec, kind: str) -> Registered:
    if spec.name not in _names(kind):
        raise UnknownGrader(spec_problems(spec, kind)[0])
    return _REGISTERED[(kind, spec.name)]


def _checked(spec: GraderSpec, kind: str) -> Registered:
    entry = _entry(spec, kind)
    problems = spec_problems(spec, kind)
    if problems:
        raise ValueError("; ".join(problems))
    return entry


def _suggest(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _either(choices: Sequence[str]) -> str:
    quoted = [repr(choice) for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def option_from_text(kind: str, text: str) -> Any:
    """A grader option typed as text, read as its declared type (number, bool, comma list, JSON mapping); text
    that does not read as that type is returned unchanged, so the grader's own check names the problem."""
    text = text.strip()
    if kind == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind == "bool" and text.lower() in ("true", "yes", "1", "false", "no", "0"):
        return text.lower() in ("true", "yes", "1")
    if kind == "number":
        try:
            return int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            return text
    if kind in ("mapping", "grader") and text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text
