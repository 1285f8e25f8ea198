"""The embedded SmolLM2 model answers for real, with token counts, and without blocking the event loop."""

from __future__ import annotations

import asyncio

import pytest

from routeboard.catalog.models import embedded_model
from routeboard.providers.base import GenerationSettings
from routeboard.providers.registry import provider_for

pytestmark = pytest.mark.real_model


def test_embedded_model_gives_a_real_completion_with_token_counts():
    model = embedded_model()
    assert model.available, model.unavailable_reason
    provider = provider_for(model)
    messages = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    completion = asyncio.run(provider.complete(model, messages, GenerationSettings(max_output_tokens=16, seed=1)))
    assert "paris" in completion.text.lower()
    assert completion.input_tokens > 10 and 0 < completion.output_tokens <= 16
    assert completion.latency_ms > 0 and not completion.tokens_estimated


def test_embedded_calls_leave_the_event_loop_free():
    model = embedded_model()
    provider = provider_for(model)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def main():
        task = asyncio.create_task(ticker())
        await provider.complete(
            model, [{"role": "user", "content": "Count from 1 to 20."}], GenerationSettings(max_output_tokens=48)
        )
        task.cancel()

    asyncio.run(main())
    assert ticks >= 5
