"""Ollama: where its server is and which models it has (the catalog lists them as local models)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from routeboard.domain import InfraProfile, Model, Price

OLLAMA_DEFAULT_HOST = "http://127.0.0.1:11434"


@dataclass
class OllamaStatus:
    """What an Ollama server said (or that none answered)."""

    host: str
    available: bool
    reason: str = ""
    models: list[dict] = field(default_factory=list)


def ollama_host() -> str:
    host = os.environ.get("OLLAMA_API_BASE") or os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST
    return host if "://" in host else f"http://{host}"


def discover_ollama(host: str | None = None, timeout_s: float = 2.0) -> OllamaStatus:
    """Ask an Ollama server which models it has, with their parameter size and quantisation."""
    import httpx
    import ollama

    host = host or ollama_host()
    try:
        listing = ollama.Client(host=host, timeout=timeout_s).list()
    except (httpx.HTTPError, ConnectionError, OSError) as exc:
        return OllamaStatus(
            host,
            False,
            f"no Ollama server answered at {host} ({type(exc).__name__}); "
            "start it with `ollama serve` or set OLLAMA_HOST",
        )
    except ollama.ResponseError as exc:
        return OllamaStatus(host, False, f"the Ollama server at {host} answered with an error: {exc.error}")
    models = []
    for entry in listing.models:
        details = entry.details
        models.append(
            {
                "name": entry.model,
                "parameter_size": getattr(details, "parameter_size", None),
                "quantization": getattr(details, "quantization_level", None),
                "family": getattr(details, "family", None),
                "size_bytes": entry.size,
            }
        )
    return OllamaStatus(host, True, "", models)


def ollama_models(status: OllamaStatus, infra: InfraProfile) -> list[Model]:
    """The discovered models as local catalog models on the given box (``infra``)."""
    return [
        Model(
            id=f"ollama_chat/{m['name']}",
            litellm_model=f"ollama_chat/{m['name']}",
            display_name=f"{m['name']} (Ollama, {m['parameter_size'] or '?'} {m['quantization'] or ''})".strip(),
            tier="local",
            price=Price(0.0, 0.0, "local"),
            api_base=status.host,
            infra=infra,
        )
        for m in status.models
    ]
