"""Which variable holds a provider's key is one table (providers/keys.py): the catalog, the sidebar, the key form
and the router export read it, so a key under any name the provider accepts counts everywhere."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from routeboard.exports import litellm_router_config
from routeboard.providers.keys import PROVIDER_KEYS, common_key_names, missing_keys

GEMINI_NAMES = PROVIDER_KEYS["gemini"][1]  # GOOGLE_API_KEY, GEMINI_API_KEY


@pytest.fixture
def only_google_key(monkeypatch):
    """A Gemini key set as GOOGLE_API_KEY and no other provider key in the environment."""
    for _reported, accepted in PROVIDER_KEYS.values():
        for name in accepted:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "test-google-key")


def test_with_only_google_api_key_set_the_sidebar_says_geminis_key_is_set(only_google_key):
    def script():
        from ui.state import sidebar

        sidebar()

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    keys = [c.value for c in at.sidebar.caption if c.value.startswith("API keys:")]
    assert keys == [
        "API keys: OpenAI not set, Anthropic not set, Gemini set, DeepSeek not set, Together not set, Mistral not set"
    ]
    assert "test-google-key" not in str([c.value for c in at.sidebar.caption])


def test_a_gemini_key_under_either_name_unlocks_gemini_models_and_the_form_offers_both(only_google_key, monkeypatch):
    assert missing_keys("gemini/gemini-2.5-flash") == []
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("GEMINI_API_KEY", "test-gemini-key")
    assert missing_keys("gemini/gemini-2.5-flash") == []
    assert {*GEMINI_NAMES, "OPENAI_API_KEY", "ANTHROPIC_API_KEY"} <= set(common_key_names())


@pytest.mark.parametrize("name", GEMINI_NAMES)
def test_the_router_export_points_at_the_key_variable_that_is_set(only_google_key, monkeypatch, name):
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv(name, "test-key")
    routes = pd.DataFrame({"category": ["triage", "drafting"], "model": ["gemini/gemini-2.5-flash", "gpt-4o-mini"]})
    config = litellm_router_config(routes, {})
    params = {entry["model_name"]: entry["litellm_params"] for entry in config["model_list"]}
    assert params["gemini/gemini-2.5-flash"]["api_key"] == f"os.environ/{name}"
    # a bare id is the provider the price map names (OpenAI here), so its key is named too
    assert params["gpt-4o-mini"]["api_key"] == "os.environ/OPENAI_API_KEY"
