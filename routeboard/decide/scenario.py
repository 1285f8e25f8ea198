"""What-if scenarios: the review, error and volume assumptions that turn accuracy into cost per accepted task."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import duckdb
import yaml

from routeboard.domain import InfraProfile
from routeboard.errors import InvalidInput, NotFound, Problem, Problems
from routeboard.store.scenarios import save_scenario_body, scenario_body, scenario_names
from routeboard.team import audit
from routeboard.team.access import Actor, require

RATE_FIELDS = ("review_rate", "catch_rate")
MONEY_FIELDS = ("reviewer_usd_per_hour", "failure_usd", "tool_usd_per_trial")
MINUTE_FIELDS = ("review_minutes", "rework_minutes")
CATEGORY_FIELDS = RATE_FIELDS + MONEY_FIELDS + MINUTE_FIELDS + ("monthly_volume",)


@dataclass(frozen=True)
class Assumptions:
    """The per-category inputs of the ledger in docs/design.md (all per trial, USD, minutes, shares in [0, 1])."""

    review_rate: float = 0.0  # r: share of outputs a person checks
    review_minutes: float = 2.0
    reviewer_usd_per_hour: float = 45.0
    catch_rate: float = 0.9  # q: share of wrong outputs a review catches
    rework_minutes: float = 5.0  # to fix a caught error
    failure_usd: float = 20.0  # an error that reaches the business
    tool_usd_per_trial: float = 0.0
    monthly_volume: float = 10_000.0


@dataclass(frozen=True)
class Scenario:
    """Defaults, per-category overrides, and price / infra overrides for re-pricing without new calls."""

    name: str = "default"
    defaults: Assumptions = field(default_factory=Assumptions)
    categories: dict[str, dict[str, float]] = field(default_factory=dict)
    prices: dict[str, dict[str, float]] = field(
        default_factory=dict
    )  # model -> {input_per_mtok_usd, output_per_mtok_usd}
    infra: dict[str, dict[str, float]] = field(default_factory=dict)  # model -> InfraProfile fields
    baseline_model: str | None = None  # the portfolio's "send everything here"
    constraints: dict[str, dict] = field(default_factory=dict)  # category -> route constraints
    # where people's reviews measured review and rework minutes (enough of them: routeboard.decide.ledger), use those
    # instead of the assumed minutes
    use_measured_review: bool = True

    def for_category(self, category: str) -> Assumptions:
        return replace(self.defaults, **self.categories.get(category, {}))

    def with_values(self, category: str | None = None, **values) -> Scenario:
        """A copy with some assumptions changed (for one category, or the defaults)."""
        if category is None:
            return replace(self, defaults=replace(self.defaults, **values))
        merged = {**self.categories, category: {**self.categories.get(category, {}), **values}}
        return replace(self, categories=merged)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "defaults": asdict(self.defaults),
            "categories": self.categories,
            "prices": self.prices,
            "infra": self.infra,
            "baseline_model": self.baseline_model,
            "constraints": self.constraints,
            "use_measured_review": self.use_measured_review,
        }


def validate_assumption(name: str, value: Any) -> str | None:
    """The problem with one assumption value, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"{name} must be a number; got {value!r}"
    if name in RATE_FIELDS and not 0 <= value <= 1:
        return f"{name} must be a share between 0 and 1; got {value}"
    if value < 0:
        return f"{name} must not be negative; got {value}"
    return None


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Build and validate a scenario; every bad value is reported by field name."""
    problems = Problems(source)
    if not isinstance(data, dict):
        raise InvalidInput(Problem(source, None, None, "a scenario must be a mapping"))
    known = {"name", "defaults", "categories", "prices", "infra", "baseline_model", "constraints"}
    known.add("use_measured_review")
    for key in data:
        if key not in known:
            problems.add(None, key, f"unknown scenario field (known: {', '.join(sorted(known))})")
    defaults = _assumptions(data.get("defaults") or {}, "defaults", problems)
    categories = {}
    for category, values in (data.get("categories") or {}).items():
        _assumptions(values, f"categories.{category}", problems)
        categories[str(category)] = dict(values) if isinstance(values, dict) else {}
    prices = _prices(data.get("prices") or {}, problems)
    infra = _infra(data.get("infra") or {}, problems)
    constraints = _constraints(data.get("constraints") or {}, problems)
    use_measured = data.get("use_measured_review", True)
    if not isinstance(use_measured, bool):
        problems.add(None, "use_measured_review", f"must be true or false; got {use_measured!r}")
    problems.raise_if_any()
    return Scenario(
        name=str(data.get("name") or "default"),
        defaults=defaults,
        categories=categories,
        prices=prices,
        infra=infra,
        baseline_model=data.get("baseline_model"),
        constraints=constraints,
        use_measured_review=use_measured,
    )


def _prices(data: dict, problems: Problems) -> dict:
    prices = {}
    for model, price in data.items():
        for key in ("input_per_mtok_usd", "output_per_mtok_usd"):
            value = (price or {}).get(key) if isinstance(price, dict) else None
            if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                problems.add(None, f"prices.{model}.{key}", "must be a non-negative number")
        prices[str(model)] = dict(price) if isinstance(price, dict) else {}
    return prices


def _infra(data: dict, problems: Problems) -> dict:
    from routeboard.catalog.models import infra_problems

    infra = {}
    names = {f.name for f in fields(InfraProfile)}
    for model, profile in data.items():
        if not isinstance(profile, dict) or set(profile) - names:
            problems.add(None, f"infra.{model}", f"infra fields are {', '.join(sorted(names))}")
            continue
        infra_problems(InfraProfile(**profile), problems, f"infra.{model}")
        infra[str(model)] = dict(profile)
    return infra


def _constraints(data, problems: Problems) -> dict:
    from routeboard.decide.constraints import constraint_problems

    if not isinstance(data, dict):
        problems.add(None, "constraints", "must be a mapping of category to constraints")
        return {}
    for category, values in data.items():
        constraint_problems(values, problems, f"constraints.{category}")
    return dict(data)


def _assumptions(values, where: str, problems: Problems) -> Assumptions:
    if not isinstance(values, dict):
        problems.add(None, where, "must be a mapping of assumption names to numbers")
        return Assumptions()
    for key, value in values.items():
        if key not in CATEGORY_FIELDS:
            problems.add(None, f"{where}.{key}", f"unknown assumption (known: {', '.join(CATEGORY_FIELDS)})")
            continue
        message = validate_assumption(key, value)
        if message:
            problems.add(None, f"{where}.{key}", message)
    clean = {k: float(v) for k, v in values.items() if k in CATEGORY_FIELDS and validate_assumption(k, v) is None}
    return replace(Assumptions(), **clean)


def load_scenario_file(path: str | Path) -> Scenario:
    """Read a scenario from YAML or JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except FileNotFoundError:
        raise InvalidInput(Problem(str(path), None, None, "no such scenario file")) from None
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(Problem(str(path), None, None, f"cannot read the scenario: {exc}")) from None
    return scenario_from_dict(data, str(path))


def save_scenario(con: duckdb.DuckDBPyConnection, scenario: Scenario, *, actor: Actor | None = None) -> None:
    """Store a scenario under its name (replacing one saved before); an analyst's action, audited."""
    actor = require(actor, "save_scenario")
    save_scenario_body(con, scenario.name, scenario.to_dict())
    audit.record_now(con, actor, "save_scenario", target=scenario.name)


def load_scenario(con: duckdb.DuckDBPyConnection, name_or_file: str | None) -> Scenario:
    """A saved scenario by name, a YAML/JSON file, or the defaults when None."""
    if not name_or_file:
        return Scenario()
    body = scenario_body(con, name_or_file)
    if body is not None:
        return scenario_from_dict(body, f"scenario {name_or_file}")
    if Path(name_or_file).suffix.lower() in (".yaml", ".yml", ".json"):
        return load_scenario_file(name_or_file)
    raise NotFound(
        f"no saved scenario named {name_or_file!r} and no such file; saved: {', '.join(list_scenarios(con)) or 'none'}"
    )


def list_scenarios(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the saved scenarios."""
    return scenario_names(con)
