"""A run that stops at the route (``RunRequest.until_route``): what its races are judged by, and its spend before
it starts.

What it is judged by (``RouteSetup``) is fixed when the run starts and kept in its settings, so a resume judges
alike: the scenario (failure cost, review: the cost per accepted task a model is compared on), the level, what a
trial of each model is expected to cost before one is measured (the estimate), and the models a category's
constraints exclude whatever their results (deny list, tiers). Each category's bar and minimum evidence come from
its suites (``decide.category_rules``); suites of one category that disagree on them cannot decide one route.

Its spend (``route_spend``): the expected spend is the mean of simulated campaigns through the same races
(``replay``), drawing each model's accuracy from its stored results on the category where it has some, else
uniformly between 50% and 100%; the worst case is the full run's (no outcome makes a race send more than it)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from routeboard.decide.constraints import effective
from routeboard.decide.race import RaceRules
from routeboard.decide.scenario import Scenario, scenario_from_dict
from routeboard.decide.verdicts import DEFAULT_LEVEL
from routeboard.domain import Model, Suite
from routeboard.errors import InvalidInput
from routeboard.run.plan import CategoryRace, Job, RoutePlan

SIMULATIONS = 200  # simulated campaigns behind the expected spend
UNKNOWN_ACCURACY = (0.5, 1.0)  # where nothing is stored: accuracy drawn uniformly from this range


@dataclass(frozen=True)
class RouteSetup:
    """What a run that stops at the route is judged by (stored in its settings as ``route``)."""

    scenario: Scenario = field(default_factory=Scenario)
    prior_usd: dict[str, dict[str, float]] = field(default_factory=dict)  # category -> model -> USD a trial
    excluded: dict[str, dict[str, str]] = field(default_factory=dict)  # category -> model -> why, in words
    level: float = DEFAULT_LEVEL

    def to_settings(self) -> dict:
        prior = {c: {m: (None if math.isnan(v) else v) for m, v in per.items()} for c, per in self.prior_usd.items()}
        return {"scenario": self.scenario.to_dict(), "prior_usd": prior, "excluded": self.excluded, "level": self.level}

    @classmethod
    def from_settings(cls, data: dict) -> RouteSetup:
        prior = {c: {m: (math.nan if v is None else v) for m, v in per.items()} for c, per in data["prior_usd"].items()}
        return cls(scenario_from_dict(data["scenario"], "the run's scenario"), prior, data["excluded"], data["level"])


def race_rules(suites: list[tuple[str, Suite]], scenario: Scenario, level: float) -> dict[str, RaceRules]:
    """Each category's rules for its race: its bar, minimum tasks and cost ceiling (a scenario's override on top,
    as the ledger applies it) and the scenario's assumptions. Suites of one category that disagree are refused."""
    import pandas as pd

    from routeboard.decide.category_rules import category_rules

    frame = pd.DataFrame(
        [
            {
                "category": suite.category,
                "suite_id": suite_id,
                "name": suite.name,
                "version": 0,
                "bar": suite.bar,
                "constraints": json.dumps(suite.constraints) if suite.constraints else None,
                "task_count": len(suite.tasks),
            }
            for suite_id, suite in suites
        ]
    )
    rules = {}
    for row in category_rules(frame).to_dict("records"):
        category = row["category"]
        if isinstance(row["rules_conflict"], str):
            raise InvalidInput(f"the suites of {category} disagree ({row['rules_conflict']}): one route cannot be "
                               "decided for them")  # fmt: skip
        stated = json.loads(row["constraints"]) if row["constraints"] else None
        rule = effective(stated, scenario.constraints.get(category))
        rules[category] = RaceRules(
            float(row["bar"]),
            int(rule["min_tasks"]),
            scenario.for_category(category),
            level,
            rule.get("max_cpat_usd"),
        )
    return rules


def route_setup(
    suites: list[tuple[str, Suite]], models: list[Model], estimates: list, scenario: Scenario, level: float
) -> RouteSetup:
    """The setup of a new run: each model's expected USD a trial per category (from the estimate's rows), and
    the models each category's constraints exclude. Refuses suites of one category that disagree on its rules."""
    import pandas as pd

    from routeboard.decide.constraints import exclusions

    race_rules(suites, scenario, level)  # refused before anything is stored
    category_of = {suite_id: suite.category for suite_id, suite in suites}
    sums: dict[tuple[str, str], list[float]] = {}
    for row in estimates:
        usd = math.nan if row.cost_usd is None else row.cost_usd
        total = sums.setdefault((category_of[row.suite], row.model_id), [0.0, 0])
        total[0] += usd
        total[1] += row.calls
    prior: dict[str, dict[str, float]] = {}
    for (category, model_id), (usd, calls) in sums.items():
        prior.setdefault(category, {})[model_id] = usd / calls if calls else math.nan
    stated = {s.category: effective(s.constraints, scenario.constraints.get(s.category)) for _, s in suites}
    pairs = [(category, m) for category in stated for m in models]
    frame = pd.DataFrame(
        {
            "category": [c for c, _ in pairs],
            "model_id": [m.id for _, m in pairs],
            "tier": [m.tier for _, m in pairs],
            "tasks": [10**9] * len(pairs),  # evidence, latency and cost are judged by the race, not here
            "latency_ms_p95": [0.0] * len(pairs),
            "cpat_usd": [math.nan] * len(pairs),
            "cost_unknown": [None] * len(pairs),
        }
    )
    reasons, details = exclusions(frame, stated)
    excluded: dict[str, dict[str, str]] = {}
    for (category, model), reason, detail in zip(pairs, reasons, details):
        if reason in ("deny", "tier"):
            excluded.setdefault(category, {})[model.id] = detail
    return RouteSetup(scenario, prior, excluded, level)


def build_races(jobs: list[Job], round_tasks: int, setup: RouteSetup) -> dict[str, CategoryRace]:
    """One race per category of the run's jobs."""
    suites = {job.suite_id: job.suite for job in jobs}
    rules = race_rules(list(suites.items()), setup.scenario, setup.level)
    sizes: dict[str, dict[str, int]] = {}
    models: dict[str, list[str]] = {}
    for job in jobs:
        category = job.suite.category
        per = sizes.setdefault(category, {})
        per[job.suite_id] = max(per.get(job.suite_id, 0), job.position + 1)
        if job.model.id not in models.setdefault(category, []):
            models[category].append(job.model.id)
    return {
        category: CategoryRace(
            category,
            sizes[category],
            models[category],
            rules[category],
            round_tasks,
            setup.prior_usd.get(category, {}),
            setup.excluded.get(category, {}),
        )
        for category in sizes
    }


def route_plan(
    jobs: list[Job],
    finished: dict[tuple, bool],
    *,
    waiting: set[tuple],
    costs: dict[tuple, float],
    trials: int,
    round_tasks: int,
    setup: RouteSetup,
) -> RoutePlan:
    """The plan of a run that stops at the route, its races replayed through the trials already finished."""
    races = build_races(jobs, round_tasks, setup)
    return RoutePlan(jobs, finished, waiting=waiting, costs=costs, trials=trials, races=races)


@dataclass(frozen=True)
class RouteSpend:
    """A run that stops at the route, before it starts: its expected and worst-case spend and calls, beside the
    full run's, and where the figures come from."""

    expected_usd: float
    worst_usd: float
    full_usd: float
    expected_calls: float
    full_calls: int
    basis: str


def route_spend(
    suites: list[tuple[str, Suite]],
    models: list[Model],
    estimates: list,
    *,
    trials: int,
    round_tasks: int,
    setup: RouteSetup,
    stored_accuracy: dict[tuple[str, str], tuple[float, int]] | None = None,
    budget_usd: float | None = None,
    simulations: int = SIMULATIONS,
    seed: int = 0,
) -> RouteSpend:
    """Expected and worst-case spend of the run that stops at the route, beside the full run's (the estimate's
    rows). ``stored_accuracy`` maps (category, model) to (successes, tasks) already stored; without it a model's
    accuracy is drawn uniformly from 50% to 100%. The budget cap, when set, bounds the worst case."""
    from routeboard.run.replay import replay_race

    rules = race_rules(suites, setup.scenario, setup.level)
    tasks = {}
    for row in estimates:
        category = next(s.category for sid, s in suites if sid == row.suite)
        tasks[(category, row.suite)] = row.calls // max(trials, 1)
    size = {c: sum(n for (cat, _), n in tasks.items() if cat == c) for c in rules}
    full_usd = sum(math.nan if r.cost_usd is None else r.cost_usd for r in estimates)
    full_calls = sum(r.calls for r in estimates)
    stored_accuracy = stored_accuracy or {}
    rng = np.random.default_rng(seed)
    expected_usd = expected_calls = 0.0
    for category, rule in rules.items():
        prior = setup.prior_usd.get(category, {})
        names = [m.id for m in models]
        usd = {m: np.full(size[category], prior.get(m, math.nan) * trials) for m in names}
        spent = calls = 0.0
        for _ in range(simulations):
            outcomes = {m: _draw(rng, stored_accuracy.get((category, m)), size[category], trials) for m in names}
            replayed = replay_race(
                category,
                outcomes,
                usd,
                rule,
                round_tasks=round_tasks,
                prior_usd={m: prior.get(m, math.nan) for m in names},
                excluded=setup.excluded.get(category),
                trials=trials,
            )
            spent += replayed.usd
            calls += replayed.calls
        expected_usd += spent / simulations
        expected_calls += calls / simulations
    worst = full_usd if budget_usd is None else min(full_usd, budget_usd)
    known = sum(1 for c in rules for m in models if (c, m.id) in stored_accuracy)
    basis = (
        f"expected: the mean of {simulations} simulated campaigns through the same rules, each model's accuracy "
        + (
            f"drawn from its stored results where it has some ({known} of {len(rules) * len(models)}), else "
            if known
            else ""
        )  # fmt: skip
        + f"uniformly between {UNKNOWN_ACCURACY[0]:.0%} and {UNKNOWN_ACCURACY[1]:.0%}; worst case: every task "
        + (
            "to every model, as the full run (no outcome sends more)"
            if budget_usd is None or worst == full_usd
            else "up to the budget cap"
        )  # fmt: skip
    )
    return RouteSpend(expected_usd, worst, full_usd, expected_calls, full_calls, basis)


def _draw(rng: np.random.Generator, stored: tuple[float, int] | None, size: int, trials: int) -> np.ndarray:
    """A simulated model's share of correct trials on each task: its accuracy from its stored results (a Beta
    draw with Jeffreys' prior) or uniform over UNKNOWN_ACCURACY."""
    if stored is not None and stored[1] > 0:
        p = rng.beta(stored[0] + 0.5, stored[1] - stored[0] + 0.5)
    else:
        p = rng.uniform(*UNKNOWN_ACCURACY)
    return rng.binomial(trials, p, size) / trials


def estimate_route_spend(con, suites: list[tuple[str, Suite]], models: list[Model], request, estimates: list):
    """``route_spend`` for a request before it is launched: its scenario, the estimate's rows, and each model's
    stored results on the run's categories (what the ledger holds, evidence in tasks) as its likely accuracy."""
    from routeboard.decide.facts import ledger_facts
    from routeboard.decide.scenario import load_scenario

    setup = route_setup(suites, models, estimates, load_scenario(con, request.scenario), DEFAULT_LEVEL)
    facts = ledger_facts(con, models=[m.id for m in models])
    categories = {suite.category for _, suite in suites}
    stored = {
        (row["category"], row["model_id"]): (row["correct"] / row["trials"] * row["tasks"], int(row["tasks"]))
        for row in facts.to_dict("records")
        if row["category"] in categories and row["trials"]
    }
    return route_spend(
        suites,
        models,
        estimates,
        trials=request.trials,
        round_tasks=request.round_tasks,
        setup=setup,
        stored_accuracy=stored,
        budget_usd=request.budget_usd,
    )
