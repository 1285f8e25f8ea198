"""Each backend declares what the runner may assume (in-process, a concurrency ceiling, a key, availability), so
neither the runner nor the catalog guesses from a model id."""

from __future__ import annotations

from dataclasses import replace

from routeboard.catalog.models import add_model, embedded_model, get_model
from routeboard.providers.base import DEFAULT_CAPABILITIES, Completion
from routeboard.providers.registry import capabilities_for, register_provider


def test_the_embedded_model_runs_in_process_one_call_at_a_time_and_needs_no_key():
    model = embedded_model()
    caps = capabilities_for(model)
    assert (caps.in_process, caps.max_concurrency, caps.needs_api_key) == (True, 1, False)
    assert caps.unavailable_reason(replace(model, available=True)) is None
    missing = replace(model, available=False, unavailable_reason="package llama-cpp-python is not installed")
    assert caps.unavailable_reason(missing) == "package llama-cpp-python is not installed"


def test_hosted_models_need_their_key_and_local_servers_do_not(con, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    hosted = get_model(con, "anthropic/claude-haiku-4-5")
    caps = capabilities_for(hosted)
    assert (caps.in_process, caps.max_concurrency, caps.needs_api_key) == (False, None, True)
    assert caps.unavailable_reason(hosted) == "ANTHROPIC_API_KEY is not set"
    add_model(
        con,
        "openai/box",
        tier="local",
        input_price_per_mtok_usd=0.0,
        output_price_per_mtok_usd=0.0,
        api_base="http://127.0.0.1:9/v1",
    )
    assert caps.unavailable_reason(get_model(con, "openai/box")) is None
    assert caps.unavailable_reason(get_model(con, "ollama_chat/smollm2:135m")) is None


class Quiet:
    """A backend that declares nothing."""

    async def complete(self, model, messages, settings) -> Completion:
        return Completion("ok", 1, 1, 1.0)


def test_a_backend_that_declares_nothing_is_remote_unlimited_keyless_and_always_available():
    register_provider("quiet/", Quiet)
    model = replace(embedded_model(), id="quiet/one", litellm_model="quiet/one")
    caps = capabilities_for(model)
    assert caps == DEFAULT_CAPABILITIES
    assert (caps.in_process, caps.max_concurrency, caps.needs_api_key, caps.unavailable_reason(model)) == (
        False,
        None,
        False,
        None,
    )
