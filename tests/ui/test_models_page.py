"""Models > Add a model: litellm's price when it has one, a free checkbox, never a silent $0."""

from __future__ import annotations

import pytest

from routeboard.catalog import get_model
from routeboard.domain import Price
from routeboard.store.catalog import model_row
from tests.ui.conftest import open_page


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
        "price map: $0.15 input / $0.6 output per million tokens."
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
