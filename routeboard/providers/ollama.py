"""Ollama: where its server is and which models it has (the catalog lists them as local models)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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


def _no_server(host: str, exc: BaseException) -> OllamaStatus:
    # the ollama client reports a refused connection as ConnectionError: a plain socket's refusal reads the same
    kind = "ConnectionError" if isinstance(exc, ConnectionError) else type(exc).__name__
    return OllamaStatus(
        host,
        False,
        f"no Ollama server answered at {host} ({kind}); start it with `ollama serve` or set OLLAMA_HOST",
    )


def _listening(host: str, timeout_s: float) -> OSError | None:
    """Whether anything accepts a TCP connection at the host (None), or the error saying why not."""
    url = urlsplit(host)
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
        with socket.create_connection((url.hostname or "127.0.0.1", port), timeout=timeout_s):
            return None
    except ValueError as exc:  # a port that is not a number
        return OSError(str(exc))
    except OSError as exc:
        return exc


def discover_ollama(host: str | None = None, timeout_s: float = 2.0) -> OllamaStatus:
    """Ask an Ollama server which models it has, with their parameter size and quantisation."""
    host = host or ollama_host()
    # a plain socket first: importing the ollama client costs 0.3-0.7 s, spent only when something listens
    refused = _listening(host, timeout_s)
    if refused is not None:
        return _no_server(host, refused)
    import httpx
    import ollama

    try:
        listing = ollama.Client(host=host, timeout=timeout_s).list()
    except (httpx.HTTPError, ConnectionError, OSError) as exc:
        return _no_server(host, exc)
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
