"""`models add` as a user runs it: litellm's price when it has one, an explicit free mark, never a silent $0."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.conftest import run_cli


def listed(model_id: str) -> dict | None:
    result = run_cli("models", "list", "--json", "--no-ollama")
    assert result.returncode == 0, result.stderr
    return {row["id"]: row for row in json.loads(result.stdout)}.get(model_id)


def stored(db, model_id: str) -> tuple | None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT input_price_per_mtok_usd, output_price_per_mtok_usd, free, tier FROM models WHERE model_id = ?",
            [model_id],
        ).fetchone()
    finally:
        con.close()


def test_a_model_litellm_prices_takes_its_price_and_says_so(isolated_db):
    added = run_cli("models", "add", "openai/gpt-4o-mini")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == (
        "openai/gpt-4o-mini: small-proprietary, price from litellm's price map: "
        "$0.15 input / $0.60 output per million tokens"
    )
    row = listed("openai/gpt-4o-mini")
    assert (row["input_price_per_mtok_usd"], row["output_price_per_mtok_usd"], row["price_source"]) == (
        pytest.approx(0.15),
        pytest.approx(0.6),
        "litellm price map",
    )
    # stored as "take litellm's price", not as $0 user prices (what the old page did)
    assert stored(isolated_db, "openai/gpt-4o-mini") == (None, None, False, "small-proprietary")


def test_an_unpriced_model_is_refused_with_what_to_do(isolated_db):
    refused = run_cli("models", "add", "acme/house-model")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "error: acme/house-model [price]: litellm's price map does not know 'acme/house-model'; "
        "give its input and output price in USD per million tokens (--input-price, --output-price), or mark it "
        "free (--free) if it really costs nothing"
    ]
    assert listed("acme/house-model") is None


def test_user_prices_and_the_free_mark(isolated_db):
    priced = run_cli("models", "add", "acme/house-model", "--input-price", "0.5", "--output-price", "1.5")
    assert priced.returncode == 0, priced.stderr
    assert "user price: $0.50 input / $1.50 output per million tokens" in priced.stdout
    free = run_cli("models", "add", "acme/in-house", "--free")
    assert free.returncode == 0, free.stderr
    assert free.stdout.strip() == "acme/in-house: small-proprietary, free: marked as costing nothing"
    row = listed("acme/in-house")
    assert (row["input_price_per_mtok_usd"], row["output_price_per_mtok_usd"], row["price_source"]) == (
        0.0,
        0.0,
        "free",
    )
    assert stored(isolated_db, "acme/in-house") == (0.0, 0.0, True, "small-proprietary")


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ("--input-price", "0", "--output-price", "0"),
            "acme/zero [price]: a price of 0 / 0 says it costs nothing: mark it free",
        ),
        (("--free", "--input-price", "1", "--output-price", "2"), "a free model has no price"),
        (("--input-price", "1"), "give both the input and the output price"),
    ],
)
def test_zero_or_contradictory_prices_are_refused(isolated_db, args, words):
    refused = run_cli("models", "add", "acme/zero", *args)
    assert refused.returncode == 2 and words in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert listed("acme/zero") is None


def test_the_tier_is_guessed_from_litellms_price_unless_given(isolated_db):
    assert run_cli("models", "add", "openai/gpt-4-1106-preview").returncode == 0
    assert run_cli("models", "add", "azure_ai/Llama-3.3-70B-Instruct").returncode == 0
    assert run_cli("models", "add", "openai/gpt-4o", "--tier", "small-proprietary").returncode == 0
    assert listed("openai/gpt-4-1106-preview")["tier"] == "frontier"  # $30 per million output tokens
    assert listed("azure_ai/Llama-3.3-70B-Instruct")["tier"] == "hosted-open-weight"
    assert listed("openai/gpt-4o")["tier"] == "small-proprietary"
