"""The model catalog: litellm prices read offline, user overrides, the embedded model, Ollama status."""

from __future__ import annotations

import json

import pytest

from routeboard.catalog import EMBEDDED_ID, add_model, discover_ollama, get_model, list_models
from routeboard.domain import InfraProfile
from routeboard.errors import InvalidInput, NotFound
from tests.conftest import run_cli


def test_hosted_prices_come_from_litellms_bundled_map(con):
    model = get_model(con, "openai/gpt-4.1-mini")
    assert model.price.source == "litellm price map"
    assert (model.price.input_per_mtok_usd, model.price.output_per_mtok_usd) == (pytest.approx(0.4), pytest.approx(1.6))


def test_user_prices_override_and_unknown_models_are_refused(con):
    add_model(con, "openai/gpt-4.1-mini", tier="small-proprietary", input_price_per_mtok_usd=0.1,
              output_price_per_mtok_usd=0.2)
    model = get_model(con, "openai/gpt-4.1-mini")
    assert (model.price.input_per_mtok_usd, model.price.source) == (0.1, "user")
    with pytest.raises(NotFound, match="models add"):
        get_model(con, "acme/unknown-model")


def test_bad_model_values_name_the_field(con):
    with pytest.raises(InvalidInput, match="tier must be one of"):
        add_model(con, "x/y", tier="huge")
    with pytest.raises(InvalidInput, match="input_price_per_mtok_usd must be a non-negative"):
        add_model(con, "x/y", input_price_per_mtok_usd=-1, output_price_per_mtok_usd=1)
    with pytest.raises(InvalidInput, match="utilisation must be in"):
        add_model(con, "x/y", tier="local", infra=InfraProfile(utilisation=1.5))


def test_infra_rate_follows_the_design_formula():
    infra = InfraProfile(hardware_usd=2190, amortisation_months=36, power_watts=500, usd_per_kwh=0.2,
                         ops_usd_per_month=73, utilisation=0.5, parallel_requests=2)
    # (2190 / (36*730) + 0.5 kW * 0.2 + 73/730) / 0.5 per busy hour
    rate = (2190 / (36 * 730) + 0.1 + 0.1) / 0.5
    assert infra.usd_per_hour() == pytest.approx(rate)
    assert infra.usd_for_latency(3_600_000) == pytest.approx(rate / 2)  # an hour of latency over 2 parallel


def test_ollama_without_a_server_says_so_plainly():
    status = discover_ollama("http://127.0.0.1:9", timeout_s=1)
    assert not status.available and "no Ollama server answered at http://127.0.0.1:9" in status.reason


def test_models_list_json_shows_prices_the_embedded_model_and_ollama_status():
    result = run_cli("models", "list", "--json", env={"OPENAI_API_KEY": None})
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows[EMBEDDED_ID]["available"] is True and rows[EMBEDDED_ID]["tier"] == "local"
    hosted = rows["openai/gpt-4.1"]
    assert hosted["price_source"] == "litellm price map" and hosted["input_price_per_mtok_usd"] == pytest.approx(2.0)
    assert hosted["available"] is False and "OPENAI_API_KEY" in hosted["reason"]
    assert rows["ollama_chat/*"]["available"] is False and "no Ollama server" in rows["ollama_chat/*"]["reason"]


def test_catalog_lists_user_models(con):
    add_model(con, "openai/local-vllm", litellm_model="openai/qwen", tier="hosted-open-weight",
              input_price_per_mtok_usd=0.05, output_price_per_mtok_usd=0.1, api_base="http://127.0.0.1:8000/v1")
    ids = [m.id for m in list_models(con, check_keys=False)]
    assert "openai/local-vllm" in ids and EMBEDDED_ID in ids
