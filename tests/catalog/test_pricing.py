"""The infra rate is one formula (docs/design.md): a run's attempts, a scenario's override read by the ledger and
the what-if break-even all price a local box by it."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from routeboard.catalog.pricing import infra_rate_per_ms, infra_usd
from routeboard.decide.whatif import local_break_even_volume
from routeboard.domain import InfraProfile, Model, Price
from tests.decide.test_decisions import led_of

BOX = InfraProfile(
    hardware_usd=2190,
    amortisation_months=36,
    power_watts=500,
    usd_per_kwh=0.2,
    ops_usd_per_month=73,
    utilisation=0.5,
    parallel_requests=2,
)
# (2190 / 36 + 73) USD a month over 730 hours, plus 0.5 kW at $0.2, over 50% utilisation
USD_PER_BUSY_HOUR = ((2190 / 36 + 73) / 730 + 0.5 * 0.2) / 0.5
SECOND = 1000.0  # ms


def local(tier: str = "local", infra: InfraProfile | None = BOX) -> Model:
    return Model("local/box", "ollama_chat/box", "box", tier, Price(0, 0, "local"), infra=infra)


def test_a_call_costs_its_share_of_the_box_hour_whichever_way_the_profile_is_given():
    per_call = USD_PER_BUSY_HOUR / 3600 / 2  # one second of latency, shared over two parallel requests
    assert infra_usd(local(), SECOND) == pytest.approx(per_call)
    assert infra_rate_per_ms(json.dumps(asdict(BOX))) * SECOND == pytest.approx(per_call)  # a run's snapshot
    assert infra_rate_per_ms(asdict(BOX)) * SECOND == pytest.approx(per_call)  # a scenario's override
    assert infra_usd(local(tier="hosted-open-weight"), SECOND) == 0.0  # hosted: paid per token, not by time
    assert infra_usd(local(infra=None), SECOND) == infra_rate_per_ms(None) == 0.0


def test_the_box_break_even_counts_power_by_the_same_busy_hours():
    led = led_of(
        dict(model="local", correct=1000, trials=1000, cost_usd=0.0, infra_usd=0.0, latency_ms_sum=1000 * SECOND),
        dict(model="hosted", correct=1000, trials=1000, cost_usd=10.0, infra_usd=0.0, tier="frontier"),
    )  # one second a task on the box; $0.01 a task hosted
    result = local_break_even_volume(led, "tickets", "local", "hosted", asdict(BOX))
    busy_hours = 1 / 2 / 3600  # a second shared over two parallel requests
    assert result["fixed_monthly_usd"] == pytest.approx(2190 / 36 + 73)
    assert result["local_variable_cpat_usd"] == pytest.approx(busy_hours * 0.5 * 0.2)
    assert result["capacity_monthly_volume"] == pytest.approx(730 / busy_hours)
    assert result["break_even_monthly_volume"] == pytest.approx((2190 / 36 + 73) / (0.01 - busy_hours * 0.1))
