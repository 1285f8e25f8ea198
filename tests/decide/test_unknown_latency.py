"""Unknown latency is never free nor fast: results imported without a latency column leave a local model's infra
cost unknown (so its cost per accepted task, and its route), and fail a latency ceiling as unknown."""

from __future__ import annotations

import csv
import json
import math

import pytest

from routeboard.decide.ledger import apply_scenario
from routeboard.decide.scenario import Scenario
from tests.conftest import run_cli
from tests.decide.test_ledger import facts

INFRA = json.dumps({"hardware_usd": 3000.0, "amortisation_months": 36, "power_watts": 300.0, "usd_per_kwh": 0.2})


def _row(**extra):
    return facts(unmeasured_latency_attempts=100, latency_ms_sum=0.0, latency_ms_p95=math.nan, **extra)


def test_a_local_model_with_unmeasured_latency_has_an_unknown_infra_cost():
    row = apply_scenario(_row(tier="local", snapshot_infra=INFRA, infra_usd=0.0), Scenario()).iloc[0]
    assert math.isnan(row["infra_usd"]) and math.isnan(row["cpat_usd"])
    assert row["cost_unknown"].startswith("latency unknown: 100 of 100 attempts")
    assert row["excluded"] == "no_price" and "no measured latency" in row["excluded_detail"]


def test_a_hosted_model_without_an_infra_fee_keeps_its_infra_at_zero():
    row = apply_scenario(_row(tier="small-proprietary", snapshot_infra=None, infra_usd=0.0), Scenario()).iloc[0]
    assert row["infra_usd"] == 0.0 and row["cost_unknown"] is None and not math.isnan(row["cpat_usd"])


def test_a_scenario_infra_rate_cannot_cost_unmeasured_time():
    priced = Scenario(infra={"m": json.loads(INFRA)})
    row = apply_scenario(_row(tier="small-proprietary", snapshot_infra=None), priced).iloc[0]
    assert math.isnan(row["infra_usd"]) and row["cost_unknown"].startswith("latency unknown")


def test_a_latency_ceiling_excludes_a_model_whose_latency_is_unknown():
    ceiling = Scenario(constraints={"tickets": {"max_latency_ms_p95": 2000}})
    row = apply_scenario(_row(tier="small-proprietary", snapshot_infra=None), ceiling).iloc[0]
    assert row["excluded"] == "latency_unknown" and row["excluded_detail"].startswith("latency unknown")
    known = apply_scenario(facts(tier="small-proprietary"), ceiling).iloc[0]  # p95 900 ms: under the ceiling
    assert known["excluded"] is None


@pytest.fixture
def imported(tmp_path):
    """A local model with an infra profile and a priced hosted one, 60 tasks each, imported with no latency."""
    local = ["models", "add", "ollama_chat/house", "--tier", "local", "--free", "--hardware-usd", "3000"]
    assert run_cli(*local, "--amortisation-months", "36", "--power-watts", "300").returncode == 0
    hosted = ["models", "add", "acme/hosted", "--tier", "small-proprietary", "--input-price", "1"]
    assert run_cli(*hosted, "--output-price", "2").returncode == 0
    path = tmp_path / "no_latency.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["task_id", "category", "model", "correct", "cost_usd"])
        for model, cost_usd in (("ollama_chat/house", 0.0), ("acme/hosted", 0.001)):
            writer.writerows([f"t{i}", "triage", model, "true", cost_usd] for i in range(60))
    result = run_cli("results", "import", str(path), "--bar", "0.9")
    assert result.returncode == 0, result.stderr
    ceiling = tmp_path / "ceiling.yaml"
    ceiling.write_text("constraints:\n  triage: {max_latency_ms_p95: 2000}\n")
    return ceiling


def test_the_cli_never_shows_unmeasured_local_time_as_free(imported):
    rows = {r["model"]: r for r in json.loads(run_cli("report", "--json").stdout)}
    local, hosted = rows["ollama_chat/house"], rows["acme/hosted"]
    assert local["infra_usd"] is None and local["cpat_usd"] is None
    assert local["cost_unknown"].startswith("latency unknown") and local["excluded"] == "no_price"
    assert hosted["infra_usd"] == 0.0 and hosted["cpat_usd"] == pytest.approx(0.001)
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert route["model"] == "acme/hosted"


def test_the_cli_excludes_unknown_latency_under_a_ceiling(imported):
    rows = {r["model"]: r for r in json.loads(run_cli("report", "--json", "--scenario", str(imported)).stdout)}
    assert rows["acme/hosted"]["excluded"] == "latency_unknown"
    [route] = json.loads(run_cli("route", "--json", "--scenario", str(imported)).stdout)
    assert route["model"] is None
    assert "latency unknown" in route["reason"]
