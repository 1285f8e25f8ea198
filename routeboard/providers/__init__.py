"""The provider seam: every backend answers ``complete(model, messages, settings) -> Completion``.

Backends register by the prefix of a model's litellm string: ``local/`` is the embedded llama.cpp model,
``fake/`` the test double, anything else goes through litellm (hosted APIs, Ollama, OpenAI-compatible servers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from routeboard.domain import Model


@dataclass(frozen=True)
class GenerationSettings:
    """Per-run generation settings; ``seed`` is passed where the backend supports it."""

    temperature: float = 0.0
    max_output_tokens: int = 256
    seed: int | None = None
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Completion:
    """One model answer with what it used; tokens are the provider's own count unless ``tokens_estimated``."""

    text: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    tokens_estimated: bool = False
    finish_reason: str | None = None


class Provider(Protocol):
    """What the runner needs from a backend. Failures raise ``routeboard.errors.ProviderError``."""

    async def complete(self, model: Model, messages: list[dict], settings: GenerationSettings) -> Completion: ...


_FACTORIES: dict[str, Callable[[], Provider]] = {}
_INSTANCES: dict[str, Provider] = {}


def register_provider(prefix: str, factory: Callable[[], Provider]) -> None:
    """Register a backend for model strings starting with ``prefix`` ('' is the litellm fallback)."""
    _FACTORIES[prefix] = factory
    _INSTANCES.pop(prefix, None)


def provider_key(model: Model) -> str:
    """The registry prefix serving this model (also the key of its per-provider concurrency limit)."""
    matches = [p for p in _FACTORIES if p and model.litellm_model.startswith(p)]
    return max(matches, key=len) if matches else ""


def provider_for(model: Model) -> Provider:
    """The backend instance for a model (one per prefix per process)."""
    key = provider_key(model)
    if key not in _INSTANCES:
        _INSTANCES[key] = _FACTORIES[key]()
    return _INSTANCES[key]


def _litellm() -> Provider:
    from routeboard.providers.litellm_backend import LiteLLMProvider

    return LiteLLMProvider()


def _embedded() -> Provider:
    from routeboard.providers.embedded import EmbeddedProvider

    return EmbeddedProvider()


register_provider("", _litellm)
register_provider("local/", _embedded)
