"""The provider seam: every backend answers ``complete(model, messages, settings) -> Completion`` and declares its
``capabilities`` (in-process or not, a concurrency ceiling, whether it needs an API key, how to check a model
can be called now); the runner reads those, never model ids.

Backends register by the prefix of a model's litellm string (routeboard/providers/registry.py).
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


def _callable_now(model: Model) -> str | None:
    return None


@dataclass(frozen=True)
class Capabilities:
    """What a backend declares about itself, so the runner and the catalog never guess from a model id."""

    in_process: bool = False  # calls run in this process: a timeout cannot abandon one
    max_concurrency: int | None = None  # calls it serves at once, whatever a run allows (None: no ceiling)
    needs_api_key: bool = False  # its models may need a key from the environment (hosted APIs)
    # why a model cannot be called now ('OPENAI_API_KEY is not set', a package not installed); None when it can
    unavailable_reason: Callable[[Model], str | None] = _callable_now


DEFAULT_CAPABILITIES = Capabilities()


class Provider(Protocol):
    """What the runner needs from a backend. Failures raise ``routeboard.errors.ProviderError``.

    A backend may declare ``capabilities: Capabilities``; one that does not gets ``DEFAULT_CAPABILITIES``."""

    async def complete(self, model: Model, messages: list[dict], settings: GenerationSettings) -> Completion: ...
