"""report / route / export on imported per-sample results: exact figures a script can rely on."""

from __future__ import annotations

import csv
import json
import random

import pytest
import yaml
from scipy.stats import binomtest

from tests.conftest import run_cli

TASKS = 1200


@pytest.fixture
def imported(tmp_path):
    """Two models over the same 1,200 tasks: a cheap one right 96.5% of the time, a dear one 99%."""
    rng = random.Random(11)
    path = tmp_path / "results.csv"
    correct = {
        "openai/gpt-4.1-nano": set(rng.sample(range(TASKS), round(TASKS * 0.965))),
        "openai/gpt-4.1": set(rng.sample(range(TASKS), round(TASKS * 0.99))),
    }
    cost = {"openai/gpt-4.1-nano": 0.0001, "openai/gpt-4.1": 0.004}
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["task_id", "category", "model", "correct", "cost_usd", "latency_ms", "output"])
        for model, right in correct.items():
            for i in range(TASKS):
                writer.writerow(
                    [
                        f"t{i}",
                        "ticket triage",
                        model,
                        "true" if i in right else "false",
                        cost[model],
                        300,
                        '=HYPERLINK("http://x")' if i == 0 else "ok",
                    ]
                )
    result = run_cli("results", "import", str(path), "--bar", "0.95", "--json")
    assert result.returncode == 0, result.stderr
    return {m: len(r) for m, r in correct.items()}, cost


def test_report_json_has_exact_accuracies_intervals_and_verdicts(imported):
    counts, cost = imported
    rows = json.loads(run_cli("report", "--json").stdout)
    by_model = {r["model"]: r for r in rows}
    for model, right in counts.items():
        row = by_model[model]
        ci = binomtest(right, TASKS).proportion_ci(0.95, method="wilson")
        assert (row["category"], row["trials"], row["correct"]) == ("ticket triage", TASKS, right)
        assert row["accuracy"] == pytest.approx(right / TASKS)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(ci.low), pytest.approx(ci.high))
        assert row["model_usd"] == pytest.approx(cost[model])
        assert row["verdict"] == ("clears" if ci.low >= 0.95 else "fails" if ci.high < 0.95 else "undecided")
    cp = json.loads(run_cli("report", "--json", "--interval", "clopper-pearson", "--level", "0.99").stdout)
    exact = binomtest(counts["openai/gpt-4.1"], TASKS).proportion_ci(0.99, method="exact")
    assert {r["model"]: r for r in cp}["openai/gpt-4.1"]["ci_low"] == pytest.approx(exact.low)


def test_route_json_picks_the_cheapest_clearing_model_and_bar_overrides(imported, tmp_path):
    # with the default $20 cost of an escaped error, the dearer model's fewer errors make it cheaper per
    # accepted task; when errors cost nothing, the cheap model wins
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert route["category"] == "ticket triage" and route["model"] == "openai/gpt-4.1"
    assert route["verdict"] == "clears" and route["runner_up"] == "openai/gpt-4.1-nano"
    free_errors = tmp_path / "free.yaml"
    free_errors.write_text("defaults: {failure_usd: 0}\n")
    [cheap] = json.loads(run_cli("route", "--json", "--scenario", str(free_errors)).stdout)
    assert cheap["model"] == "openai/gpt-4.1-nano" and cheap["runner_up"] == "openai/gpt-4.1"
    [strict] = json.loads(run_cli("route", "--json", "--bar", "0.98").stdout)
    assert strict["model"] == "openai/gpt-4.1" and strict["runner_up"] is None
    [none] = json.loads(run_cli("route", "--json", "--bar", "0.999").stdout)
    assert none["model"] is None and none["nearest"] == "openai/gpt-4.1" and "no model clears" in none["reason"]


def test_scenario_file_changes_cpat_as_the_ledger_says(imported, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("defaults: {failure_usd: 100, review_rate: 0}\n")
    rows = {r["model"]: r for r in json.loads(run_cli("report", "--json", "--scenario", str(scenario)).stdout)}
    nano = rows["openai/gpt-4.1-nano"]
    p = nano["accuracy"]
    assert nano["cpat_usd"] == pytest.approx((0.0001 + (1 - p) * 100) / p)
    bad = tmp_path / "bad.yaml"
    bad.write_text("defaults: {review_rate: 2}\n")
    result = run_cli("report", "--scenario", str(bad))
    assert result.returncode == 2 and "defaults.review_rate" in result.stderr and "Traceback" not in result.stderr


def test_exports_routes_and_a_litellm_router_config(imported, tmp_path):
    out = tmp_path / "router.yaml"
    assert run_cli("export", "litellm-router", "--out", str(out)).returncode == 0
    config = yaml.safe_load(out.read_text())
    assert config["model_list"] == [
        {
            "model_name": "openai/gpt-4.1",
            "litellm_params": {"model": "openai/gpt-4.1", "api_key": "os.environ/OPENAI_API_KEY"},
        }
    ]
    assert config["router_settings"]["model_group_alias"] == {"route-ticket-triage": "openai/gpt-4.1"}
    routes_csv = run_cli("export", "routes", "--csv").stdout
    assert "ticket triage" in routes_csv.splitlines()[1]


def test_csv_exports_neutralise_spreadsheet_formulas():
    import pandas as pd

    from routeboard.exports import to_csv

    text = to_csv(pd.DataFrame({"output": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "fine"], "n": range(5)}))
    cells = [row[0] for row in csv.reader(text.splitlines()[1:])]
    assert cells == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "fine"]


def test_route_honours_every_constraint_on_imported_results(imported, tmp_path):
    def route(rules: dict) -> dict:
        scenario = tmp_path / "rules.yaml"
        scenario.write_text(yaml.safe_dump({"constraints": {"ticket triage": rules}}))
        [row] = json.loads(run_cli("route", "--json", "--scenario", str(scenario)).stdout)
        return row

    def reasons(row):
        return {e["model"]: e["reason"] for e in row["excluded"]}

    denied = route({"deny_models": ["openai/gpt-4.1"]})
    assert denied["model"] == "openai/gpt-4.1-nano" and reasons(denied) == {"openai/gpt-4.1": "deny"}
    slow = route({"max_latency_ms_p95": 200})  # both answered in 300 ms
    assert slow["model"] is None and set(reasons(slow).values()) == {"latency"}
    on_premises = route({"allowed_tiers": ["local"]})
    assert on_premises["model"] is None and set(reasons(on_premises).values()) == {"tier"}
    few = route({"min_tasks": 5000})
    assert few["model"] is None and set(reasons(few).values()) == {"min_tasks"}
    dear = route({"max_cpat_usd": 0.01})
    assert dear["model"] is None and dear["affordable"] is False and dear["cost_gap_usd"] > 0
