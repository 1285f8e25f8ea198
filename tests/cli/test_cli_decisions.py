"""The numbers a leader acts on, through the CLI on imported per-sample results: evidence counted in tasks,
and an unknown price never read as free."""

from __future__ import annotations

import csv
import json

import pytest

from routeboard.decide.intervals import wilson_interval
from tests.conftest import run_cli


def _write(path, rows, columns):
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def test_ten_tasks_all_correct_three_times_do_not_clear_a_95_bar(tmp_path):
    rows = [
        [f"t{i}", "ticket triage", "openai/gpt-4.1-nano", "true", trial, 0.0001]
        for i in range(10)
        for trial in (1, 2, 3)
    ]
    path = _write(tmp_path / "tiny.csv", rows, ["task_id", "category", "model", "correct", "trial", "cost_usd"])
    assert run_cli("results", "import", str(path), "--bar", "0.95").returncode == 0
    [row] = json.loads(run_cli("report", "--json").stdout)
    assert (row["trials"], row["tasks"]) == (30, 10)
    # ten independent tasks, not thirty samples: Wilson 10/10 has a lower bound of 0.72, never [1, 1]
    assert row["ci_low"] == pytest.approx(wilson_interval(10, 10)[0]) == pytest.approx(0.7225, abs=1e-4)
    assert row["verdict"] == "undecided" and row["excluded"] == "min_tasks"
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert route["model"] is None and route["nearest"] == "openai/gpt-4.1-nano"
    assert "no model clears the bar" in route["reason"]
    text = run_cli("route", env={"COLUMNS": "250"}).stdout
    assert "none clears" in text


def test_results_without_price_or_cost_are_never_routed_as_free(tmp_path):
    rows = [
        [f"t{i}", "ticket triage", model, "true" if i % 50 else "false"]
        for model in ("acme/house-model-a", "acme/house-model-b")
        for i in range(400)
    ]
    path = _write(tmp_path / "no_cost.csv", rows, ["task_id", "category", "model", "correct"])
    assert run_cli("results", "import", str(path), "--bar", "0.9").returncode == 0
    zero_failure = tmp_path / "cheap_errors.yaml"
    zero_failure.write_text("defaults: {failure_usd: 0}\n")
    report = json.loads(run_cli("report", "--json", "--scenario", str(zero_failure)).stdout)
    for row in report:
        assert row["verdict"] == "clears"
        assert row["cpat_usd"] is None and row["model_usd"] is None
        assert row["excluded"] == "no_price" and "no price" in row["cost_unknown"]
    [route] = json.loads(run_cli("route", "--json", "--scenario", str(zero_failure)).stdout)
    assert route["model"] is None and route["cpat_usd"] is None
    assert route["reason"].startswith("no model with a known cost clears the bar: acme/house-model-a clears it, but ")
    assert "no price: 400 of 400 attempts" in route["reason"] and "set its price on Models" in route["reason"]
    assert "cheapest model that clears" not in route["reason"]
    table = run_cli("report", "--scenario", str(zero_failure), env={"COLUMNS": "250"}).stdout
    assert "no price" in table and "$0.0000" not in table and "0.00000" not in table


def test_a_priced_model_whose_results_carry_no_token_counts_says_so_and_never_asks_for_a_price(tmp_path):
    # its price IS set: what is missing is the usage its price would cost, so the advice is the file, not Models
    assert run_cli("models", "add", "acme/priced", "--input-price", "1", "--output-price", "2").returncode == 0
    rows = [[f"t{i}", "ticket triage", "acme/priced", "true" if i % 20 else "false"] for i in range(200)]
    path = _write(tmp_path / "no_tokens.csv", rows, ["task_id", "category", "model", "correct"])
    assert run_cli("results", "import", str(path), "--bar", "0.9").returncode == 0
    [row] = json.loads(run_cli("report", "--json").stdout)
    assert row["cost_unknown"] == (
        "no token counts: 200 of 200 attempts of acme/priced carry no token counts and no cost, so its price "
        "cannot cost them; import its results with token or cost columns"
    )
    table = run_cli("report", env={"COLUMNS": "250"}).stdout
    assert "no token counts" in table and "no price" not in table
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert "import its results with token or cost columns" in route["reason"]
    assert "set its price" not in route["reason"] and "no price" not in route["reason"]


def test_a_category_whose_every_model_is_excluded_names_each_reason_never_a_zero_gap(tmp_path):
    rows = [
        [f"t{i}", "ticket triage", model, "true", 0.001]
        for model in ("openai/gpt-4.1-nano", "acme/house-model")
        for i in range(100)
    ]
    path = _write(tmp_path / "both.csv", rows, ["task_id", "category", "model", "correct", "cost_usd"])
    assert run_cli("results", "import", str(path), "--bar", "0.9").returncode == 0
    scenario = tmp_path / "strict.yaml"
    scenario.write_text(
        "constraints:\n  ticket triage:\n    deny_models: [openai/gpt-4.1-nano]\n    allowed_tiers: [local]\n"
    )
    [route] = json.loads(run_cli("route", "--json", "--scenario", str(scenario)).stdout)
    assert route["model"] is None and route["gap_kind"] == "all_excluded"
    assert route["reason"] == (
        "every model with results here is excluded: acme/house-model (tier small-proprietary is not allowed here "
        "(allowed: local)); openai/gpt-4.1-nano (on this category's deny list)"
    )
    text = run_cli("route", "--scenario", str(scenario), env={"COLUMNS": "300"}).stdout
    assert "every model with results here is excluded" in text
    assert "under the bar" not in text and "no price" not in text
