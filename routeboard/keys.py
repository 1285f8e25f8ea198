"""API keys: which catalog models each key unlocks, and keys given for this app process only.

A key given here lives in this process's environment (where litellm reads it) until the process stops; it is
never written to the database, a file or a log. Keys meant to last go in the environment or in
.streamlit/secrets.toml, whose top-level entries Streamlit exports as environment variables.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from routeboard.catalog import missing_keys
from routeboard.domain import Model
from routeboard.errors import InvalidInput

KEY_NAME = re.compile(r"[A-Z][A-Z0-9_]*_(API_KEY|KEY|TOKEN|API_BASE|API_VERSION)")
SECRETS_EXAMPLE = '# .streamlit/secrets.toml (next to app.py; keep it out of git)\nOPENAI_API_KEY = "sk-..."\n'
_given: set[str] = set()  # names of keys given in this process; their values live only in os.environ
# key -> models seen needing it while it was missing, so a key still names its models once it is set
_needed_by: dict[str, set[str]] = {}


@dataclass(frozen=True)
class KeyStatus:
    """One key: whether it is set, and where from (never its value), and the catalog models it unlocks."""

    name: str
    status: str  # missing | set for this session | set in the environment
    models: tuple[str, ...]


def key_statuses(models: list[Model]) -> list[KeyStatus]:
    """Every key a catalog model needs or needed in this process, missing ones first."""
    ids = {m.id for m in models}
    for model in models:
        if model.tier == "local" or model.api_base:  # local servers need no provider key
            continue
        for name in missing_keys(model.litellm_model):
            _needed_by.setdefault(name, set()).add(model.id)
    statuses = [KeyStatus(name, _status(name), tuple(sorted(_needed_by[name] & ids))) for name in _needed_by]
    return sorted(statuses, key=lambda k: (k.status != "missing", k.name))


def _status(name: str) -> str:
    if name not in os.environ:
        return "missing"
    return "set for this session" if name in _given else "set in the environment"


def set_session_key(name: str, value: str) -> None:
    """Give a key for this process only (os.environ, where litellm reads it); never stored."""
    name, value = name.strip(), value.strip()
    if not KEY_NAME.fullmatch(name):
        raise InvalidInput(f"{name!r} is not a key name: use the variable litellm reads, e.g. OPENAI_API_KEY")
    if not value or any(c.isspace() for c in value):
        raise InvalidInput(f"the value for {name} is empty or has spaces in it: paste the key alone")
    os.environ[name] = value
    _given.add(name)


def forget_session_key(name: str) -> None:
    """Drop a key given in this process (one set in the environment before the start is left alone)."""
    if name in _given:
        os.environ.pop(name, None)
        _given.discard(name)
