"""Which variable holds a provider's key is one table (providers/keys.py): the catalog, the sidebar, the key form
and the router export read it, so a key under any name the provider accepts counts everywhere."""

from __future__ import annotations

import json
import os

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from routeboard.errors import Refused
from routeboard.exports import litellm_router_config
from routeboard.providers import keys
from routeboard.providers.keys import PROVIDER_KEYS, common_key_names, forget_key, give_key, missing_keys
from routeboard.secrets import scrub
from routeboard.team import audit
from routeboard.team.access import Actor

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


# ---------------------------------------------------------------- a key given to the app process

VALUE = "sk-given-in-the-app-0123456789abcdef"
ADA = Actor("ada@example.com", "Ada", "admin", "oidc")
ANA = Actor("ana@example.com", "Ana", "analyst", "oidc")


@pytest.fixture
def team_without_deepseek(con, tmp_path, monkeypatch):
    """A team deployment (an [auth] section) with no DeepSeek key set; a key given in the test is gone after it."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    yield con
    os.environ.pop("DEEPSEEK_API_KEY", None)
    keys._given.discard("DEEPSEEK_API_KEY")


def test_an_admin_gives_a_key_and_the_audit_names_the_variable_never_the_value(team_without_deepseek):
    con = team_without_deepseek
    give_key(con, "DEEPSEEK_API_KEY", VALUE, actor=ADA)
    assert os.environ["DEEPSEEK_API_KEY"] == VALUE
    assert missing_keys("deepseek/deepseek-chat") == []
    rows = audit.trail(con, action="give_key").to_dict("records")
    assert [(r["user_id"], r["target"], json.loads(r["detail"])) for r in rows] == [
        ("ada@example.com", "DEEPSEEK_API_KEY", {"change": "given"})
    ]
    stored = con.execute("SELECT * FROM audit_log").fetchall()
    assert VALUE not in str(stored)
    # the scrubber, which now knows the given value as a secret, finds nothing to hide in the row's text
    assert [scrub(rows[0]["target"]), scrub(rows[0]["detail"])] == [rows[0]["target"], rows[0]["detail"]]

    forget_key(con, "DEEPSEEK_API_KEY", actor=ADA)
    assert "DEEPSEEK_API_KEY" not in os.environ
    assert list(audit.trail(con, action="give_key")["detail"].map(lambda d: json.loads(d)["change"])) == [
        "forgotten",
        "given",
    ]


@pytest.mark.parametrize("who", [ANA, None], ids=["analyst", "nobody"])
def test_anyone_but_an_admin_is_refused_and_neither_the_key_nor_a_row_is_written(team_without_deepseek, who):
    con = team_without_deepseek
    with pytest.raises(Refused, match=r"may not give the app an API key|sign in first"):
        give_key(con, "DEEPSEEK_API_KEY", VALUE, actor=who)
    assert "DEEPSEEK_API_KEY" not in os.environ
    assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)


def test_a_key_whose_audit_row_cannot_be_written_is_not_given(team_without_deepseek):
    con = team_without_deepseek
    con.close()  # the store is gone: the row cannot be written
    with pytest.raises(duckdb.Error):
        give_key(con, "DEEPSEEK_API_KEY", VALUE, actor=ADA)
    assert "DEEPSEEK_API_KEY" not in os.environ
