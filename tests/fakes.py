"""A fake provider for unit tests of the runner's logic (never used where a user has the real thing).

Production code knows no fake model: ``install_fake`` registers this backend for model ids starting ``fake/``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from routeboard.errors import ProviderError
from routeboard.providers.base import DEFAULT_CAPABILITIES, Capabilities, Completion
from routeboard.providers.registry import register_provider


class FakeProvider:
    """Answers by a function of the prompt; scripted failures; counts calls and the peak in flight."""

    def __init__(
        self,
        answer: Callable[[str], str] | None = None,
        input_tokens: int = 100,
        output_tokens: int = 10,
        latency_s: float = 0.0,
        failures: Callable[[str, int], ProviderError | None] | None = None,
        capabilities: Capabilities = DEFAULT_CAPABILITIES,
    ):
        self.capabilities = capabilities  # what the runner may assume, as a real backend declares it
        self.answer = answer or (lambda prompt: prompt.rsplit(":", 1)[-1].strip())
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.latency_s = latency_s
        self.failures = failures
        self.calls: list[str] = []
        self.in_flight = 0
        self.peak_in_flight = 0

    async def complete(self, model, messages, settings) -> Completion:
        prompt = next(m["content"] for m in messages if m["role"] == "user")
        self.calls.append(prompt)
        number = len(self.calls)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            error = self.failures(prompt, number) if self.failures else None
            if error is not None:
                raise error
            return Completion(self.answer(prompt), self.input_tokens, self.output_tokens, self.latency_s * 1000)
        finally:
            self.in_flight -= 1


def install_fake(fake: FakeProvider) -> FakeProvider:
    """Serve every ``fake/...`` model with this fake (until another is installed)."""
    register_provider("fake/", lambda: fake)
    return fake
