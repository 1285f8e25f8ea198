"""The route race's error rate on seeded simulations at small n (100-150 tasks a category): replayed as a run would
send the tasks, a category is routed to a model that does not truly clear at most at the stated rate, no more often
to one that costs over 5% more per accepted task than the true best than the full run is (near-ties in accuracy are
beyond 150 tasks either way), its route agrees with the full run's, and a settled race names the route the ledger
then reads from the same results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routeboard.decide.facts import facts_frame
from routeboard.decide.ledger import apply_scenario
from routeboard.decide.race import RaceRules, cpat
from routeboard.decide.routes import routes
from routeboard.decide.scenario import Assumptions, Scenario
from routeboard.run.replay import replay_race

CATEGORIES = 200
PRICES = (0.00002, 0.0002, 0.002, 0.02)  # USD a trial: a local box to a frontier model


def world(rng: np.random.Generator):
    """One category: a bar, 4 models on the price ladder with accuracies around it, 100-150 tasks."""
    bar = float(rng.choice([0.7, 0.8, 0.9]))
    size = int(rng.integers(100, 151))
    accuracy = np.clip(np.sort(bar + rng.uniform(-0.2, 0.08, len(PRICES))), 0.3, 0.995)
    correct = {f"m{i}": (rng.random(size) < p).astype(float) for i, p in enumerate(accuracy)}
    usd = {f"m{i}": np.full(size, price) for i, price in enumerate(PRICES)}
    return bar, correct, usd, dict(zip(correct, accuracy))


def facts(category: str, bar: float, tasks: dict, successes: dict, usd: dict) -> list[dict]:
    """The ledger's facts of what a run collected (a model sent nothing has no row, as in the store)."""
    return [
        {"category": category, "model_id": m, "trials": n, "tasks": n, "correct": round(successes[m]),
         "valid": n, "bar": bar, "attempts": n, "cost_usd_sum": float(usd[m][0] * n), "tier": "frontier",
         "snapshot_input_per_mtok_usd": 1.0, "snapshot_output_per_mtok_usd": 1.0}
        for m, n in tasks.items() if n
    ]  # fmt: skip


@pytest.mark.parametrize("failure_usd", [20.0, 0.05])
def test_stopping_at_the_route_adds_no_wrong_routes_to_the_full_runs(failure_usd):
    rng = np.random.default_rng(23)
    scenario = Scenario(defaults=Assumptions(failure_usd=failure_usd))
    rows, full_rows, runs = [], [], []
    for index in range(CATEGORIES):
        bar, correct, usd, truth = world(rng)
        replayed = replay_race(str(index), correct, usd, RaceRules(bar, 30, scenario.defaults), round_tasks=20)
        rows += facts(str(index), bar, replayed.tasks, replayed.successes, usd)
        full_rows += facts(
            str(index), bar, {m: len(c) for m, c in correct.items()}, {m: c.sum() for m, c in correct.items()}, usd
        )
        runs.append((bar, usd, truth, replayed))
    route_of, full_route_of = routed(rows, scenario), routed(full_rows, scenario)
    wrong = {"race": 0, "full": 0}
    not_clearing = disagree = agree = 0
    for index, (bar, usd, truth, replayed) in enumerate(runs):
        true_cpat = {m: cpat(p, usd[m][0], scenario.defaults) for m, p in truth.items()}
        clearing = [m for m, p in truth.items() if p >= bar]
        best = min((true_cpat[m] for m in clearing), default=math.nan)
        for name, route in (("race", route_of.get(str(index))), ("full", full_route_of.get(str(index)))):
            wrong[name] += route is not None and (route not in clearing or true_cpat[route] > 1.05 * best)
        route = route_of.get(str(index))
        not_clearing += route is not None and route not in clearing
        agree += route == full_route_of.get(str(index))
        disagree += replayed.call.state == "settled" and replayed.call.route != route
    assert not_clearing / CATEGORIES <= 0.05 and wrong["race"] <= wrong["full"] + CATEGORIES * 0.02, wrong
    assert agree / CATEGORIES >= 0.95
    assert disagree == 0
    calls = sum(replayed.calls for *_, replayed in runs) / sum(replayed.full_calls for *_, replayed in runs)
    assert calls < 0.6, calls  # it stops: well under every task to every model


def routed(rows: list[dict], scenario: Scenario) -> dict[str, str | None]:
    """The ledger's route per category on these facts, as the report reads it."""
    table = routes(apply_scenario(facts_frame(rows), scenario))
    return {r["category"]: r["model"] if isinstance(r["model"], str) else None for r in table.to_dict("records")}
