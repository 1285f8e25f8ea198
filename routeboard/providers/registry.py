"""Which backend serves a model: backends register by the prefix of a model's litellm string: ``local/`` is the
embedded llama.cpp model, anything else goes through litellm (hosted APIs, Ollama, OpenAI-compatible servers).
Test doubles register from tests/. Backends are imported when first asked for (litellm takes seconds)."""

from __future__ import annotations

from collections.abc import Callable

from routeboard.domain import Model
from routeboard.providers.base import DEFAULT_CAPABILITIES, Capabilities, Provider

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


def capabilities_for(model: Model) -> Capabilities:
    """What the backend serving this model declares."""
    return getattr(provider_for(model), "capabilities", DEFAULT_CAPABILITIES)


def _litellm() -> Provider:
    from routeboard.providers.litellm_backend import LiteLLMProvider

    return LiteLLMProvider()


def _embedded() -> Provider:
    from routeboard.providers.embedded import EmbeddedProvider

    return EmbeddedProvider()


register_provider("", _litellm)
register_provider("local/", _embedded)
