"""Models > Add a model: litellm's price when it has one, a free checkbox, never a silent $0."""

from __future__ import annotations

import json
import os

import pytest

from routeboard.catalog.models import get_model
from routeboard.domain import Price
from routeboard.errors import InvalidInput
from routeboard.providers import keys as provider_keys
from routeboard.providers.keys import give_key
from routeboard.store.catalog import model_row
from tests.conftest import run_cli
from tests.ui.conftest import open_page, table


def add(at, model_id: str, *, price_in=None, price_out=None, free=False):
    at.text_input(key="models_add_id").input(model_id)
    if price_in is not None:
        at.number_input(key="models_add_in").set_value(price_in)
        at.number_input(key="models_add_out").set_value(price_out)
    if free:
        at.checkbox(key="models_add_free").check()
    at.button(key="models_add_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_price_inputs_start_empty_meaning_litellms_price(app):
    at = open_page(app, "models")
    assert at.number_input(key="models_add_in").value is None
    assert at.number_input(key="models_add_out").value is None
    assert at.checkbox(key="models_add_free").value is False


def test_adding_a_model_litellm_prices_stores_its_price_not_zero(app, app_con):
    at = add(open_page(app, "models"), "openai/gpt-4o-mini")
    assert [s.value for s in at.success] == [
        "Added openai/gpt-4o-mini (small-proprietary): price from litellm's "
        "price map: $0.15 input / $0.60 output per million tokens."
    ]
    stored = model_row(app_con, "openai/gpt-4o-mini")
    assert (stored["input_price_per_mtok_usd"], stored["free"]) == (None, False)
    assert get_model(app_con, "openai/gpt-4o-mini").price == Price(
        pytest.approx(0.15), pytest.approx(0.6), "litellm price map"
    )


def test_an_unpriced_model_is_refused_until_priced_or_marked_free(app, app_con):
    at = add(open_page(app, "models"), "acme/house-model")
    assert len(at.error) == 1 and "litellm's price map does not know 'acme/house-model'" in at.error[0].value
    assert model_row(app_con, "acme/house-model") is None

    at = add(at, "acme/house-model", free=True)
    assert at.success[0].value == "Added acme/house-model (small-proprietary): free: marked as costing nothing."
    assert get_model(app_con, "acme/house-model").price == Price(0.0, 0.0, "free")


def test_own_prices_are_user_prices(app, app_con):
    at = add(open_page(app, "models"), "acme/house-model", price_in=0.5, price_out=1.5)
    assert not at.error
    assert get_model(app_con, "acme/house-model").price == Price(0.5, 1.5, "user")


# ---------------------------------------------------------------- API keys given to the app process

SECRET = "sk-test-routeboard-0123456789abcdef"


@pytest.fixture
def no_openai_key(monkeypatch):
    """No OpenAI key before the test; whatever the test gives is gone after it."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    yield
    os.environ.pop("OPENAI_API_KEY", None)
    provider_keys._given.discard("OPENAI_API_KEY")


def catalog(at) -> dict[str, dict]:
    return {row["id"]: row for row in table(at, "id", "available", "why not").to_dict("records")}


def test_a_key_given_to_the_app_process_unlocks_its_models_and_is_stored_nowhere(
    app, app_con, isolated_db, no_openai_key
):
    at = open_page(app, "models")
    keys = table(at, "key", "status", "unlocks").set_index("key")
    assert keys.loc["OPENAI_API_KEY", "status"] == "missing"
    assert "openai/gpt-4.1-mini" in keys.loc["OPENAI_API_KEY", "unlocks"]
    assert not catalog(at)["openai/gpt-4.1"]["available"]
    captions = " ".join(c.value for c in at.caption)
    assert "never written to the database, a file or a log" in captions
    assert "serves this whole app process until it restarts" in captions

    at.selectbox(key="models_key_name").set_value("OPENAI_API_KEY")
    at.text_input(key="models_key_value").input(SECRET)
    at.button(key="models_key_set").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == (
        "OPENAI_API_KEY given to this app process: everyone's runs here use it until the app restarts."
    )
    openai = {model_id: row for model_id, row in catalog(at).items() if model_id.startswith("openai/")}
    assert openai and all(row["available"] for row in openai.values())
    assert not catalog(at)["anthropic/claude-haiku-4-5"]["available"]  # only the key's own models
    keys = table(at, "key", "status", "unlocks").set_index("key")
    assert keys.loc["OPENAI_API_KEY", "status"] == "given in this app process"
    assert "openai/gpt-4.1" in keys.loc["OPENAI_API_KEY", "unlocks"]
    # the page shows no value, and the database (file and its log) never holds it
    shown = [e.value for kind in (at.markdown, at.caption, at.success, at.code) for e in kind]
    assert SECRET not in str(shown) + str([d.value.to_dict() for d in at.dataframe])
    app_con.execute("CHECKPOINT")
    for path in isolated_db.parent.iterdir():
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_pasted_value_with_spaces_is_refused_in_one_line(app, no_openai_key):
    at = open_page(app, "models")
    at.selectbox(key="models_key_name").set_value("OPENAI_API_KEY")
    at.text_input(key="models_key_value").input("sk-abc Bearer xyz")
    at.button(key="models_key_set").click().run()
    assert [e.value for e in at.error] == [
        "- <input>: the value for OPENAI_API_KEY is empty or has spaces in it: paste the key alone"
    ]
    assert "OPENAI_API_KEY" not in os.environ


def test_a_key_name_litellm_would_not_read_is_refused(con):
    with pytest.raises(InvalidInput, match="'openai key' is not a key name"):
        give_key(con, "openai key", "sk-1")


def test_the_cli_lists_each_key_with_its_models_and_never_a_value():
    listed = run_cli("models", "keys", "--json", env={"OPENAI_API_KEY": None, "ANTHROPIC_API_KEY": SECRET})
    keys = {row["key"]: row for row in json.loads(listed.stdout)}
    assert keys["OPENAI_API_KEY"]["status"] == "missing"
    assert "openai/gpt-4.1-nano" in keys["OPENAI_API_KEY"]["unlocks"]
    assert "ANTHROPIC_API_KEY" not in keys or keys["ANTHROPIC_API_KEY"]["status"] != "missing"
    assert SECRET not in listed.stdout + listed.stderr


def test_the_catalog_shows_a_dash_for_an_unknown_price_and_never_none(app, app_con):
    add(open_page(app, "models"), "acme/house-model", free=True)
    at = open_page(app, "models")
    catalog = at.dataframe(key="models_catalog").value
    cells = catalog.astype(str).to_numpy().ravel().tolist()
    assert "None" not in cells and "nan" not in cells
    row = catalog.set_index("id").loc["acme/house-model"]
    assert (row["input_per_mtok_usd"], row["why not"]) == ("0", "—")


def test_a_price_typed_as_text_is_read_back_and_a_wrong_one_saves_nothing():
    from ui.models import catalog_edits

    rows = [{"id": "a", "tier": "local", "input_per_mtok_usd": "$0.40", "output_per_mtok_usd": "—"}]
    assert catalog_edits(rows)[0] == {**rows[0], "input_per_mtok_usd": 0.4, "output_per_mtok_usd": None}
    with pytest.raises(InvalidInput, match=r"a: 'cheap' is not a price in USD per million tokens"):
        catalog_edits([{**rows[0], "output_per_mtok_usd": "cheap"}])
