"""Form fields drawn from an option schema (a grader's declared options, the route constraints) instead of raw
JSON; the JSON stays as an advanced view. Every wrong value is reported by the field's label, in words."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from routeboard.decide.constraints import DEFAULT_MIN_TASKS, KNOWN, constraint_problems
from routeboard.domain import TIERS
from routeboard.errors import Problems
from routeboard.graders import GRADERS, option_schema
from routeboard.graders.registry import Option, option_from_text

# the words a person reads for each route constraint (the stored keys stay as in suite.yaml)
CONSTRAINT_LABELS = {
    "max_latency_ms_p95": "p95 latency ceiling (ms)",
    "max_cpat_usd": "cpat ceiling (USD per accepted task)",
    "allowed_tiers": "Allowed tiers",
    "deny_models": "Denied models",
    "min_tasks": "Minimum tasks",
}
_NO_PRECHECK = "(none)"


@dataclass
class Filled:
    """What a form holds: the values to store and every problem, each naming its field."""

    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)


def label(name: str) -> str:
    """An option's name as a field label: abs_tol -> 'Abs tol'."""
    return name.replace("_", " ").capitalize()


# ---------------------------------------------------------------- grader options


def grader_fields(grader: str, current: dict | None, key: str) -> Filled:
    """One field per option the grader declares; an option left at its default and not stored stays unset."""
    current = dict(current or {})
    values, problems = {}, []
    for option in option_schema(grader):
        shown = current.get(option.name, option.default)
        value, problem = _field(option, shown, f"{key}_{option.name}")
        if problem is None and value is None and option.required:
            problem = f"required: {option.help}"
        elif problem is None and value is not None:
            problem = option.problem(value)
        if problem:
            problems.append(f"{label(option.name)}: {problem}")
        if value is not None and (option.name in current or value != option.default):
            values[option.name] = value
    # options the grader does not declare are kept, so the check below names them
    values |= {k: v for k, v in current.items() if k not in {o.name for o in option_schema(grader)}}
    return Filled(values, problems)


def _field(option: Option, shown: Any, key: str) -> tuple[Any, str | None]:
    """Draw one option's widget; (value, problem in words or None)."""
    words = label(option.name) + (" *" if option.required else "")
    if option.type == "bool":
        return st.checkbox(words, bool(shown), help=option.help, key=key), None
    if option.type == "number":
        value = st.number_input(
            words, value=None if shown is None else float(shown), format="%g", help=option.help, key=key
        )
        return value, None
    if option.type == "text" and option.choices:
        index = option.choices.index(shown) if shown in option.choices else 0
        return st.selectbox(words, option.choices, index=index, help=option.help, key=key), None
    if option.type == "text":
        widget = st.text_area if option.name == "rubric" else st.text_input
        return widget(words, shown or "", help=option.help, key=key) or None, None
    if option.type == "list":
        text = st.text_input(words, ", ".join(map(str, shown or [])), help=f"comma-separated: {option.help}", key=key)
        return option_from_text("list", text) or None, None
    if option.type == "grader":
        return _precheck(words, option, shown, key), None
    text = st.text_area(words, json.dumps(shown, indent=2) if shown else "", help=f"JSON: {option.help}", key=key)
    return _json(text)


def _precheck(words: str, option: Option, shown: Any, key: str):
    """A cheaper grader run first: chosen by name; a stored {name, options} is kept while its name is chosen."""
    names = [_NO_PRECHECK] + sorted(name for name in GRADERS if name != "llm_judge")
    stored_name = shown.get("name") if isinstance(shown, dict) else shown
    index = names.index(stored_name) if stored_name in names else 0
    chosen = st.selectbox(words, names, index=index, help=option.help, key=key)
    if chosen == _NO_PRECHECK:
        return None
    return shown if chosen == stored_name else chosen


def _json(text: str) -> tuple[Any, str | None]:
    if not text.strip():
        return None, None
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at line {error.lineno})"


# ---------------------------------------------------------------- route constraints


def constraint_fields(current: dict | None, model_ids: list[str], key: str) -> Filled:
    """The route constraints as fields; an empty field means no constraint (minimum tasks: the default)."""
    current = dict(current or {})
    cols = st.columns(2)
    values: dict[str, Any] = {
        "max_latency_ms_p95": cols[0].number_input(
            CONSTRAINT_LABELS["max_latency_ms_p95"],
            value=_float(current.get("max_latency_ms_p95")),
            format="%g",
            help="a model whose 95th-percentile latency is above this is not routed; empty: no ceiling",
            key=f"{key}_max_latency_ms_p95",
        ),
        "max_cpat_usd": cols[1].number_input(
            CONSTRAINT_LABELS["max_cpat_usd"],
            value=_float(current.get("max_cpat_usd")),
            format="%g",
            help="a model whose cost per accepted task is above this is not routed; empty: no ceiling",
            key=f"{key}_max_cpat_usd",
        ),
        "allowed_tiers": cols[0].multiselect(
            CONSTRAINT_LABELS["allowed_tiers"],
            list(TIERS),
            [t for t in current.get("allowed_tiers") or [] if t in TIERS],
            help="only models of these tiers are routed; none chosen: every tier",
            key=f"{key}_allowed_tiers",
        ),
        "deny_models": cols[1].multiselect(
            CONSTRAINT_LABELS["deny_models"],
            sorted(set(model_ids) | set(current.get("deny_models") or [])),
            current.get("deny_models") or [],
            help="models never routed in this category",
            key=f"{key}_deny_models",
        ),
        "min_tasks": cols[0].number_input(
            CONSTRAINT_LABELS["min_tasks"],
            value=int(current.get("min_tasks", DEFAULT_MIN_TASKS)),
            step=1,
            help=f"independent tasks a model needs before it may clear the bar (default {DEFAULT_MIN_TASKS})",
            key=f"{key}_min_tasks",
        ),
    }
    kept = {k: v for k, v in current.items() if k not in KNOWN}  # a legacy key stays until the JSON view drops it
    for name, value in values.items():
        unset = value is None or value == [] or (name == "min_tasks" and value == DEFAULT_MIN_TASKS)
        if not unset or name in current:
            kept[name] = value
    return Filled(kept, constraint_words(kept))


def constraint_words(constraints: Any) -> list[str]:
    """Every bad constraint value, each naming its field as the form labels it."""
    problems = Problems("constraints")
    constraint_problems(constraints, problems)
    words = []
    for problem in problems:
        name = problem.field.removeprefix("constraints.")
        words.append(f"{CONSTRAINT_LABELS.get(name, name)}: {problem.message}")
    return words


def _float(value) -> float | None:
    return None if value is None or isinstance(value, bool) else float(value)


# ---------------------------------------------------------------- the advanced view


def advanced_json(title: str, filled: Filled, stored: dict, key: str) -> Filled:
    """The stored value as editable JSON under an 'Advanced' expander; once edited there, it wins over the fields."""
    initial = json.dumps(stored, indent=2, ensure_ascii=False)
    with st.expander(f"Advanced: {title} as JSON"):
        text = st.text_area(f"{title} (JSON)", initial, key=key, height=150)
    if text == initial:
        return filled
    value, problem = _json(text)
    if problem:
        return Filled(stored, [f"{title} (JSON): {problem}"])
    if not isinstance(value, dict):
        return Filled(stored, [f"{title} (JSON): must be a mapping such as {{}}"])
    return Filled(value, [])
