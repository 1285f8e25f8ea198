"""The model catalog: litellm prices read offline, user overrides, the embedded model, Ollama status."""

from __future__ import annotations

import json

import pytest

from routeboard.catalog.models import (
    EMBEDDED_ID,
    add_model,
    get_model,
    guess_tier,
    list_models,
    price_note,
    save_catalog_edits,
)
from routeboard.domain import InfraProfile, Price
from routeboard.errors import InvalidInput, NotFound
from routeboard.providers.ollama import discover_ollama
from routeboard.store.catalog import save_model
from tests.conftest import run_cli


def test_hosted_prices_come_from_litellms_bundled_map(con):
    model = get_model(con, "openai/gpt-4.1-mini")
    assert model.price.source == "litellm price map"
    assert (model.price.input_per_mtok_usd, model.price.output_per_mtok_usd) == (pytest.approx(0.4), pytest.approx(1.6))


def test_user_prices_override_and_unknown_models_are_refused(con):
    add_model(
        con,
        "openai/gpt-4.1-mini",
        tier="small-proprietary",
        input_price_per_mtok_usd=0.1,
        output_price_per_mtok_usd=0.2,
    )
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
    infra = InfraProfile(
        hardware_usd=2190,
        amortisation_months=36,
        power_watts=500,
        usd_per_kwh=0.2,
        ops_usd_per_month=73,
        utilisation=0.5,
        parallel_requests=2,
    )
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
    add_model(
        con,
        "openai/local-vllm",
        litellm_model="openai/qwen",
        tier="hosted-open-weight",
        input_price_per_mtok_usd=0.05,
        output_price_per_mtok_usd=0.1,
        api_base="http://127.0.0.1:8000/v1",
    )
    ids = [m.id for m in list_models(con, check_keys=False)]
    assert "openai/local-vllm" in ids and EMBEDDED_ID in ids


# ---------------------------------------------------------------- unknown is unknown, free is on purpose


@pytest.mark.parametrize(
    "model_id, output_usd, tier",
    [
        ("ollama_chat/qwen3:4b", None, "local"),
        ("openai/gpt-4.1-nano", 0.4, "small-proprietary"),  # the built-in list's own tier
        ("together_ai/Qwen/Qwen2.5-72B-Instruct-Turbo", 1.2, "hosted-open-weight"),
        ("bedrock/meta.llama3-70b-instruct-v1:0", 3.5, "hosted-open-weight"),
        ("gpt-4-1106-preview", 30.0, "frontier"),
        ("openai/gpt-4o", 10.0, "frontier"),
        ("openai/gpt-4o-mini", 0.6, "small-proprietary"),
        ("acme/unknown", None, "small-proprietary"),
    ],
)
def test_a_tier_is_guessed_from_runtime_host_family_and_price(model_id, output_usd, tier):
    price = Price(1.0, output_usd, "litellm price map") if output_usd is not None else Price(None, None, "unknown")
    assert guess_tier(model_id, price) == tier


def test_a_stored_model_with_no_price_anywhere_is_unknown_and_a_free_one_is_free(con):
    save_model(
        con,
        {
            "model_id": "acme/imported",
            "litellm_model": "acme/imported",
            "display_name": "acme/imported",
            "tier": "small-proprietary",
            "input_price_per_mtok_usd": None,
            "output_price_per_mtok_usd": None,
            "api_base": None,
            "infra": None,
            "origin": "imported",
            "free": False,
        },
    )
    assert get_model(con, "acme/imported").price == Price(None, None, "unknown")
    add_model(con, "acme/in-house", free=True)
    assert get_model(con, "acme/in-house").price == Price(0.0, 0.0, "free")
    listed = {m.id: m for m in list_models(con, check_keys=False)}
    assert listed["acme/imported"].available is False and "price unknown" in listed["acme/imported"].unavailable_reason
    assert listed["acme/in-house"].available is True


def test_adding_without_a_price_takes_litellms_or_is_refused(con):
    model = add_model(con, "openai/gpt-4o-mini")
    assert model.price == Price(pytest.approx(0.15), pytest.approx(0.6), "litellm price map")
    assert price_note(model) == "price from litellm's price map: $0.15 input / $0.60 output per million tokens"
    with pytest.raises(InvalidInput) as caught:
        add_model(con, "acme/house-model")
    assert (caught.value.problems[0].file, caught.value.problems[0].field) == ("acme/house-model", "price")
    assert "--free" in caught.value.problems[0].message
    with pytest.raises(NotFound):
        get_model(con, "acme/house-model")


def test_catalog_edits_keep_where_a_price_comes_from(con):
    add_model(con, "openai/gpt-4o-mini")
    save_model(
        con,
        {
            "model_id": "acme/imported",
            "litellm_model": "acme/imported",
            "display_name": "acme/imported",
            "tier": "small-proprietary",
            "input_price_per_mtok_usd": None,
            "output_price_per_mtok_usd": None,
            "api_base": None,
            "infra": None,
            "origin": "imported",
            "free": False,
        },
    )
    models = [get_model(con, "openai/gpt-4o-mini"), get_model(con, "acme/imported")]
    rows = [
        {"id": "openai/gpt-4o-mini", "tier": "frontier", "input_per_mtok_usd": 0.15, "output_per_mtok_usd": 0.6},
        {
            "id": "acme/imported",
            "tier": "hosted-open-weight",
            "input_per_mtok_usd": float("nan"),
            "output_per_mtok_usd": float("nan"),
        },
    ]
    assert save_catalog_edits(con, models, rows) == ["openai/gpt-4o-mini", "acme/imported"]
    mini, imported = get_model(con, "openai/gpt-4o-mini"), get_model(con, "acme/imported")
    assert (mini.tier, mini.price.source) == ("frontier", "litellm price map")  # a tier edit is not a user price
    assert (imported.tier, imported.price) == ("hosted-open-weight", Price(None, None, "unknown"))
    rows[1].update(input_per_mtok_usd=0.2, output_per_mtok_usd=0.8)
    assert save_catalog_edits(con, [mini, imported], rows) == ["acme/imported"]
    assert get_model(con, "acme/imported").price == Price(0.2, 0.8, "user")
