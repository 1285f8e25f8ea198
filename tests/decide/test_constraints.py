"""Routes that respect each job's constraints: deny lists, tiers, minimum tasks, latency and cost ceilings."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from routeboard.decide.routes import decide
from routeboard.decide.scenario import Assumptions, Scenario, scenario_from_dict
from routeboard.errors import InvalidInput
from routeboard.suites import load_suite_bytes
from tests.decide.test_ledger import facts

RIGHT = dict(correct=990, trials=1000)


def rows(constraints: dict | None = None, **extra_models):
    """Three models that all clear a 0.9 bar: a cheap hosted one, a slow local one, a dear frontier one."""
    base = [
        dict(model="hosted-small", tier="small-proprietary", cost_usd=1.0, latency_ms_p95=800.0, **RIGHT),
        dict(model="local", tier="local", cost_usd=0.0, infra_usd=0.5, latency_ms_p95=9000.0, **RIGHT),
        dict(model="frontier", tier="frontier", cost_usd=30.0, latency_ms_p95=1500.0, **RIGHT),
    ]
    frame = pd.concat([facts(**r) for r in base], ignore_index=True)
    frame["constraints"] = json.dumps(constraints) if constraints else None
    return frame


NO_FAILURE_COST = Scenario(defaults=Assumptions(failure_usd=0.0))


def route_for(frame, scenario: Scenario = NO_FAILURE_COST) -> dict:
    table = decide(frame, scenario).routes
    return table.to_dict("records")[0]


def test_without_constraints_the_cheapest_clearing_model_routes():
    assert route_for(rows())["model"] == "local"


def test_latency_ceiling_excludes_slow_models_with_the_reason():
    route = route_for(rows({"max_latency_ms_p95": 2000}))
    assert route["model"] == "hosted-small"
    assert {e["model"]: e["reason"] for e in route["excluded"]} == {"local": "latency"}


def test_allowed_tiers_keep_data_on_premises():
    route = route_for(rows({"allowed_tiers": ["local"], "max_latency_ms_p95": None}))
    assert route["model"] == "local"
    assert {e["model"]: e["reason"] for e in route["excluded"]} == {"hosted-small": "tier", "frontier": "tier"}


def test_deny_list_removes_a_model():
    route = route_for(rows({"deny_models": ["local"]}))
    assert route["model"] == "hosted-small" and route["excluded"][0]["reason"] == "deny"


def test_min_tasks_stops_a_small_perfect_run_from_clearing():
    frame = pd.concat(
        [rows(), facts(model="lucky", tier="local", correct=5, trials=5, cost_usd=0.0)], ignore_index=True
    )
    decision = decide(frame, Scenario(defaults=Assumptions(failure_usd=0.0)))
    led, table = decision.ledger, decision.routes
    lucky = led.set_index("model_id").loc["lucky"]
    assert lucky["verdict"] != "clears" and lucky["excluded"] == "min_tasks"
    assert table["model"].iat[0] == "local"


def test_cost_ceiling_flags_no_affordable_model_with_the_gap():
    route = route_for(rows({"max_cpat_usd": 0.0001}))
    assert route["model"] is None and route["affordable"] is False
    cheapest = route["nearest"]
    assert cheapest == "local" and route["cost_gap_usd"] == pytest.approx(route["cpat_usd"] - 0.0001)
    assert "no affordable model" in route["reason"]


def test_a_scenario_overrides_a_suites_constraints_per_category():
    scenario = scenario_from_dict(
        {"defaults": {"failure_usd": 0}, "constraints": {"tickets": {"allowed_tiers": ["frontier"]}}}
    )
    assert route_for(rows({"max_latency_ms_p95": 2000}), scenario)["model"] == "frontier"
    with pytest.raises(InvalidInput, match="constraints.tickets.allowed_tiers"):
        scenario_from_dict({"constraints": {"tickets": {"allowed_tiers": ["gpu"]}}})


def test_suite_files_carry_constraints_and_reject_bad_ones():
    yaml_text = b"""name: t
category: tickets
grader: exact
constraints: {max_latency_ms_p95: 1500, allowed_tiers: [local, small-proprietary], min_tasks: 50}
tasks: [{id: a, input: x, expected: y}]
"""
    suite = load_suite_bytes("s.yaml", yaml_text)
    assert suite.constraints == {
        "max_latency_ms_p95": 1500,
        "allowed_tiers": ["local", "small-proprietary"],
        "min_tasks": 50,
    }
    with pytest.raises(InvalidInput) as info:
        load_suite_bytes("s.yaml", yaml_text.replace(b"min_tasks: 50", b"min_tasks: 0, speed: 3"))
    assert {p.field for p in info.value.problems} == {"constraints.min_tasks", "constraints.speed"}
