"""The litellm backend over real HTTP (perf/echo_server.py on loopback, real litellm) with routeboard's settings."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import warnings

import pytest

from routeboard.domain import Model, Price
from routeboard.providers.base import GenerationSettings
from routeboard.providers.litellm_backend import LiteLLMProvider
from tests.conftest import ROOT

PROMPT = "Task 7: reply with the number 42."


@pytest.fixture(scope="module")
def echo_url():
    """The loopback OpenAI-compatible server the perf script uses, in its own process."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "perf" / "echo_server.py")], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        line = process.stdout.readline().split()  # "listening http://127.0.0.1:PORT/v1"
        assert len(line) == 2, "perf/echo_server.py did not start"
        yield line[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def local_model(url: str, name: str = "echo") -> Model:
    return Model(name, f"openai/{name}", name, "local", Price(None, None, "unknown"), api_base=url)


def complete(model: Model, content: str = PROMPT):
    """One call, and litellm's own after-call work (pricing, success logging) finished inside the same loop."""
    messages = [{"role": "system", "content": "Answer tersely."}, {"role": "user", "content": content}]

    async def call():
        completion = await LiteLLMProvider().complete(model, messages, GenerationSettings(max_output_tokens=16, seed=1))
        await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}))
        return completion

    return asyncio.run(call())


def test_text_and_server_token_counts_are_parsed_with_routeboard_settings_on(echo_url):
    import litellm

    completion = complete(local_model(echo_url))
    assert litellm.suppress_debug_info is True and litellm.drop_params is True
    assert completion.text == "42"
    # the server counts words: 2 in the system message + 7 in the prompt, 1 in the answer
    assert (completion.input_tokens, completion.output_tokens) == (9, 1)
    assert not completion.tokens_estimated
    assert completion.finish_reason == "stop" and completion.latency_ms > 0


def test_a_model_litellm_does_not_know_needs_no_price_and_warns_nothing(echo_url, capfd):
    import litellm

    name = "my-finetune-v3"
    assert f"openai/{name}" not in litellm.model_cost and name not in litellm.model_cost
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    litellm_logger = logging.getLogger("LiteLLM")
    level = litellm_logger.level
    litellm_logger.addHandler(handler)
    litellm_logger.setLevel(logging.WARNING)  # a user running with LITELLM_LOG=WARNING would see these
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            completion = complete(local_model(echo_url, name), "Say: hello")
    finally:
        litellm_logger.removeHandler(handler)
        litellm_logger.setLevel(level)
    assert completion.text == "hello" and (completion.input_tokens, completion.output_tokens) == (4, 1)
    assert [r.getMessage() for r in records] == []
    assert [str(w.message) for w in caught] == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_litellm_is_imported_on_the_first_call_not_when_the_backend_is_created(echo_url):
    """Seconds of import a page that only asks a backend its capabilities must not spend; a call still works."""
    code = f"""
import asyncio, json, sys
from routeboard.catalog.models import list_models
from routeboard.domain import Model, Price
from routeboard.providers.base import GenerationSettings
from routeboard.providers.registry import capabilities_for
from routeboard.providers.litellm_backend import LiteLLMProvider
provider = LiteLLMProvider()
hosted = Model("gpt-4.1-mini", "openai/gpt-4.1-mini", "gpt-4.1-mini", "large-proprietary", Price(0.4, 1.6, "user"))
seen = {{"needs_key": capabilities_for(hosted).needs_api_key, "before_call": "litellm" in sys.modules}}
local = Model("echo", "openai/echo", "echo", "local", Price(None, None, "unknown"), api_base={echo_url!r})
messages = [{{"role": "user", "content": {PROMPT!r}}}]
seen["text"] = asyncio.run(provider.complete(local, messages, GenerationSettings(max_output_tokens=16))).text
seen["after_call"] = "litellm" in sys.modules
print(json.dumps(seen))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"needs_key": True, "before_call": False, "text": "42", "after_call": True}
