"""litellm's price map read as a table: the same prices and key names as litellm, without importing it on a page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routeboard.catalog.models import BUILTIN_HOSTED
from routeboard.providers.keys import PROVIDER_KEYS, missing_keys
from routeboard.providers.price_table import litellm_price, price_map_path, provider_of
from routeboard.settings import configure_litellm

ROOT = Path(__file__).resolve().parents[2]
OTHER_MODELS = ("gpt-4o-mini", "openai/gpt-4o", "mistral/mistral-small-latest")


@pytest.mark.parametrize("model_id", [m for m, _display, _tier in BUILTIN_HOSTED] + list(OTHER_MODELS))
def test_the_table_gives_litellms_own_prices(model_id):
    cost = configure_litellm().model_cost
    entry = cost.get(model_id) or cost.get(model_id.split("/", 1)[1])
    price = litellm_price(model_id)
    assert price.source == "litellm price map"
    assert price.input_per_mtok_usd == pytest.approx(entry["input_cost_per_token"] * 1e6)
    assert price.output_per_mtok_usd == pytest.approx(entry["output_cost_per_token"] * 1e6)


def test_a_model_the_map_lacks_has_an_unknown_price_not_zero():
    price = litellm_price("acme/house-model")
    assert (price.input_per_mtok_usd, price.output_per_mtok_usd, price.known) == (None, None, False)


def test_the_table_is_litellms_bundled_file():
    assert price_map_path() == Path(configure_litellm().__file__).parent / "model_prices_and_context_window_backup.json"


@pytest.mark.parametrize("provider", sorted(PROVIDER_KEYS))
def test_each_provider_needs_the_keys_litellm_asks_for(provider, monkeypatch):
    litellm = configure_litellm()
    model_id = next(m for m, e in litellm.model_cost.items() if e.get("litellm_provider") == provider)
    model_id = model_id if model_id.startswith(provider + "/") else f"{provider}/{model_id}"
    reported, accepted = PROVIDER_KEYS[provider]
    for name in {*reported, *accepted}:
        monkeypatch.delenv(name, raising=False)
    assert provider_of(model_id) == provider
    assert missing_keys(model_id) == litellm.validate_environment(model=model_id)["missing_keys"] == list(reported)
    for name in accepted:  # any one accepted name unlocks it, for litellm and for the table
        monkeypatch.setenv(name, "sk-test")
        assert missing_keys(model_id) == litellm.validate_environment(model=model_id)["missing_keys"] == []
        monkeypatch.delenv(name)


def test_a_bare_id_takes_its_provider_from_the_map(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert provider_of("gpt-4o-mini") == "openai"
    assert missing_keys("gpt-4o-mini") == ["OPENAI_API_KEY"]


def test_the_models_page_never_imports_litellm(tmp_path):
    """A page visit reads prices and key needs without litellm (seconds to import); a call still loads it."""
    code = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=120)
at.run()
at.switch_page("pages/models.py")
at.run()
assert not at.exception, [e.value for e in at.exception]
catalog = at.dataframe(key="models_catalog").value
print(json.dumps({"litellm": "litellm" in sys.modules,
                  "price": float(catalog.set_index("id").loc["openai/gpt-4.1-mini", "output_per_mtok_usd"])}))
"""
    env = {**os.environ, "ROUTEBOARD_DB": str(tmp_path / "rb.duckdb"), "OLLAMA_HOST": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"litellm": False, "price": pytest.approx(1.6)}
