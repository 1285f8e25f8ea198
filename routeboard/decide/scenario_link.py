"""A What-if scenario shared as a link: its assumptions as query parameters (``?failure_usd=50&review_rate=0.2``;
one category's own value as ``monthly_volume@tickets=2000``), read back with every bad value reported and ignored,
so a mistyped link never breaks a page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from routeboard.decide.scenario import CATEGORY_FIELDS, Assumptions, Scenario, validate_assumption
from routeboard.present import assumption_text

LINK_FIELDS = tuple(f.name for f in fields(Assumptions) if f.name in CATEGORY_FIELDS)
# the parameters of a scenario's choices besides its assumptions
CHOICES = ("baseline", "measured_review")
PER_CATEGORY = "@"  # failure_usd@tickets: the value of one category, overriding the default


@dataclass(frozen=True)
class LinkedScenario:
    """A scenario read from a link's query parameters; ``problems`` name each value that was ignored and why."""

    scenario: Scenario
    problems: tuple[str, ...] = ()


def is_scenario_parameter(name: str) -> bool:
    """Whether a query parameter belongs to the scenario (an assumption, one category's, or a choice)."""
    return name in CHOICES or name.split(PER_CATEGORY, 1)[0] in LINK_FIELDS


def scenario_from_query(params: Mapping, base: Scenario) -> LinkedScenario:
    """``base`` with the assumptions a link carries (``?failure_usd=50&review_rate=0.2``, a category's own as
    ``failure_usd@tickets=80``); a bad value keeps the default and is reported, so a mistyped link never breaks
    the page."""
    values, own, problems = {}, {}, []
    for name, raw in params.items():
        if name in CHOICES:
            continue
        field, _, category = name.partition(PER_CATEGORY)
        if field not in LINK_FIELDS or (PER_CATEGORY in name and not category):
            problems.append(f"'{name}' in the link is not an assumption (known: {', '.join(LINK_FIELDS)}); ignored")
            continue
        text = _last(raw)
        try:
            value = float(text)
        except (TypeError, ValueError):
            problems.append(
                f"{name}={text!r} in the link is not a number; using {assumption_text(field, _stock(field))}"
            )
            continue
        message = validate_assumption(field, value)
        if message:
            problems.append(f"{message} (from the link); using {assumption_text(field, _stock(field))}")
            continue
        if category:
            own.setdefault(category, {})[field] = value
        else:
            values[name] = value
    scenario = base.with_values(**values) if values else base
    for category, chosen in own.items():
        scenario = scenario.with_values(category, **chosen)
    baseline = _last(params.get("baseline"))
    if _last(params.get("measured_review")) == "0":  # the link's scenario kept its assumed review minutes
        scenario = replace(scenario, use_measured_review=False)
    if isinstance(baseline, str) and baseline:
        scenario = replace(scenario, baseline_model=baseline)
    return LinkedScenario(scenario, tuple(problems))


def _stock(name: str) -> float:
    return getattr(Assumptions(), name)


def query_from_scenario(scenario: Scenario) -> dict[str, str]:
    """The link parameters of a scenario: its default assumptions that differ from the stock ones, each category's
    own values that differ from its defaults, and its baseline and review-minutes choices."""
    stock = Assumptions()
    query = {
        name: _number(getattr(scenario.defaults, name))
        for name in LINK_FIELDS
        if getattr(scenario.defaults, name) != getattr(stock, name)
    }
    for category, values in sorted(scenario.categories.items()):
        for name in LINK_FIELDS:
            if name in values and values[name] != getattr(scenario.defaults, name):
                query[f"{name}{PER_CATEGORY}{category}"] = _number(values[name])
    if scenario.baseline_model:
        query["baseline"] = scenario.baseline_model
    if not scenario.use_measured_review:
        query["measured_review"] = "0"
    return query


def _number(value: float) -> str:
    """A value as a link writes it: as short as it reads (75, 0.25), never rounded (1234567, not 1.23457e+06)."""
    return f"{float(value):.15g}"


def _last(raw):
    return raw[-1] if isinstance(raw, list) and raw else raw
