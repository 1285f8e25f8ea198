"""A What-if scenario shared as a link: its assumptions as query parameters (``?failure_usd=50&review_rate=0.2``),
read back with every bad value reported and ignored, so a mistyped link never breaks a page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from routeboard.decide.scenario import CATEGORY_FIELDS, Assumptions, Scenario, validate_assumption
from routeboard.present import assumption_text

LINK_FIELDS = tuple(f.name for f in fields(Assumptions) if f.name in CATEGORY_FIELDS)


@dataclass(frozen=True)
class LinkedScenario:
    """A scenario read from a link's query parameters; ``problems`` name each value that was ignored and why."""

    scenario: Scenario
    problems: tuple[str, ...] = ()


def scenario_from_query(params: Mapping, base: Scenario) -> LinkedScenario:
    """``base`` with the assumptions a link carries (``?failure_usd=50&review_rate=0.2``); a bad value keeps
    the default and is reported, so a mistyped link never breaks the page."""
    values, problems = {}, []
    for name, raw in params.items():
        if name in ("baseline", "measured_review"):
            continue
        if name not in LINK_FIELDS:
            problems.append(f"'{name}' in the link is not an assumption (known: {', '.join(LINK_FIELDS)}); ignored")
            continue
        text = raw[-1] if isinstance(raw, list) else raw
        try:
            value = float(text)
        except (TypeError, ValueError):
            problems.append(f"{name}={text!r} in the link is not a number; using {assumption_text(name, _stock(name))}")
            continue
        message = validate_assumption(name, value)
        if message:
            problems.append(f"{message} (from the link); using {assumption_text(name, _stock(name))}")
            continue
        values[name] = value
    baseline = params.get("baseline")
    scenario = base.with_values(**values) if values else base
    if _last(params.get("measured_review")) == "0":  # the link's scenario kept its assumed review minutes
        scenario = replace(scenario, use_measured_review=False)
    if isinstance(baseline, str) and baseline:
        scenario = replace(scenario, baseline_model=baseline)
    return LinkedScenario(scenario, tuple(problems))


def _stock(name: str) -> float:
    return getattr(Assumptions(), name)


def query_from_scenario(scenario: Scenario) -> dict[str, str]:
    """The link parameters for a scenario's default assumptions: only the values that differ from the stock ones."""
    stock = Assumptions()
    query = {
        name: f"{getattr(scenario.defaults, name):g}"
        for name in LINK_FIELDS
        if getattr(scenario.defaults, name) != getattr(stock, name)
    }
    if scenario.baseline_model:
        query["baseline"] = scenario.baseline_model
    if not scenario.use_measured_review:
        query["measured_review"] = "0"
    return query


def _last(raw):
    return raw[-1] if isinstance(raw, list) and raw else raw
