"""Secrets stay secret: what a key looks like and every rule that keeps keys and passwords out of the database,
exports, messages and logs (docs/design.md, "Layers"). This module imports nothing of the store, so the store's
own messages (a shared store's address) are scrubbed here too."""

from __future__ import annotations

import math
import os
import re
from datetime import date, datetime
from typing import Any

from routeboard.settings import secrets_config

# the environment variables litellm reads for keys and endpoints (OPENAI_API_KEY, AZURE_API_BASE, ...)
KEY_NAME = re.compile(r"[A-Z][A-Z0-9_]*_(API_KEY|KEY|TOKEN|API_BASE|API_VERSION)")
SECRET = "[secret]"
# what provider keys look like: OpenAI/Anthropic/most (sk-...), Google (AIza...), Groq (gsk_...), bearer tokens
_KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{8,}|gsk_[A-Za-z0-9]{8,}|AIza[A-Za-z0-9_\-]{20,})")
_SECRET_FIELDS = re.compile(r"(api_?key|secret|password|token|authorization)", re.IGNORECASE)
MIN_SECRET_CHARS = 8  # an env var value shorter than this is not a key worth hunting for (and would match noise)
# a conninfo's password=... (quoted or not) and a postgresql://user:password@host URI: only the password is hidden,
# so the address stays readable in a message
_PASSWORD = re.compile(r"""(password\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)""", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)


def _env_secrets() -> list[str]:
    """Values of environment variables that hold keys (named like *_API_KEY) and the secrets file's values
    (keys, client and cookie secrets), longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if KEY_NAME.fullmatch(name) and "API_BASE" not in name and "API_VERSION" not in name
        if len(value) >= MIN_SECRET_CHARS
    }
    values.update(secrets_config().secret_values)
    return sorted(values, key=len, reverse=True)


def scrub_text(text: str, _secrets: list[str] | None = None) -> str:
    """A message or a store address without its keys and passwords, the rest left readable: for errors (a
    provider's error may quote the key it was sent), logs and the sidebar."""
    for secret in _env_secrets() if _secrets is None else _secrets:
        text = text.replace(secret, SECRET)
    text = _KEY_SHAPES.sub(SECRET, text)
    return _URI_PASSWORD.sub(rf"\1{SECRET}@", _PASSWORD.sub(rf"\1{SECRET}", text))


def scrub(value: Any, _secrets: list[str] | None = None) -> Any:
    """The value with every string that looks like an API key, or contains one set in the environment, replaced
    by "[secret]" (and every field named like a key or password, and the passwords in a store address)."""
    secrets = _env_secrets() if _secrets is None else _secrets
    if isinstance(value, str):
        if any(s in value for s in secrets) or _KEY_SHAPES.search(value):
            return SECRET
        return scrub_text(value, secrets)
    if isinstance(value, dict):
        return {
            str(k): SECRET if _SECRET_FIELDS.search(str(k)) and v not in (None, "") else scrub(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: an unknown number is stored as null
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value), secrets)
