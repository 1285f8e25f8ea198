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
